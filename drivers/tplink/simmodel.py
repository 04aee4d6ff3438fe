"""The simulated ONU's DEV2_ objects, computed from `SimDevice` on every request.

`SimDevice`'s common fields (pppoe_user, dns, wifi, rx_dbm...) stay the single source of
truth, so the lab and the tests can plant drift here the same way as in every family.
Field names come from `protocol` ([C]) and `guessed` ([G]), shared with the driver.
"""

from __future__ import annotations

import ipaddress
import string
from typing import Any

from cpe.models import Band, WanError
from drivers.sim import Fault, SimDevice
from drivers.tplink import guessed as g
from drivers.tplink import protocol as p

#: The disabled management (TR-069) connection ONUs list first, and the customer's WAN.
MGMT_WAN_STACK = "1,0,0,0,0,0"
CUSTOMER_WAN_STACK = "2,0,0,0,0,0"
_WAN_NAMES = {
    "pppoe": "pppoe_gpon_3_3",
    "dhcp": "ipoe_gpon_0_2_d",
    "static": "static_gpon_0_2",
    "bridge": "bridge_gpon_0_2",
}
_BAND_BY_STACK = {stack: band for band, stack in p.WIFI_STACKS.items()}
_META = frozenset({"stack", "pstack", "isuseractive"})
_PRINTABLE = set(string.printable) - set("\t\n\r\x0b\x0c")


class Refused(Exception):
    """The act fails with `errorcode` (the firmware's answer, not an HTTP error)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class RebootMidWrite(Exception):
    """Fault knob: part of the write was applied, then the device rebooted."""


def has_radios(dev: SimDevice) -> bool:
    return bool(dev.extra.get("wifi_radios", True))


# --- reads ---------------------------------------------------------------------------------


def _dev_info(dev: SimDevice) -> dict[str, str]:
    return {
        "modelName": dev.model_name,
        "softwareVersion": dev.firmware,
        "hardwareVersion": dev.hardware,
        "serialNumber": dev.serial,
        g.UPTIME_FIELD: str(max(0, dev.uptime_s())),
    }


def _wan_state(dev: SimDevice) -> str:
    if dev.wan_type == "bridge":
        return g.WAN_STATUS_UP if dev.pon_registered else g.WAN_STATUS_DOWN
    if dev.wan_up:
        return g.WAN_STATUS_UP
    if dev.wan_error is WanError.CONNECTING:
        return g.WAN_STATUS_CONNECTING
    return g.WAN_STATUS_DOWN


def _customer_wan(dev: SimDevice) -> dict[str, str]:
    entry = {
        p.WAN_ENABLE_FIELD: "1",
        p.WAN_NAME_FIELD: _WAN_NAMES.get(dev.wan_type, "ipoe_gpon_0_2_d"),
        g.WAN_STATUS_FIELD: _wan_state(dev),
        "MACAddr": dev.mac,
    }
    if dev.wan_type == "bridge":
        return entry
    up = dev.wan_up
    shown = (up or dev.manual_dns) and dev.dns
    dns = ",".join(dev.dns) if shown else f"{p.NO_ADDRESS},{p.NO_ADDRESS}"
    entry |= {
        p.WAN_IP_FIELD: dev.wan_ip if up else p.NO_ADDRESS,
        p.WAN_GATEWAY_FIELD: dev.wan_gateway if up else p.NO_ADDRESS,
        "connIPv4SubnetMask": "255.255.255.255" if up else p.NO_ADDRESS,
        p.WAN_DNS_FIELD: dns,
        g.WAN_ERROR_FIELD: g.WAN_ERROR_CODES.get(dev.wan_error or WanError.CONNECTING, ""),
        g.DNS_MANUAL_FIELD: "1" if dev.manual_dns else "0",
        g.DNS_SERVERS_FIELD: ",".join(dev.dns) if dev.manual_dns else "",
    }
    if dev.wan_type == "pppoe":
        entry[g.PPPOE_USER_FIELD] = dev.pppoe_user
    return entry


def _wans(dev: SimDevice) -> list[tuple[str, dict[str, str]]]:
    # Same schema as the customer's WAN: a firmware object has fixed fields.
    mgmt = {
        p.WAN_ENABLE_FIELD: "0",
        p.WAN_NAME_FIELD: "ipoe_gpon_0_1_d",
        g.WAN_STATUS_FIELD: g.WAN_STATUS_DOWN,
        "MACAddr": dev.mac,
        p.WAN_IP_FIELD: p.NO_ADDRESS,
        p.WAN_GATEWAY_FIELD: p.NO_ADDRESS,
        "connIPv4SubnetMask": p.NO_ADDRESS,
        p.WAN_DNS_FIELD: f"{p.NO_ADDRESS},{p.NO_ADDRESS}",
        g.WAN_ERROR_FIELD: g.WAN_ERROR_CODES[WanError.CONNECTING],
    }
    return [(MGMT_WAN_STACK, mgmt), (CUSTOMER_WAN_STACK, _customer_wan(dev))]


def _wifi(dev: SimDevice) -> list[tuple[str, dict[str, str]]]:
    if not has_radios(dev):
        return []
    out = []
    for band, stack in p.WIFI_STACKS.items():
        state = dev.wifi.get(band)
        if state is not None:
            out.append(
                (
                    stack,
                    {
                        p.WIFI_ENABLE_FIELD: "1" if state.enabled else "0",
                        p.WIFI_SSID_FIELD: state.ssid,
                        g.WIFI_PSK_FIELD: state.psk,
                        "guestEnable": "0",
                    },
                )
            )
    return out


def _power(value: float | None) -> str:
    return "" if value is None else str(round(value / g.OPTICAL_UNIT_DBM))


def _optical(dev: SimDevice) -> list[tuple[str, dict[str, str]]]:
    rx = dev.rx_dbm if dev.pon_registered else None
    fields = {g.OPTICAL_RX_FIELD: _power(rx), g.OPTICAL_TX_FIELD: _power(dev.tx_dbm)}
    return [(g.OPTICAL_STACK, fields)]


def _pon(dev: SimDevice) -> list[tuple[str, dict[str, str]]]:
    return [(g.PON_STACK, {g.PON_STATUS_FIELD: g.PON_STATUS_UP if dev.pon_registered else "Down"})]


def instances(dev: SimDevice, oid: str) -> list[tuple[str, dict[str, str]]]:
    if oid == p.DEV_INFO_OID:
        return [(p.DEFAULT_STACK, _dev_info(dev))]
    if oid == p.WAN_OID:
        return _wans(dev)
    if oid == p.WIFI_OID and has_radios(dev):
        return _wifi(dev)
    if oid == g.OPTICAL_OID:
        return _optical(dev)
    if oid == g.PON_OID:
        return _pon(dev)
    raise Refused(g.ERR_BAD_NAME)


def read(dev: SimDevice, operation: str, oid: str, data: dict[str, Any]) -> Any:
    """`go`: one instance (by stack), `gl`/`gs`: every instance; only the named fields
    when the request names some."""
    found = instances(dev, oid)
    wanted = [k for k in data if k not in _META]

    def view(stack: str, fields: dict[str, str]) -> dict[str, str]:
        out = {k: fields[k] for k in wanted if k in fields} if wanted else dict(fields)
        out["stack"] = stack
        return out

    if operation == p.OP_GET:
        stack = str(data.get("stack", p.DEFAULT_STACK))
        for inst_stack, fields in found:
            if inst_stack == stack or (stack == p.DEFAULT_STACK and len(found) == 1):
                return view(inst_stack, fields)
        raise Refused(g.ERR_NO_INSTANCE)
    return [view(s, f) for s, f in found]


# --- writes --------------------------------------------------------------------------------


def _attrs(data: dict[str, Any], allowed: set[str]) -> dict[str, str]:
    attrs = {k: str(v) for k, v in data.items() if k not in _META}
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


def _write_wifi(dev: SimDevice, stack: str, data: dict[str, Any]) -> None:
    band: Band | None = _BAND_BY_STACK.get(stack)
    if not has_radios(dev):
        raise Refused(g.ERR_BAD_NAME)
    if band is None or band not in dev.wifi:
        raise Refused(g.ERR_NO_INSTANCE)
    attrs = _attrs(data, {p.WIFI_SSID_FIELD, g.WIFI_PSK_FIELD, p.WIFI_ENABLE_FIELD})
    ssid, psk = attrs.get(p.WIFI_SSID_FIELD), attrs.get(g.WIFI_PSK_FIELD)
    enable = attrs.get(p.WIFI_ENABLE_FIELD)
    _check(ssid is None or _ssid_ok(ssid))
    _check(psk is None or _psk_ok(psk))
    _check(enable in (None, "0", "1"))
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
