"""Turn the blocks of one status read into a `DeviceStatus` (pure: no I/O, easy to test)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from ipaddress import IPv4Address
from typing import Literal, NamedTuple

from pydantic import SecretStr

from cpe.models import Band, DeviceStatus, WanError, WanStatus, WifiNetwork
from drivers.mercusys import guessed as g
from drivers.mercusys.profiles import ModelProfile, wifi_ref
from drivers.mercusys.wire import Block, ObjectRef, WireError, is_number

__all__ = ["build_status", "dns_servers", "link_type", "wan_error"]

ConnectionType = Literal["pppoe", "dhcp", "static", "bridge", "unknown"]

_CONNECTION: dict[str, ConnectionType] = {
    str(g.LINK_TYPE_DHCP): "dhcp",
    str(g.LINK_TYPE_STATIC): "static",
    str(g.LINK_TYPE_PPPOE): "pppoe",
}
_UNSET = IPv4Address(0)  # the firmware shows 0.0.0.0 for "none"

#: IPv4Address(text), memoised: the DNS rows repeat across a fleet (1.1.1.1, the ISP's
#: resolvers) and ipaddress parses in pure Python. Addresses are immutable and never
#: secret; bad text raises as before (lru_cache does not store exceptions).
_parse_ip = lru_cache(maxsize=1024)(IPv4Address)


class _StatusRefs(NamedTuple):
    device: ObjectRef
    link: ObjectRef
    link_status: ObjectRef
    pppoe: ObjectRef
    wifi: tuple[tuple[Band, ObjectRef], ...]


@lru_cache(maxsize=16)
def _status_refs(profile: ModelProfile, wifi_stack: str) -> _StatusRefs:
    """The references build_status looks up: the same for every device of a model and
    numbering (both frozen), so built once instead of six dataclasses a call."""
    return _StatusRefs(
        device=profile.single(g.DATA_DEVICE),
        link=profile.single(g.DATA_LINK),
        link_status=profile.single(g.DATA_LINK_STATUS),
        pppoe=profile.single(g.DATA_PPPOE),
        wifi=tuple((band, wifi_ref(wifi_stack, band)) for band in g.BAND_INDEX),
    )


def _block(blocks: Mapping[ObjectRef, Block], ref: ObjectRef) -> Block:
    block = blocks.get(ref)
    if block is None:
        raise WireError(f"the answer has no block {ref}")
    return block


def _ip(value: str | None, what: str) -> IPv4Address | None:
    if value is None or value == "":
        return None
    try:
        ip = _parse_ip(value)
    except ValueError:
        raise WireError(f"{what} is not an IPv4 address") from None
    return None if ip == _UNSET else ip


def _int(block: Block, key: str) -> int:
    value = block.require(key)
    if not is_number(value[1:] if value.startswith("-") else value):
        raise WireError(f"block {block.ref}: '{key}' is not a number")
    return int(value)


def _dns(link_status: Block, configured: Block | None) -> tuple[IPv4Address, ...]:
    """The DNS in use; while the WAN is down the link shows none, so fall back to the
    manual DNS configured for the current link type (else an audit of a device whose PPPoE
    login is refused would also report a DNS drift that is not there)."""
    live = dns_servers(link_status)
    if live or configured is None:
        return live
    manual = configured.get(g.MANUAL_DNS_KEY)
    # A static WAN's object has no manualDns: its rows are always the DNS.
    if manual is not None and manual != g.MANUAL_DNS_ON:
        return live
    return dns_servers(configured)


def dns_servers(block: Block) -> tuple[IPv4Address, ...]:
    """The `dns 0` / `dns 1` rows, without the unset 0.0.0.0 entries."""
    out = []
    for index in (0, 1):
        ip = _ip(block.get(g.DNS_ROW_KEY, index), f"{block.ref} dns {index}")
        if ip is not None:
            out.append(ip)
    return tuple(out)


def wan_error(status: int, code: int) -> WanError | None:
    """Why the WAN is not up, from LINK_STATUS `status` and `code`."""
    if status == g.LINK_UP:
        return None
    if status in (g.LINKING_UP, g.LINKING_DOWN):
        return WanError.CONNECTING
    if code == g.LINK_CODE_AUTH_ERROR:
        return WanError.PPPOE_AUTH
    if code == g.LINK_CODE_PHY_DOWN:
        return WanError.LINK_DOWN
    if code in (g.LINK_CODE_NO_ECHO, g.LINK_CODE_SERVER_DOWN):
        return WanError.NO_SERVER
    return WanError.OTHER


def _wifi(block: Block, band: Band) -> WifiNetwork:
    psk = block.get(g.WIFI_PSK_KEY)
    return WifiNetwork(
        band=band,
        ssid=block.require(g.WIFI_SSID_KEY),
        enabled=block.get(g.WIFI_ENABLE_KEY, None) != "0",
        passphrase=SecretStr(psk) if psk else None,
    )


def link_type(link: Block) -> int | None:
    """id 22's linkType as a number (None when it is not one)."""
    value = link.require("linkType")
    return int(value) if is_number(value) else None


def build_status(
    model: str, profile: ModelProfile, blocks: Mapping[ObjectRef, Block], wifi_stack: str
) -> DeviceStatus:
    refs = _status_refs(profile, wifi_stack)
    device = _block(blocks, refs.device)
    link = _block(blocks, refs.link)
    link_status = _block(blocks, refs.link_status)

    connection = _CONNECTION.get(link.require("linkType"), "unknown")
    # The current link type's own object: PPPoE user, and the DNS configured for it.
    kind = link_type(link)
    dns_id = g.DNS_OBJECT_BY_LINK_TYPE.get(kind) if kind is not None else None
    configured = blocks.get(profile.single(dns_id)) if dns_id is not None else None
    pppoe = _block(blocks, refs.pppoe) if connection == "pppoe" else None
    status, code = _int(link_status, "status"), _int(link_status, "code")
    error = wan_error(status, code)
    wan = WanStatus(
        up=status == g.LINK_UP,
        ip=_ip(link_status.get("ip"), f"{link_status.ref} ip"),
        pppoe_username=pppoe.require(g.PPPOE_USER_KEY) if pppoe is not None else None,
        connection_type=connection,
        error=error,
        error_detail=None if error is None else f"LINK_STATUS status={status} code={code}",
    )
    wifi = tuple(_wifi(_block(blocks, ref), band) for band, ref in refs.wifi)
    return DeviceStatus(
        model=model,
        firmware=device.get("softVer"),
        hardware=device.get("hardVer"),
        model_name=device.get("modelName"),
        uptime_s=_int(link_status, "upTime") // g.UPTIME_DIVISOR,
        wan=wan,
        dns=_dns(link_status, configured),
        wifi=wifi,
    )
