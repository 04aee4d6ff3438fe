"""The simulated DAL table's edit handlers (the views are in `sim_views.py`).

Both front ends call this (web `PUT /cgi-bin/DAL?oid=...` and ZySH `cfg <oid> edit`), so
the rules are the same whichever way a client comes in. The SimDevice common fields stay
the single source of truth; only what has no common field lives in `device.extra`.
Web values arrive typed (JSON), CLI values as text: `_coerce` accepts both.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from ipaddress import AddressValueError, IPv4Address
from typing import Any

from cpe.models import Band
from drivers.sim import Fault, SimDevice, WifiState
from drivers.zyxel import guessed
from drivers.zyxel.dal import ZCFG_SUCCESS
from drivers.zyxel.sim_views import (
    ACS_WAN,
    INTERNET_WAN,
    WAN_LIVE_FIELDS,
    get_objects,
    guests,
    lan_ip,
    main_index,
    wan_cfg,
)

__all__ = ["EditResult", "edit", "get_objects", "lan_ip"]

ZCFG_NO_SUCH_PARAMETER = "ZCFG_NO_SUCH_PARAMETER"

#: Editable parameters per oid with their types (notes 1.4-1.6 name them).
WAN_PARAMS: dict[str, type] = {
    "Index": int, "Name": str, "Enable": bool, "Type": str, "Mode": str,
    "Encapsulation": str, "ipMode": str, "VLANEnable": bool, "VLANID": int,
    "VLANPriority": int, "MaxMTUSize": int, "NatEnable": bool, "ipStatic": bool,
    "IPAddress": str, "SubnetMask": str, "GatewayIPAddress": str, "X_ZYXEL_IfName": str,
    "ipDnsStatic": bool, "DNSServer": str, "pppUsername": str, "pppPassword": str,
}  # fmt: skip
LAN_PARAMS: dict[str, type] = {
    "Name": str, "IPAddress": str, "SubnetMask": str, "EnableDHCP": bool,
    "DHCP_MinAddress": str, "DHCP_MaxAddress": str,
    "DHCP_LeaseTime": int, "DNS_Type": str, "DNS_Servers1": str, "DNS_Servers2": str,
}  # fmt: skip
WLAN_PARAMS: dict[str, type] = {
    "Index": int, "SSID": str, "wlEnable": bool, "MainSSID": bool, "band": str,
    "SecurityMode": str, "PskDisplay": str, "channel": int, "bandwidth": str,
    "AutoChannelEnable": bool, "wlHide": bool, "oneSsidEnable": bool,
    # write-only (what the GUI sends)
    "psk_value": str, "wpaMode": str, "encryp": str, "AutoGenPSK": bool,
    "securityLevel": str, "secMode": int,
}  # fmt: skip
WLAN_READ_ONLY = frozenset({"MainSSID", "band", "SecurityMode", "PskDisplay", "oneSsidEnable"})
WPA_MODES = frozenset({"wpa2psk", "wpa2wpa3psk", "wpa3psk", "wpawpa2psk"})
ENCRYPTIONS = frozenset({"aes", "tkipaes"})
SECURITY_LEVELS = frozenset({"NoSecurity", "Basic", "MoreSecure"})
DNS_TYPES = frozenset({"DNSProxy", "FromISP", "Static"})


@dataclass(frozen=True)
class EditResult:
    code: str = ZCFG_SUCCESS
    message: str = ""
    #: The write rebooted the device (fault `reboot_mid_write`): drop the connection.
    rebooted: bool = False

    @property
    def ok(self) -> bool:
        return self.code == ZCFG_SUCCESS


def _fail(code: str, message: str) -> EditResult:
    return EditResult(code, message)


class _Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- edits -----------------------------------------------------------------------------------


def _coerce(value: Any, kind: type, name: str) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        text = str(value).strip().lower()
        if text in {"true", "1"}:
            return True
        if text in {"false", "0"}:
            return False
        raise _Invalid(f"{name} must be true or false")
    if kind is int:
        if isinstance(value, bool):
            raise _Invalid(f"{name} must be a number")
        try:
            return int(str(value).strip())
        except ValueError:
            raise _Invalid(f"{name} must be a number") from None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _Invalid(f"{name} must be text")


def _typed(params: Mapping[str, type], raw: Mapping[str, Any]) -> dict[str, Any] | EditResult:
    for key in raw:
        if key not in params:
            return _fail(ZCFG_NO_SUCH_PARAMETER, f"no such parameter: {key}")
    try:
        return {k: _coerce(v, params[k], k) for k, v in raw.items()}
    except _Invalid as exc:
        return _fail(guessed.ZCFG_INVALID_PARAM_VALUE, exc.message)


def _ipv4(text: str, name: str) -> str:
    try:
        return str(IPv4Address(text.strip()))
    except (AddressValueError, ValueError):
        raise _Invalid(f"{name} is not an IPv4 address") from None


def edit(dev: SimDevice, oid: str, raw: Mapping[str, Any]) -> EditResult:
    """Apply one `dal_Edit` (PUT / `cfg <oid> edit`). Never echoes a value back."""
    handlers: dict[
        str, tuple[Mapping[str, type], Callable[[SimDevice, dict[str, Any]], EditResult]]
    ] = {
        "wan": (WAN_PARAMS, _edit_wan),
        "lan": (LAN_PARAMS, _edit_lan),
        "wlan": (WLAN_PARAMS, _edit_wlan),
    }
    if oid in {"status", "cardpage_status"}:
        return _fail(guessed.ZCFG_REQUEST_REJECT, f"{oid} is read-only")
    if oid not in handlers:
        return _fail(guessed.ZCFG_NO_SUCH_OBJECT, f"no such object: {oid}")
    params, handler = handlers[oid]
    fields = _typed(params, raw)
    if isinstance(fields, EditResult):
        return fields
    try:
        return handler(dev, fields)
    except _Invalid as exc:
        return _fail(guessed.ZCFG_INVALID_PARAM_VALUE, exc.message)


def _reboot_now(dev: SimDevice) -> bool:
    return dev.knobs.fault is Fault.REBOOT_MID_WRITE


def _edit_wan(dev: SimDevice, f: dict[str, Any]) -> EditResult:
    name = f.get("Name")
    if name not in (INTERNET_WAN, ACS_WAN):
        return _fail(guessed.ZCFG_NO_SUCH_OBJECT, "no WAN with that Name")
    encap = f.get("Encapsulation")
    if encap is not None and encap not in ("PPPoE", "IPoE"):
        raise _Invalid("Encapsulation must be PPPoE or IPoE")
    common = {
        "pppUsername",
        "pppPassword",
        "ipDnsStatic",
        "DNSServer",
        "Encapsulation",
        "Index",
        "Name",
    }
    # Live addresses and read-only names come back in a whole-object PUT: never stored.
    extra = {k: v for k, v in f.items() if k not in common and k not in WAN_LIVE_FIELDS}
    if name == ACS_WAN:
        keep = {k: v for k, v in f.items() if k not in ("Index", "Name", *WAN_LIVE_FIELDS)}
        wan_cfg(dev, ACS_WAN).update(keep)
        return EditResult()
    # DNS (WAN side)
    static = f.get("ipDnsStatic", dev.manual_dns)
    servers = list(dev.dns)
    if static and ("DNSServer" in f or not dev.manual_dns):
        parts = [p for p in str(f.get("DNSServer", "")).replace(" ", "").split(",") if p]
        if not 1 <= len(parts) <= 2:
            raise _Invalid("DNSServer needs one or two addresses")
        servers = [_ipv4(p, "DNSServer") for p in parts]
    dns_changed = static != dev.manual_dns or (static and servers != dev.dns)
    # PPPoE
    user = f.get("pppUsername", dev.pppoe_user)
    password = f.get("pppPassword", dev.pppoe_password)
    wants_pppoe = (encap or ("PPPoE" if dev.wan_type == "pppoe" else "IPoE")) == "PPPoE"
    if wants_pppoe and (not user or any(c.isspace() for c in user) or not password):
        raise _Invalid("pppUsername/pppPassword are empty or malformed")
    ppp_changed = wants_pppoe and (
        (user, password) != (dev.pppoe_user, dev.pppoe_password) or dev.wan_type != "pppoe"
    )
    wan_cfg(dev, INTERNET_WAN).update(extra)
    if _reboot_now(dev) and (dns_changed or ppp_changed):
        # First part only, then the unit reboots (fault knob).
        if dns_changed:
            dev.manual_dns, dev.dns = bool(static), servers
        else:
            dev.pppoe_user = user
        dev.counters.writes += 1
        dev.reboot()
        return EditResult(rebooted=True)
    if dns_changed:
        dev.manual_dns = bool(static)
        if static:
            dev.dns = servers
        dev.counters.writes += 1
    if ppp_changed:
        dev.apply_pppoe(user, password)  # counts the write and restarts the WAN
    return EditResult()


def _edit_lan(dev: SimDevice, f: dict[str, Any]) -> EditResult:
    if f.get("Name", guessed.LAN_GROUP) != guessed.LAN_GROUP:
        return _fail(guessed.ZCFG_NO_SUCH_OBJECT, "no LAN group with that Name")
    if "IPAddress" in f and _ipv4(f["IPAddress"], "IPAddress") != lan_ip(dev):
        raise _Invalid("changing the LAN address is not simulated")
    kind = f.get("DNS_Type")
    if kind is None:
        return EditResult()
    if kind not in DNS_TYPES:
        raise _Invalid("DNS_Type must be DNSProxy, FromISP or Static")
    if kind == "Static":
        first = _ipv4(str(f.get("DNS_Servers1", "")), "DNS_Servers1")
        second = str(f.get("DNS_Servers2", "")).strip()
        new = [first, _ipv4(second, "DNS_Servers2")] if second else [first]
    elif kind == "FromISP":
        new = list(dev.dns)
    else:
        new = [lan_ip(dev)]
    if new != dev.lan_dns:
        if _reboot_now(dev):
            dev.reboot()
            return EditResult(rebooted=True)
        dev.lan_dns = new
        dev.counters.writes += 1
    return EditResult()


def _valid_ssid(ssid: str) -> bool:
    return 1 <= len(ssid.encode("utf-8")) <= 32 and not any(
        ord(c) < 32 or ord(c) == 127 for c in ssid
    )


def _valid_psk(psk: str) -> bool:
    if len(psk) == 64 and all(c in string.hexdigits for c in psk):
        return True
    return 8 <= len(psk) <= 63 and all(32 <= ord(c) < 127 for c in psk)


def _edit_wlan(dev: SimDevice, f: dict[str, Any]) -> EditResult:
    index = f.get("Index")
    mains = {main_index(dev, b): b for b in dev.wifi}
    extras = guests(dev)
    if index not in mains and index not in extras:
        return _fail(guessed.ZCFG_NO_SUCH_OBJECT, "no SSID with that Index")
    for key, allowed in (("wpaMode", WPA_MODES), ("encryp", ENCRYPTIONS),
                         ("securityLevel", SECURITY_LEVELS)):  # fmt: skip
        if key in f and f[key] not in allowed:
            raise _Invalid(f"{key} has an unknown value")
    if index in mains:
        band = mains[index]
        state = dev.wifi[band]
        ssid, psk, on = state.ssid, state.psk, state.enabled
    else:
        g = extras[index]
        band, ssid, psk, on = Band(g["band"]), g["SSID"], g["psk"], bool(g["enabled"])
    new_ssid = f.get("SSID", ssid)
    if not _valid_ssid(new_ssid):
        raise _Invalid("SSID must have 1 to 32 bytes and no control characters")
    new_psk = psk if f.get("AutoGenPSK") else f.get("psk_value", psk)
    if not _valid_psk(new_psk):
        raise _Invalid("psk_value must have 8 to 63 printable characters")
    new_on = f.get("wlEnable", on)
    one_ssid = bool(dev.extra.get("one_ssid", False))
    if one_ssid and index in mains and band is Band.GHZ_5:
        return _fail(guessed.ZCFG_REQUEST_REJECT, "OneSSID is on: 5 GHz mirrors 2.4 GHz")
    if (new_ssid, new_psk, new_on) == (ssid, psk, on):
        return EditResult()
    if _reboot_now(dev):
        new_psk, new_on = psk, on  # the SSID lands, the key does not
    if index in mains:
        dev.wifi[band] = WifiState(new_ssid, new_psk, new_on)
        if one_ssid and Band.GHZ_5 in dev.wifi:
            dev.wifi[Band.GHZ_5] = WifiState(new_ssid, new_psk, new_on)
    else:
        extras[index].update({"SSID": new_ssid, "psk": new_psk, "enabled": new_on})
    dev.counters.writes += 1
    if _reboot_now(dev):
        dev.reboot()
        return EditResult(rebooted=True)
    return EditResult()
