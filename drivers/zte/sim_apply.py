"""The simulated ZTE's Apply handlers: a form posted to a menuData module is checked as
the firmware checks it (the refused field is named) and written back to the `SimDevice`
fields and the family-only state, with the REBOOT_MID_WRITE fault applying only the
first part of a multi-part write."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cpe.models import Band, validate_passphrase, validate_ssid
from drivers.sim import Fault, SimDevice, WifiState
from drivers.zte import guessed as g
from drivers.zte.sim_family_state import DHCP_DEFAULTS, WAN_DEFAULTS, family_state


@dataclass(frozen=True)
class Outcome:
    """Result of an Apply: `rejected` names the refused field; `rebooted` means the device
    went down mid-write (Fault.REBOOT_MID_WRITE) and must not answer."""

    rejected: str | None = None
    rebooted: bool = False


APPLIED = Outcome()


def _mid_write_reboot_after(device: SimDevice, first_part: Callable[[], None]) -> bool:
    """Fault knob: apply the first part of a multi-part write, then reboot."""
    if device.knobs.fault is not Fault.REBOOT_MID_WRITE:
        return False
    first_part()
    device.reboot()
    return True


def _missing(fields: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n not in fields), None)


def _ipv4(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def apply_wan(device: SimDevice, inst: str, fields: Mapping[str, str]) -> Outcome:
    if inst != g.WAN_INTERNET_INST:
        return Outcome(rejected="_InstID")
    missing = _missing(fields, g.WAN_CONFIG_FIELDS)
    if missing:
        return Outcome(rejected=missing)
    cfg = family_state(device, "wan_cfg", WAN_DEFAULTS)
    for key in WAN_DEFAULTS:
        cfg[key] = fields[key]
    if fields["linkMode"] != "PPP" or fields["mode"] != "route":
        device.wan_type = "bridge" if fields["mode"] == "bridge" else "dhcp"
        device.counters.writes += 1
        device.restart_wan()
        return APPLIED
    user = fields["UserName"]
    if not user or any(c.isspace() for c in user):
        return Outcome(rejected="UserName")
    password = fields["Password"]
    if password == g.UNCHANGED_VALUE:
        password = device.pppoe_password
    if not password:
        return Outcome(rejected="Password")
    if _mid_write_reboot_after(device, lambda: setattr(device, "pppoe_user", user)):
        return Outcome(rebooted=True)
    device.apply_pppoe(user, password)  # counts the write and restarts the WAN
    return APPLIED


def _band_of_ap(inst: str) -> tuple[Band, bool] | None:
    """(band, is the main SSID) for DEV.WIFI.APn."""
    try:
        number = int(inst.removeprefix("DEV.WIFI.AP"))
    except ValueError:
        return None
    if not 1 <= number <= 2 * g.AP_PER_RADIO:
        return None
    band = Band.GHZ_2_4 if number <= g.AP_PER_RADIO else Band.GHZ_5
    return band, (number - 1) % g.AP_PER_RADIO == 0


def apply_wlan(device: SimDevice, inst: str, fields: Mapping[str, str]) -> Outcome:
    found = _band_of_ap(inst)
    if found is None or found[0] not in device.wifi:
        return Outcome(rejected="_InstID")
    band, main = found
    if not main:
        device.counters.writes += 1  # guest SSIDs are not modelled; accept and forget
        return APPLIED
    wifi = device.wifi[band]
    ssid = fields.get("ESSID", wifi.ssid)
    try:
        validate_ssid(ssid)
    except ValueError:
        return Outcome(rejected="ESSID")
    psk = fields.get("KeyPassphrase", g.UNCHANGED_VALUE)
    if psk == g.UNCHANGED_VALUE:
        psk = wifi.psk
    try:
        validate_passphrase(psk)
    except ValueError:
        return Outcome(rejected="KeyPassphrase")
    if fields.get("BeaconType", "11i") not in ("11i", "WPAand11i"):
        return Outcome(rejected="BeaconType")
    if _mid_write_reboot_after(device, lambda: setattr(wifi, "ssid", ssid)):
        return Outcome(rebooted=True)
    device.wifi[band] = WifiState(ssid=ssid, psk=psk, enabled=fields.get("Enable", "1") == "1")
    device.counters.writes += 1
    return APPLIED


def apply_dns(device: SimDevice, inst: str, fields: Mapping[str, str]) -> Outcome:
    if inst != g.DNS_INST:
        return Outcome(rejected="_InstID")
    first, second = fields.get("SerIPAddress1", ""), fields.get("SerIPAddress2", "")
    if not _ipv4(first):
        return Outcome(rejected="SerIPAddress1")
    if second and not _ipv4(second):
        return Outcome(rejected="SerIPAddress2")

    def first_part() -> None:
        device.dns = [first, *device.dns[1:]]

    if _mid_write_reboot_after(device, first_part):
        return Outcome(rebooted=True)
    device.dns = [first, second] if second else [first]
    device.manual_dns = True
    device.counters.writes += 1
    return APPLIED


def apply_dhcp(device: SimDevice, inst: str, fields: Mapping[str, str]) -> Outcome:
    if inst != g.DHCP_INST:
        return Outcome(rejected="_InstID")
    missing = _missing(fields, g.DHCP_FIELDS)
    if missing:
        return Outcome(rejected=missing)
    for name in ("IPAddr", "SubMask", "MinAddress", "MaxAddress"):
        if not _ipv4(fields[name]):
            return Outcome(rejected=name)
    source = fields["DnsServerSource"]
    if source not in (g.DNS_SOURCE_MANUAL, g.DNS_SOURCE_PROXY, g.DNS_SOURCE_WAN):
        return Outcome(rejected="DnsServerSource")
    servers = [fields["DNSServer1"], fields["DNSServer2"]]
    if source == g.DNS_SOURCE_MANUAL:
        if not _ipv4(servers[0]):
            return Outcome(rejected="DNSServer1")
        if servers[1] and not _ipv4(servers[1]):
            return Outcome(rejected="DNSServer2")
    pool = family_state(device, "dhcp_cfg", DHCP_DEFAULTS)
    for key in DHCP_DEFAULTS:
        pool[key] = fields[key]
    device.extra["lan_ip"] = fields["IPAddr"]
    if source == g.DNS_SOURCE_MANUAL:
        wanted = [s for s in servers if s]
    elif source == g.DNS_SOURCE_PROXY:
        wanted = [fields["IPAddr"]]
    else:
        wanted = list(device.dns)

    def first_part() -> None:
        device.lan_dns = wanted[:1] + device.lan_dns[1:]

    if _mid_write_reboot_after(device, first_part):
        return Outcome(rebooted=True)
    device.lan_dns = wanted
    device.counters.writes += 1
    return APPLIED
