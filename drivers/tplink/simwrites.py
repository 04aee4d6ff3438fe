"""Writes (`so`) and actions (`op`) on the simulated ONU's DEV2_ objects.

Every value is checked the way the firmware's pages check it (SSID 1-32 bytes, WPA
passphrase 8-63 printable or 64 hex, IPv4 DNS), a refused value changes nothing, and the
`reboot_mid_write` fault applies half a write before the device goes down. The guest
network's switch, name and passphrase are writable like the main network's: public
clients toggle `guestEnable` (S1 `set_wifi`) and the XGB430v app edits the rest.
"""

from __future__ import annotations

import ipaddress
import string
from typing import Any

from cpe.models import Band
from drivers.sim import Fault, SimDevice
from drivers.tplink import guessed as g
from drivers.tplink import protocol as p
from drivers.tplink.simmodel import CUSTOMER_WAN_STACK, META, Refused, guest_of, has_radios

_BAND_BY_STACK = {stack: band for band, stack in p.WIFI_STACKS.items()}
_PRINTABLE = set(string.printable) - set("\t\n\r\x0b\x0c")
_MAIN_WIFI = frozenset({p.WIFI_SSID_FIELD, g.WIFI_PSK_FIELD, p.WIFI_ENABLE_FIELD})
_GUEST_WIFI = frozenset(
    {g.WIFI_GUEST_SSID_FIELD, g.WIFI_GUEST_PSK_FIELD, p.WIFI_GUEST_ENABLE_FIELD}
)


class RebootMidWrite(Exception):
    """Fault knob: part of the write was applied, then the device rebooted."""


def _attrs(data: dict[str, Any], allowed: frozenset[str] | set[str]) -> dict[str, str]:
    attrs = {k: str(v) for k, v in data.items() if k not in META}
    if not attrs or set(attrs) - allowed:
        raise Refused(g.ERR_BAD_NAME)
    return attrs


def _check(ok: bool) -> None:
    if not ok:
        raise Refused(g.ERR_BAD_VALUE)


def _ssid_ok(ssid: str) -> bool:
    return 1 <= len(ssid.encode()) <= 32 and all(ord(c) >= 32 and ord(c) != 127 for c in ssid)


def _psk_ok(psk: str) -> bool:
    if len(psk) == 64 and all(c in string.hexdigits for c in psk):
        return True
    return 8 <= len(psk) <= 63 and all(c in _PRINTABLE for c in psk)


def _checked_wifi(attrs: dict[str, str], ssid_key: str, psk_key: str, on_key: str) -> None:
    ssid, psk, enable = attrs.get(ssid_key), attrs.get(psk_key), attrs.get(on_key)
    _check(ssid is None or _ssid_ok(ssid))
    _check(psk is None or _psk_ok(psk))
    _check(enable in (None, "0", "1"))


def _write_wifi(dev: SimDevice, stack: str, data: dict[str, Any]) -> None:
    band: Band | None = _BAND_BY_STACK.get(stack)
    if not has_radios(dev):
        raise Refused(g.ERR_BAD_NAME)
    if band is None or band not in dev.wifi:
        raise Refused(g.ERR_NO_INSTANCE)
    attrs = _attrs(data, _MAIN_WIFI | _GUEST_WIFI)
    _checked_wifi(attrs, p.WIFI_SSID_FIELD, g.WIFI_PSK_FIELD, p.WIFI_ENABLE_FIELD)
    _checked_wifi(attrs, g.WIFI_GUEST_SSID_FIELD, g.WIFI_GUEST_PSK_FIELD,
                  p.WIFI_GUEST_ENABLE_FIELD)
    ssid, psk = attrs.get(p.WIFI_SSID_FIELD), attrs.get(g.WIFI_PSK_FIELD)
    enable = attrs.get(p.WIFI_ENABLE_FIELD)
    state = dev.wifi[band]
    if dev.knobs.fault is Fault.REBOOT_MID_WRITE:
        if ssid is not None:
            state.ssid = ssid
        dev.reboot()
        raise RebootMidWrite
    if ssid is not None:
        state.ssid = ssid
    if psk is not None:
        state.psk = psk
    if enable is not None:
        state.enabled = enable == "1"
    guest_of(dev, band).update({k: v for k, v in attrs.items() if k in _GUEST_WIFI})
    dev.counters.writes += 1


def _dns_list(value: str) -> list[str]:
    parts = [x.strip() for x in value.split(",") if x.strip()]
    _check(1 <= len(parts) <= 2)
    try:
        return [str(ipaddress.IPv4Address(x)) for x in parts]
    except ValueError:
        raise Refused(g.ERR_BAD_VALUE) from None


def _write_wan(dev: SimDevice, stack: str, data: dict[str, Any], allowed: set[str]) -> None:
    if stack != CUSTOMER_WAN_STACK:
        raise Refused(g.ERR_NO_INSTANCE)
    attrs = _attrs(data, allowed)
    # A bridged WAN has no PPP session nor resolver of its own.
    _check(dev.wan_type != "bridge")
    user = attrs.get(g.PPPOE_USER_FIELD)
    password = attrs.get(g.PPPOE_PASSWORD_FIELD)
    manual = attrs.get(g.DNS_MANUAL_FIELD)
    servers = attrs.get(g.DNS_SERVERS_FIELD)
    _check(user is None or (0 < len(user) <= 128 and not any(c.isspace() for c in user)))
    _check(password is None or 0 < len(password) <= 118)
    _check(manual in (None, "0", "1"))
    dns = _dns_list(servers) if servers is not None else None
    _check(manual != "1" or dns is not None or bool(dev.dns))
    if dev.knobs.fault is Fault.REBOOT_MID_WRITE:
        if user is not None:
            dev.pppoe_user = user
        elif dns:
            dev.dns = [dns[0], *dev.dns[1:]]
        dev.reboot()
        raise RebootMidWrite
    if manual is not None or dns is not None:
        dev.manual_dns = manual == "1" if manual is not None else dev.manual_dns
        if dns is not None:
            dev.dns = dns
        dev.counters.writes += 1
    if user is not None or password is not None:
        # apply_pppoe counts the write and restarts the WAN (the port drops).
        dev.apply_pppoe(user or dev.pppoe_user, password or dev.pppoe_password)


def write(dev: SimDevice, oid: str, data: dict[str, Any]) -> None:
    stack = str(data.get("stack", p.DEFAULT_STACK))
    if oid == p.WIFI_OID:
        _write_wifi(dev, stack, data)
        return
    allowed: set[str] = set()
    if oid == g.PPPOE_OID:
        allowed |= {g.PPPOE_USER_FIELD, g.PPPOE_PASSWORD_FIELD}
    if oid == g.DNS_OID:
        allowed |= {g.DNS_MANUAL_FIELD, g.DNS_SERVERS_FIELD}
    if not allowed:
        raise Refused(g.ERR_BAD_NAME)
    _write_wan(dev, stack, data, allowed)


def action(dev: SimDevice, oid: str) -> None:
    if oid != p.REBOOT_OID:
        raise Refused(g.ERR_BAD_NAME)
    dev.reboot()
