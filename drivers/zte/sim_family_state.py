"""Family-only state of a simulated ZTE (WAN VLAN/MTU, DHCP pool, LAN IP): what the common
`SimDevice` fields do not model, kept in `device.extra` and created on first use so ten
thousand idle devices cost nothing. Read by sim_objects, written by sim_apply."""

from __future__ import annotations

from collections.abc import Mapping

from drivers.sim import SimDevice
from drivers.zte import guessed as g

LAN_IP = "192.168.1.1"

WAN_DEFAULTS: dict[str, str] = {
    "WANCName": "WAN_internet",
    "Enable": "1",
    "AuthType": "Auto",
    "VlanEnable": "1",
    "VLANID": "10",
    "Priority": "0",
    "IpMode": "IPv4",
    "MTU": "1492",
    "IsNAT": "1",
    "StrServList": g.INTERNET_SERVICE,
}

DHCP_DEFAULTS: dict[str, str] = {
    "SubMask": "255.255.255.0",
    "ServerEnable": "1",
    "SubnetMask": "255.255.255.0",
    "MinAddress": "192.168.1.2",
    "MaxAddress": "192.168.1.254",
    "LeaseTime": "86400",
}


def family_state(device: SimDevice, key: str, default: Mapping[str, str]) -> dict[str, str]:
    found = device.extra.get(key)
    if not isinstance(found, dict):
        found = dict(default)
        device.extra[key] = found
    return found


def lan_ip(device: SimDevice) -> str:
    return str(device.extra.get("lan_ip", LAN_IP))
