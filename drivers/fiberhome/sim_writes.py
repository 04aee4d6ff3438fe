"""The simulated ONU's write handlers (`wan_modify`, `set_ipv4_lan`, `setWlanAdvancedCfg`).

Each takes the posted form and returns the JSON the firmware answers, which is the page's
data after the write ([C] the page JS feeds the answer back to its initPage/fillData).
A malformed form is ignored: the answer is the unchanged data and nothing is counted.
`Fault.REBOOT_MID_WRITE` applies the first part of the write, reboots the unit and raises
`MidWriteReboot` so the handler drops the connection without an answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import AddressValueError, IPv4Address
from typing import Any

from cpe.models import Band, validate_passphrase, validate_ssid
from drivers.fiberhome import guessed
from drivers.fiberhome.crypto import fhdecrypt
from drivers.fiberhome.protocol import split_ips
from drivers.fiberhome.sim_views import all_wan, device_key, lan_ipv4, wifi_status
from drivers.sim import Fault, SimDevice, WifiState

Form = Mapping[str, str]


class MidWriteReboot(Exception):
    """The unit rebooted half-way through a write (fault knob)."""


def _mid_write(dev: SimDevice) -> bool:
    return dev.knobs.fault is Fault.REBOOT_MID_WRITE


def _reboot(dev: SimDevice) -> None:
    dev.reboot()
    raise MidWriteReboot


def _ips(value: str) -> list[str] | None:
    try:
        out = [str(IPv4Address(p)) for p in split_ips(value)]
    except (AddressValueError, ValueError):
        return None
    return out or None


def wan_modify(dev: SimDevice, form: Form) -> dict[str, Any]:
    required = ("wan_index", "ConnectionType", "AddressingType", "ServiceList")
    if any(k not in form for k in required):
        return all_wan(dev)
    if form["wan_index"] != "1":
        dev.counters.writes += 1  # the TR-069 WAN: accepted, nothing we model changes
        return all_wan(dev)
    dns: list[str] | None = None
    override = form.get("DnsOverrideEnable")
    if override == "1":
        dns = _ips(form.get("DNSOverrideServer", ""))
        if dns is None:
            return all_wan(dev)
    creds: tuple[str, str] | None = None
    if form["AddressingType"].upper() == "PPPOE":
        field = next((f for f in guessed.PPPOE_PASSWORD_FIELDS if f in form), None)
        try:
            # The firmware stores what it is sent: a missing password field wipes it.
            password = fhdecrypt(form[field], device_key(dev)) if field else ""
        except ValueError:
            return all_wan(dev)
        creds = (form.get("Username", ""), password)
    if form.get("vlanid", "").isdigit():
        dev.extra["vlan"] = int(form["vlanid"])
    changed = creds is not None and (
        dev.wan_type != "pppoe" or creds != (dev.pppoe_user, dev.pppoe_password)
    )
    if _mid_write(dev):
        if changed and creds is not None:
            dev.pppoe_user = creds[0]  # the user lands, the password does not
        elif override is not None:
            dev.manual_dns = override == "1"
        _reboot(dev)
    if override is not None:
        dev.manual_dns = override == "1"
        if dns is not None:
            dev.dns = dns
    if changed and creds is not None:
        dev.apply_pppoe(*creds)  # counts the write and restarts the WAN
    elif guessed.WAN_RESTART_ONLY_ON_CREDENTIAL_CHANGE:
        dev.counters.writes += 1
    else:
        dev.counters.writes += 1
        dev.restart_wan()
    return all_wan(dev)


def set_ipv4_lan(dev: SimDevice, form: Form) -> dict[str, Any]:
    needed = ("IPInterfaceIPAddress", "DNSProxyEnable", "DNSManualEnable")
    if any(k not in form for k in needed):
        return lan_ipv4(dev)
    ip = _ips(form["IPInterfaceIPAddress"])
    if ip is None:
        return lan_ipv4(dev)
    proxy, manual = form["DNSProxyEnable"] == "1", form["DNSManualEnable"] == "1"
    servers = _ips(form.get("DNSServers", "")) if manual else None
    if manual and not proxy and servers is None:
        return lan_ipv4(dev)
    if _mid_write(dev):
        dev.lan_dns = list(dev.dns)  # proxy switched off, servers not yet written
        _reboot(dev)
    dev.extra["lan_ip"] = ip[0]
    if proxy:
        dev.lan_dns = [ip[0]]
    elif servers is not None:
        dev.lan_dns = servers
    else:
        dev.lan_dns = list(dev.dns)  # "WAN DNS" mode: DHCP hands out the WAN's
    dev.counters.writes += 1
    return lan_ipv4(dev)


def _valid_wifi(ssid: str, psk: str, beacon: str) -> bool:
    try:
        validate_ssid(ssid)
        validate_passphrase(psk)
    except ValueError:
        return False
    return beacon in ("11i", "WPA/WPA2", "WPA2/WPA3")


def set_wlan(dev: SimDevice, form: Form, band: Band) -> dict[str, Any]:
    first = 1 if band is Band.GHZ_2_4 else guessed.WIFI_5G_FIRST_INDEX
    try:
        index = int(form.get("wifiIndex", ""))
        key = device_key(dev)
        ssid = fhdecrypt(form.get("SSID", ""), key)
        psk = fhdecrypt(form.get("PreSharedKey", ""), key)
    except ValueError:
        return wifi_status(dev, band)
    main = dev.wifi.get(band)
    if (
        main is None
        or not first <= index < first + 4
        or not _valid_wifi(ssid, psk, form.get("BeaconType", ""))
    ):
        return wifi_status(dev, band)
    enabled = form.get("Enable", "1") == "1"
    if index != first:
        dev.extra.setdefault("extra_ssids", {})[index] = (ssid, psk, enabled)
    elif _mid_write(dev):
        dev.wifi[band] = WifiState(ssid, main.psk, main.enabled)  # SSID only
        _reboot(dev)
    else:
        dev.wifi[band] = WifiState(ssid, psk, enabled)
    dev.counters.writes += 1
    return wifi_status(dev, band)


__all__ = ["MidWriteReboot", "set_ipv4_lan", "set_wlan", "wan_modify"]
