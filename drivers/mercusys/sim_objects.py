"""The simulated firmware's data objects: render them from a `SimDevice`, check and apply
writes to it (the WAN objects and DNS-by-link-type rules: `sim_wan`).

The common `SimDevice` fields (PPPoE, DNS, Wi-Fi, WAN) stay the single source of truth for
what the unit *uses*; keys the toolkit never interprets (svName, lcpMru, guest SSIDs...)
are kept in a small per-device overlay in `device.extra`, created only when something
writes one.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address

from cpe.models import Band
from drivers.mercusys import guessed as g
from drivers.mercusys.profiles import FirmwareProfile, firmware_profile
from drivers.mercusys.sim_wan import (
    ISP_DNS,
    LINK_OF_OBJECT,
    WAN_RENDERERS,
    WAN_TYPES,
    set_dns,
    switch_link,
    two,
)
from drivers.mercusys.wire import Block, Key, ObjectRef
from drivers.sim import SimDevice, WifiState

__all__ = ["ISP_DNS", "apply_block", "check_block", "device_profile", "render_object"]

_UNSET = str(IPv4Address(0))  # "no address" on the wire
_MAX_LINK_TYPE = 6
_PRINTABLE = set(string.printable) - set("\t\n\r\x0b\x0c")
_HEX = set(string.hexdigits)
_LAN_IP, _LAN_MASK = "192.168.1.1", "255.255.255.0"


def device_profile(device: SimDevice) -> FirmwareProfile:
    """The firmware profile a simulated unit plays (its model's default if none is set)."""
    return firmware_profile(device.model, device.extra.get("profile"))


def _overlay(device: SimDevice, ref: ObjectRef) -> dict[Key, str]:
    store: dict[str, dict[Key, str]] = device.extra.setdefault("overlay", {})
    return store.setdefault(str(ref), {})


# --- rendering ------------------------------------------------------------------------------


def _device_info(device: SimDevice, ref: ObjectRef) -> Block:
    return (
        Block(ref)
        .set("hardVer", device.hardware)
        .set("modelName", device.model_name)
        .set("softVer", device.firmware)
    )


def _system(device: SimDevice, ref: ObjectRef) -> Block:
    last = int(device.mac[-2:], 16)
    wan_mac = f"{device.mac[:-2]}{(last + 1) % 256:02X}"
    return Block(ref).set("mac", device.mac, 0).set("mac", wan_mac, 1)


def _lan(device: SimDevice, ref: ObjectRef) -> Block:
    return Block(ref).set("ip", _LAN_IP).set("mask", _LAN_MASK).set("mode", "0")


def _dhcps(device: SimDevice, ref: ObjectRef) -> Block:
    dns = two(device.lan_dns)
    return (
        Block(ref)
        .set("enable", "1")
        .set("poolStart", "192.168.1.100")
        .set("poolEnd", "192.168.1.199")
        .set("leaseTime", "120")
        .set("gateway", _LAN_IP)
        .set(g.DNS_ROW_KEY, dns[0], 0)
        .set(g.DNS_ROW_KEY, dns[1], 1)
    )


def _token(device: SimDevice, what: str) -> str:
    seed = str(device.extra.get("seed", 0)).encode()
    return hashlib.blake2b(what.encode(), key=seed[:64], digest_size=8).hexdigest()


def _cloud_user(device: SimDevice, ref: ObjectRef) -> Block:
    # What S5 calls the "cloud configuration token"; field names are the simulator's own.
    return Block(ref).set("username", "").set("token", _token(device, "cloud"))


def _web_switch(device: SimDevice, ref: ObjectRef) -> Block:
    return Block(ref).set("enable", "1")


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


def _guest_wifi(device: SimDevice, band: Band, ref: ObjectRef) -> Block:
    """The guest network: off, named after the main SSID; writes land in the overlay."""
    main = device.wifi[band].ssid
    guest = WifiState(f"{main}_Guest"[:32], _token(device, f"guest{band}"), enabled=False)
    return _wifi(guest, ref)


Renderer = Callable[[SimDevice, ObjectRef], Block]
_RENDERERS: dict[int, Renderer] = {
    g.DATA_DEVICE: _device_info,
    g.DATA_SYSTEM: _system,
    g.DATA_LAN: _lan,
    g.DATA_DHCPS: _dhcps,
    **WAN_RENDERERS,
    g.DATA_CLOUD_USER_CFG: _cloud_user,
    g.DATA_WEB_SWITCH: _web_switch,
}


def _band(device: SimDevice, profile: FirmwareProfile, ref: ObjectRef) -> Band | None:
    band = next((b for b in g.BAND_INDEX if profile.wifi(b) == ref), None)
    return band if band is not None and band in device.wifi else None


def _guest_band(device: SimDevice, profile: FirmwareProfile, ref: ObjectRef) -> Band | None:
    band = next((b for b in g.BAND_INDEX if profile.guest(b) == ref), None)
    return band if band is not None and band in device.wifi else None


def render_object(device: SimDevice, profile: FirmwareProfile, ref: ObjectRef) -> Block | None:
    """The object as the firmware shows it; None when this firmware has no such object."""
    if ref.data_id == g.DATA_WLAN_MAIN:
        band = _band(device, profile, ref)
        if band is not None:
            block = _wifi(device.wifi[band], ref)
        else:
            guest = _guest_band(device, profile, ref)
            if guest is None:
                return None
            block = _guest_wifi(device, guest, ref)
    else:
        renderer = _RENDERERS.get(ref.data_id)
        if renderer is None or ref.stack != g.STACK_SINGLE:
            return None
        block = renderer(device, ref)
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
_IP = Rule(_is_ip, g.ERR_BAD_ARGUMENT)
_DNS_RULES: dict[Key, Rule] = {
    (g.DNS_ROW_KEY, 0): Rule(_is_ip, g.ERR_PRIMARY_DNS),
    (g.DNS_ROW_KEY, 1): Rule(_is_ip, g.ERR_SECONDARY_DNS),
}

_WRITABLE: dict[int, dict[Key, Rule]] = {
    g.DATA_LINK: {
        ("linkType", None): Rule(
            lambda v: v.isdigit() and int(v) <= _MAX_LINK_TYPE, g.ERR_WAN_TYPE
        ),
        ("linkMode", None): _INT,
    },
    g.DATA_STATIC_IP: {
        ("ip", None): _IP, ("mask", None): _IP, ("gateway", None): _IP, ("mtu", None): _INT,
        **_DNS_RULES,
    },
    g.DATA_DHCPC: {
        (g.MANUAL_DNS_KEY, None): _BOOL, ("name", None): _ANY, ("mtu", None): _INT,
        ("ucast", None): _BOOL, **_DNS_RULES,
    },
    g.DATA_PPPOE: {
        (g.PPPOE_USER_KEY, None): Rule(bool, g.ERR_NAME_BLANK),
        (g.PPPOE_PASSWORD_KEY, None): Rule(bool, g.ERR_PASSWORD_BLANK),
        (g.MANUAL_DNS_KEY, None): _BOOL,
        **_DNS_RULES,
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


def check_block(device: SimDevice, profile: FirmwareProfile, block: Block) -> int:
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


def _apply_wifi(device: SimDevice, band: Band, key: str, value: str) -> None:
    state = device.wifi[band]
    if key == g.WIFI_SSID_KEY:
        state.ssid = value
    elif key == g.WIFI_PSK_KEY:
        state.psk = value
    else:
        state.enabled = value == "1"


def _apply_key(device: SimDevice, profile: FirmwareProfile, ref: ObjectRef, key: Key,
               value: str) -> bool:
    """Store one key; False when it is not one the common state models (overlay it)."""
    name, index = key
    wan = LINK_OF_OBJECT.get(ref.data_id)
    if wan is not None and name == g.MANUAL_DNS_KEY:
        set_dns(device, wan, manual=value == g.MANUAL_DNS_ON)
    elif wan is not None and name == g.DNS_ROW_KEY and index in (0, 1):
        set_dns(device, wan, row=(index, value))
    elif ref.data_id == g.DATA_PPPOE and name == g.PPPOE_USER_KEY:
        device.pppoe_user = value
    elif ref.data_id == g.DATA_PPPOE and name == g.PPPOE_PASSWORD_KEY:
        device.pppoe_password = value
    elif ref.data_id == g.DATA_WLAN_MAIN and name in (g.WIFI_SSID_KEY, g.WIFI_PSK_KEY,
                                                      g.WIFI_ENABLE_KEY):
        band = _band(device, profile, ref)
        if band is None:  # the guest network: kept, never the main SSIDs
            return False
        _apply_wifi(device, band, name, value)
    else:
        return False
    return True


def apply_block(device: SimDevice, profile: FirmwareProfile, block: Block) -> bool:
    """Store a checked block in the device. True when it commits the WAN link type (the
    firmware then redials)."""
    ref, redial = block.ref, False
    for key, value in block.values.items():
        if ref.data_id == g.DATA_LINK and key == ("linkType", None):
            switch_link(device, WAN_TYPES.get(int(value), device.wan_type))
            redial = True
        elif not _apply_key(device, profile, ref, key, value):
            _overlay(device, ref)[key] = value
    return redial
