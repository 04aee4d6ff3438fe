"""The simulated firmware's data objects: render them from a `SimDevice`, check and apply
writes to it.

The common `SimDevice` fields (PPPoE, DNS, Wi-Fi, WAN) stay the single source of truth;
keys the toolkit never interprets (svName, lcpMru, uAuthType...) are kept in a small
per-device overlay in `device.extra`, created only when something writes one.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address

from cpe.models import Band, WanError
from drivers.mercusys import guessed as g
from drivers.mercusys.profiles import ModelProfile
from drivers.mercusys.wire import Block, Key, ObjectRef
from drivers.sim import SimDevice, WifiState

__all__ = ["apply_block", "check_block", "render_object"]

_UNSET = str(IPv4Address(0))  # "no address" on the wire
_LINK_TYPES = {"pppoe": g.LINK_TYPE_PPPOE, "dhcp": g.LINK_TYPE_DHCP, "static": g.LINK_TYPE_STATIC}
_WAN_TYPES = {v: k for k, v in _LINK_TYPES.items()}
_MAX_LINK_TYPE = 6
_PRINTABLE = set(string.printable) - set("\t\n\r\x0b\x0c")
_HEX = set(string.hexdigits)


def _two(dns: list[str]) -> list[str]:
    """Exactly two DNS entries (the firmware always shows rows 0 and 1)."""
    return [*dns, _UNSET, _UNSET][:2]


def _overlay(device: SimDevice, ref: ObjectRef) -> dict[Key, str]:
    store: dict[str, dict[Key, str]] = device.extra.setdefault("overlay", {})
    return store.setdefault(str(ref), {})


# --- rendering ------------------------------------------------------------------------------


def _device_info(device: SimDevice, profile: ModelProfile, ref: ObjectRef) -> Block:
    return (
        Block(ref)
        .set("hardVer", device.hardware)
        .set("modelName", device.model_name)
        .set("softVer", device.firmware)
    )


def _system(device: SimDevice, profile: ModelProfile, ref: ObjectRef) -> Block:
    last = int(device.mac[-2:], 16)
    wan_mac = f"{device.mac[:-2]}{(last + 1) % 256:02X}"
    return Block(ref).set("mac", device.mac, 0).set("mac", wan_mac, 1)


def _link(device: SimDevice, profile: ModelProfile, ref: ObjectRef) -> Block:
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


def _link_status(device: SimDevice, profile: ModelProfile, ref: ObjectRef) -> Block:
    up = device.wan_up
    status, code = _link_code(device)
    dns = _two(device.dns) if up else [_UNSET, _UNSET]
    return (
        Block(ref)
        .set("ip", device.wan_ip if up else _UNSET)
        .set("mask", "255.255.255.255" if up else _UNSET)
        .set("gateway", device.wan_gateway if up else _UNSET)
        .set(g.DNS_ROW_KEY, dns[0], 0)
        .set(g.DNS_ROW_KEY, dns[1], 1)
        .set("status", str(status))
        .set("code", str(code))
        .set("upTime", str(device.wan_uptime_s() * g.UPTIME_DIVISOR))
        .set("inPkts", "0")
        .set("outPkts", "0")
    )


def _pppoe(device: SimDevice, profile: ModelProfile, ref: ObjectRef) -> Block:
    dns = _two(device.dns) if device.manual_dns else [_UNSET, _UNSET]
    return (
        Block(ref)
        .set(g.PPPOE_USER_KEY, device.pppoe_user)
        .set(g.PPPOE_PASSWORD_KEY, device.pppoe_password)
        .set("svName", "")
        .set("acName", "")
        .set("fixipEnb", "0")
        .set("fixip", _UNSET)
        .set("lcpMru", "1480")
        .set("linkType", "1")
        .set("dialMode", "0")
        .set("maxIdleTime", "15")
        .set(g.MANUAL_DNS_KEY, g.MANUAL_DNS_ON if device.manual_dns else g.MANUAL_DNS_OFF)
        .set(g.DNS_ROW_KEY, dns[0], 0)
        .set(g.DNS_ROW_KEY, dns[1], 1)
    )


def _wifi(state: WifiState, ref: ObjectRef) -> Block:
    return (
        Block(ref)
        .set(g.WIFI_ENABLE_KEY, "1" if state.enabled else "0")
        .set(g.WIFI_SSID_KEY, state.ssid)
        .set("bBcastSsid", "1")
        .set("bSecurityEnable", "1")
        .set("uAuthType", "3")
        .set("SecurityType", "3")
        .set(g.WIFI_PSK_KEY, state.psk)
    )


Renderer = Callable[[SimDevice, ModelProfile, ObjectRef], Block]
_RENDERERS: dict[int, Renderer] = {
    g.DATA_DEVICE: _device_info,
    g.DATA_SYSTEM: _system,
    g.DATA_LINK: _link,
    g.DATA_LINK_STATUS: _link_status,
    g.DATA_PPPOE: _pppoe,
}


def _band(device: SimDevice, profile: ModelProfile, ref: ObjectRef) -> Band | None:
    band = profile.band_of(ref)
    return band if band is not None and band in device.wifi else None


def render_object(device: SimDevice, profile: ModelProfile, ref: ObjectRef) -> Block | None:
    """The object as the firmware shows it; None when this model has no such object."""
    if ref.data_id == g.DATA_WLAN_MAIN:
        band = _band(device, profile, ref)
        if band is None:
            return None
        block = _wifi(device.wifi[band], ref)
    else:
        renderer = _RENDERERS.get(ref.data_id)
        if renderer is None or ref.stack != g.STACK_SINGLE:
            return None
        block = renderer(device, profile, ref)
    block.values.update(device.extra.get("overlay", {}).get(str(ref), {}))
    return block


# --- checking writes -------------------------------------------------------------------------


def _is_bool(v: str) -> bool:
    return v in ("0", "1")


def _is_ip(v: str) -> bool:
    try:
        IPv4Address(v)
    except ValueError:
        return False
    return True


def _ssid_ok(v: str) -> bool:
    return 1 <= len(v.encode("utf-8")) <= 32 and not any(ord(c) < 32 for c in v)


def _psk_ok(v: str) -> bool:
    if len(v) == 64 and set(v) <= _HEX:
        return True
    return 8 <= len(v) <= 63 and set(v) <= _PRINTABLE


@dataclass(frozen=True)
class Rule:
    """One writable key: its check, and the error code the firmware answers on failure."""

    check: Callable[[str], bool]
    error: int


_ANY = Rule(lambda v: True, g.ERR_BAD_ARGUMENT)
_BOOL = Rule(_is_bool, g.ERR_BOOL)
_INT = Rule(str.isdigit, g.ERR_BAD_ARGUMENT)

_WRITABLE: dict[int, dict[Key, Rule]] = {
    g.DATA_LINK: {
        ("linkType", None): Rule(
            lambda v: v.isdigit() and int(v) <= _MAX_LINK_TYPE, g.ERR_WAN_TYPE
        ),
        ("linkMode", None): _INT,
    },
    g.DATA_PPPOE: {
        (g.PPPOE_USER_KEY, None): Rule(bool, g.ERR_NAME_BLANK),
        (g.PPPOE_PASSWORD_KEY, None): Rule(bool, g.ERR_PASSWORD_BLANK),
        (g.MANUAL_DNS_KEY, None): _BOOL,
        (g.DNS_ROW_KEY, 0): Rule(_is_ip, g.ERR_PRIMARY_DNS),
        (g.DNS_ROW_KEY, 1): Rule(_is_ip, g.ERR_SECONDARY_DNS),
        **{(k, None): _ANY for k in g.PPPOE_OTHER_KEYS},
    },
    g.DATA_WLAN_MAIN: {
        (g.WIFI_SSID_KEY, None): Rule(_ssid_ok, g.ERR_SSID_LENGTH),
        (g.WIFI_PSK_KEY, None): Rule(_psk_ok, g.ERR_PSK_LENGTH),
        (g.WIFI_ENABLE_KEY, None): _BOOL,
        ("bBcastSsid", None): _BOOL,
        ("bSecurityEnable", None): _BOOL,
        ("uAuthType", None): _INT,
        ("SecurityType", None): _INT,
    },
}


def check_block(device: SimDevice, profile: ModelProfile, block: Block) -> int:
    """0 when the firmware would accept this block, else its error code."""
    if render_object(device, profile, block.ref) is None:
        return g.ERR_BAD_ARGUMENT
    rules = _WRITABLE.get(block.ref.data_id)
    if rules is None:
        return g.ERR_FORBIDDEN
    for key, value in block.values.items():
        rule = rules.get(key)
        if rule is None:
            return g.ERR_BAD_ARGUMENT
        if not rule.check(value):
            return rule.error
    return 0


# --- applying writes --------------------------------------------------------------------------


def apply_block(device: SimDevice, profile: ModelProfile, block: Block) -> bool:
    """Store a checked block in the device. True when it commits the WAN link type (the
    firmware then redials)."""
    ref, redial = block.ref, False
    for (key, index), value in block.values.items():
        if ref.data_id == g.DATA_LINK and key == "linkType":
            device.wan_type = _WAN_TYPES.get(int(value), device.wan_type)
            redial = True
        elif ref.data_id == g.DATA_PPPOE and key == g.PPPOE_USER_KEY:
            device.pppoe_user = value
        elif ref.data_id == g.DATA_PPPOE and key == g.PPPOE_PASSWORD_KEY:
            device.pppoe_password = value
        elif ref.data_id == g.DATA_PPPOE and key == g.MANUAL_DNS_KEY:
            device.manual_dns = value == g.MANUAL_DNS_ON
        elif ref.data_id == g.DATA_PPPOE and key == g.DNS_ROW_KEY and index in (0, 1):
            dns = _two(device.dns)
            dns[index] = value
            device.dns = dns
        elif ref.data_id == g.DATA_WLAN_MAIN and key in (g.WIFI_SSID_KEY, g.WIFI_PSK_KEY,
                                                         g.WIFI_ENABLE_KEY):
            band = _band(device, profile, ref)
            assert band is not None  # check_block rendered it
            state = device.wifi[band]
            if key == g.WIFI_SSID_KEY:
                state.ssid = value
            elif key == g.WIFI_PSK_KEY:
                state.psk = value
            else:
                state.enabled = value == "1"
        else:
            _overlay(device, ref)[(key, index)] = value
    return redial
