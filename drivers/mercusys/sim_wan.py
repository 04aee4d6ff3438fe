"""The simulated firmware's WAN objects: LINK (22), LINK_STATUS (23) and the three objects
that hold a link type's settings and DNS: STATIC_IP (24), DHCPC (25), PPPOE (26).

WAN DNS by link type (guessed.py `DNS_OBJECT_BY_LINK_TYPE`): the firmware applies the DNS
of the active link type's object. A DNS written into another type's object is stored there
and waits: it takes effect only when that link type is selected in id 22, so a DNS "fix"
aimed at the wrong object changes nothing here either. `SimDevice.dns`/`manual_dns` stay
the DNS in use; the other types' settings live in `device.extra["wan_dns"]`.
"""

from __future__ import annotations

from ipaddress import IPv4Address
from typing import Any

from cpe.models import WanError
from drivers.mercusys import guessed as g
from drivers.mercusys.wire import Block, ObjectRef
from drivers.sim import SimDevice

__all__ = [
    "ISP_DNS",
    "LINK_OF_OBJECT",
    "WAN_RENDERERS",
    "WAN_TYPES",
    "set_dns",
    "switch_link",
    "two",
]

UNSET = str(IPv4Address(0))  # "no address" on the wire
_LINK_TYPES = {"pppoe": g.LINK_TYPE_PPPOE, "dhcp": g.LINK_TYPE_DHCP, "static": g.LINK_TYPE_STATIC}
WAN_TYPES = {v: k for k, v in _LINK_TYPES.items()}
#: The object holding each link type's DNS, by SimDevice.wan_type, and back.
_DNS_OBJECT = {wan: g.DNS_OBJECT_BY_LINK_TYPE[code] for wan, code in _LINK_TYPES.items()}
LINK_OF_OBJECT = {obj: wan for wan, obj in _DNS_OBJECT.items()}
#: The resolvers the ISP hands out when no manual DNS is set (TEST-NET-2: never contacted).
ISP_DNS = ("198.51.100.53", "198.51.100.54")


def two(dns: list[str]) -> list[str]:
    """Exactly two DNS entries (the firmware always shows rows 0 and 1)."""
    return [*dns, UNSET, UNSET][:2]


def _stored_dns(device: SimDevice) -> dict[str, dict[str, Any]]:
    """DNS settings of the link types not in use: wan type → {"manual", "dns"}."""
    store: dict[str, dict[str, Any]] = device.extra.setdefault("wan_dns", {})
    return store


def _dns_setting(device: SimDevice, wan: str) -> tuple[bool, list[str]]:
    """(manualDns, rows) of a link type's object as the firmware shows it."""
    if wan == device.wan_type:
        manual = device.manual_dns or wan == "static"
        return manual, two(device.dns) if manual else [UNSET, UNSET]
    kept = _stored_dns(device).get(wan)
    if kept is None or not (kept["manual"] or wan == "static"):
        return False, [UNSET, UNSET]
    return True, two(kept["dns"])


def set_dns(device: SimDevice, wan: str, *, manual: bool | None = None,
             row: tuple[int, str] | None = None) -> None:
    """A DNS key written into `wan`'s object: live if that link type is in use."""
    if wan == device.wan_type:
        if manual is not None:
            device.manual_dns = manual
        if row is not None:
            dns = two(device.dns)
            dns[row[0]] = row[1]
            device.dns = dns
        return
    kept = _stored_dns(device).setdefault(wan, {"manual": False, "dns": [UNSET, UNSET]})
    if manual is not None:
        kept["manual"] = manual
    if row is not None:
        kept["dns"][row[0]] = row[1]


def switch_link(device: SimDevice, new: str) -> None:
    """id 22 selects another link type: its object's DNS becomes the one in use, the old
    type's setting stays in its object."""
    old = device.wan_type
    if new == old:
        return
    stored = _stored_dns(device)
    stored[old] = {"manual": device.manual_dns, "dns": two(device.dns)}
    kept = stored.pop(new, None)
    if kept is not None and (kept["manual"] or new == "static"):
        device.manual_dns, device.dns = True, two(kept["dns"])
    else:
        device.manual_dns, device.dns = False, list(ISP_DNS)
    device.wan_type = new


# --- rendering ---------------------------------------------------------------------------------


def _link(device: SimDevice, ref: ObjectRef) -> Block:
    link_type = _LINK_TYPES.get(device.wan_type, g.LINK_TYPE_DHCP)
    return Block(ref).set("linkMode", "0").set("linkType", str(link_type))


def _link_code(device: SimDevice) -> tuple[int, int]:
    if device.wan_up:
        return g.LINK_UP, g.LINK_CODE_NORMAL
    error = device.wan_error
    if error is WanError.CONNECTING:
        return g.LINKING_UP, g.LINK_CODE_NORMAL
    codes = {
        WanError.PPPOE_AUTH: g.LINK_CODE_AUTH_ERROR,
        WanError.LINK_DOWN: g.LINK_CODE_PHY_DOWN,
        WanError.NO_SERVER: g.LINK_CODE_SERVER_DOWN,
    }
    code = codes.get(error, g.LINK_CODE_UNKNOWN) if error is not None else g.LINK_CODE_UNKNOWN
    return g.LINK_DOWN, code


def _link_status(device: SimDevice, ref: ObjectRef) -> Block:
    up = device.wan_up
    status, code = _link_code(device)
    dns = two(device.dns) if up else [UNSET, UNSET]
    mask = "255.255.255.255" if device.wan_type == "pppoe" else "255.255.255.0"
    return (
        Block(ref)
        .set("ip", device.wan_ip if up else UNSET)
        .set("mask", mask if up else UNSET)
        .set("gateway", device.wan_gateway if up else UNSET)
        .set(g.DNS_ROW_KEY, dns[0], 0)
        .set(g.DNS_ROW_KEY, dns[1], 1)
        .set("status", str(status))
        .set("code", str(code))
        .set("upTime", str(device.wan_uptime_s() * g.UPTIME_DIVISOR))
        .set("inPkts", "0")
        .set("outPkts", "0")
    )


def _with_dns(block: Block, manual: bool, dns: list[str], *, manual_key: bool = True) -> Block:
    if manual_key:
        block.set(g.MANUAL_DNS_KEY, g.MANUAL_DNS_ON if manual else g.MANUAL_DNS_OFF)
    return block.set(g.DNS_ROW_KEY, dns[0], 0).set(g.DNS_ROW_KEY, dns[1], 1)


def _static_ip(device: SimDevice, ref: ObjectRef) -> Block:
    active = device.wan_type == "static"
    block = (
        Block(ref)
        .set("ip", device.wan_ip if active else UNSET)
        .set("mask", "255.255.255.0" if active else UNSET)
        .set("gateway", device.wan_gateway if active else UNSET)
    )
    manual, dns = _dns_setting(device, "static")
    return _with_dns(block, manual, dns, manual_key=False).set("mtu", "1500")


def _dhcpc(device: SimDevice, ref: ObjectRef) -> Block:
    manual, dns = _dns_setting(device, "dhcp")
    block = Block(ref).set("name", "").set("mtu", "1500").set("ucast", "0")
    lease = device.wan_ip if device.wan_type == "dhcp" and device.wan_up else UNSET
    return _with_dns(block, manual, dns).set("lastIp", lease)


def _pppoe(device: SimDevice, ref: ObjectRef) -> Block:
    manual, dns = _dns_setting(device, "pppoe")
    block = (
        Block(ref)
        .set(g.PPPOE_USER_KEY, device.pppoe_user)
        .set(g.PPPOE_PASSWORD_KEY, device.pppoe_password)
        .set("svName", "")
        .set("acName", "")
        .set("fixipEnb", "0")
        .set("fixip", UNSET)
        .set("lcpMru", "1480")
        .set("linkType", "1")
        .set("dialMode", "0")
        .set("maxIdleTime", "15")
    )
    return _with_dns(block, manual, dns)


WAN_RENDERERS = {
    g.DATA_LINK: _link,
    g.DATA_LINK_STATUS: _link_status,
    g.DATA_STATIC_IP: _static_ip,
    g.DATA_DHCPC: _dhcpc,
    g.DATA_PPPOE: _pppoe,
}
