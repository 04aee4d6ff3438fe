"""The simulated DAL table: object views built from a `SimDevice`, and edit handlers.

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

from cpe.models import Band, WanError
from drivers.sim import Fault, SimDevice, WifiState
from drivers.zyxel import guessed
from drivers.zyxel.dal import ZCFG_SUCCESS

ZCFG_NO_SUCH_PARAMETER = "ZCFG_NO_SUCH_PARAMETER"
INTERNET_WAN = "Internet"
ACS_WAN = "TR069"

#: Editable parameters per oid with their types (notes 1.4-1.6 name them).
WAN_PARAMS: dict[str, type] = {
    "Index": int, "Name": str, "Type": str, "Mode": str, "Encapsulation": str,
    "VLANID": int, "MTU": int, "NatEnable": bool, "ipStatic": bool,
    "ipDnsStatic": bool, "DNSServer": str, "pppUsername": str, "pppPassword": str,
}  # fmt: skip
LAN_PARAMS: dict[str, type] = {
    "Name": str, "IPAddress": str, "SubnetMask": str, "EnableDHCP": bool,
    "DHCP_MinAddress": str, "DHCP_MaxAddress": str,
    "DNS_Type": str, "DNS_Servers1": str, "DNS_Servers2": str,
}  # fmt: skip
WLAN_PARAMS: dict[str, type] = {
    "Index": int, "SSID": str, "wlEnable": bool, "MainSSID": bool, "band": str,
    "SecurityMode": str, "PskDisplay": str, "channel": int, "bandwidth": str,
    "AutoChannelEnable": bool, "oneSsidEnable": bool,
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


# --- views -----------------------------------------------------------------------------------


def lan_ip(dev: SimDevice) -> str:
    return str(dev.extra.get("lan_ip", "192.168.1.1"))


def _wan_cfg(dev: SimDevice, name: str) -> dict[str, Any]:
    store: dict[str, dict[str, Any]] = dev.extra.setdefault("wan_cfg", {})
    return store.setdefault(name, {})


def wan_objects(dev: SimDevice) -> list[dict[str, Any]]:
    pppoe = dev.wan_type == "pppoe"
    internet = {
        "Index": 1, "Name": INTERNET_WAN, "Type": "ETH",
        "Mode": "IP_Bridged" if dev.wan_type == "bridge" else "IP_Routed",
        "Encapsulation": "PPPoE" if pppoe else "IPoE", "VLANID": 10, "MTU": 1492 if pppoe else 1500,
        "NatEnable": True, "ipStatic": dev.wan_type == "static",
        "ipDnsStatic": dev.manual_dns, "DNSServer": ",".join(dev.dns) if dev.manual_dns else "",
        "pppUsername": dev.pppoe_user, "pppPassword": dev.pppoe_password,
    }  # fmt: skip
    acs = {
        "Index": 2, "Name": ACS_WAN, "Type": "ETH", "Mode": "IP_Routed", "Encapsulation": "IPoE",
        "VLANID": 20, "MTU": 1500, "NatEnable": False, "ipStatic": False,
        "ipDnsStatic": False, "DNSServer": "", "pppUsername": "", "pppPassword": "",
    }  # fmt: skip
    internet.update(_wan_cfg(dev, INTERNET_WAN))
    acs.update(_wan_cfg(dev, ACS_WAN))
    return [internet, acs]


def lan_objects(dev: SimDevice) -> list[dict[str, Any]]:
    ip = lan_ip(dev)
    proxy = dev.lan_dns in ([], [ip])
    servers = [*dev.lan_dns, "", ""]
    base = ip.rsplit(".", 1)[0]
    return [
        {
            "Name": guessed.LAN_GROUP, "IPAddress": ip, "SubnetMask": "255.255.255.0",
            "EnableDHCP": True, "DHCP_MinAddress": f"{base}.33",
            "DHCP_MaxAddress": f"{base}.254", "DNS_Type": "DNSProxy" if proxy else "Static",
            "DNS_Servers1": "" if proxy else servers[0],
            "DNS_Servers2": "" if proxy else servers[1],
        }
    ]  # fmt: skip


def _index_5g(dev: SimDevice) -> int:
    return int(dev.extra.get("wlan_5g_index", guessed.MAIN_5_INDEX))


def _main_index(dev: SimDevice, band: Band) -> int:
    return guessed.MAIN_24_INDEX if band is Band.GHZ_2_4 else _index_5g(dev)


def _guests(dev: SimDevice) -> dict[int, dict[str, Any]]:
    guests: dict[int, dict[str, Any]] = dev.extra.setdefault("wlan_guest", {})
    return guests


def _wlan_entry(dev: SimDevice, index: int, band: Band, ssid: str, psk: str, on: bool,
                main: bool) -> dict[str, Any]:  # fmt: skip
    return {
        "Index": index,
        "SSID": ssid,
        "wlEnable": on,
        "MainSSID": main,
        "band": str(band),
        "SecurityMode": "WPA2-Personal",
        "PskDisplay": psk,
        "channel": 6 if band is Band.GHZ_2_4 else 36,
        "bandwidth": "20MHz" if band is Band.GHZ_2_4 else "80MHz",
        "AutoChannelEnable": True,
        "oneSsidEnable": bool(dev.extra.get("one_ssid", False)),
    }


def wlan_objects(dev: SimDevice) -> list[dict[str, Any]]:
    out = []
    for band, state in dev.wifi.items():
        out.append(
            _wlan_entry(
                dev, _main_index(dev, band), band, state.ssid, state.psk, state.enabled, True
            )
        )
    for index, g in _guests(dev).items():
        band = Band(g["band"])
        out.append(_wlan_entry(dev, index, band, g["SSID"], g["psk"], bool(g["enabled"]), False))
    return sorted(out, key=lambda o: int(o["Index"]))


def status_object(dev: SimDevice) -> dict[str, Any]:
    pppoe = dev.wan_type == "pppoe"
    up = dev.wan_up
    if pppoe:
        connecting = dev.wan_error in (None, WanError.CONNECTING)
        ppp_state = "Connected" if up else ("Connecting" if connecting else "Disconnected")
    else:
        ppp_state = ""
    last_error = {
        "pppoe_auth_failed": "ERROR_AUTHENTICATION_FAILURE",
        "pppoe_no_server": "ERROR_NO_ANSWER",
        "link_down": "ERROR_NO_CARRIER",
    }.get(str(dev.wan_error or ""), "ERROR_NONE")
    show_dns = dev.manual_dns or up
    wan = {
        "X_ZYXEL_Type": "WAN", "X_ZYXEL_SrvName": INTERNET_WAN,
        "X_ZYXEL_IfName": "ppp0" if pppoe else "eth4.10",
        "LinkType": "PON" if dev.rx_dbm is not None else "ETH",
        "Status": "Up" if up else "Down", "Encapsulation": "PPPoE" if pppoe else "IPoE",
        "pppConnectionStatus": ppp_state,
        "pppoeConnectionUpTime": dev.wan_uptime_s() if pppoe else 0,
        guessed.WAN_LAST_ERROR_FIELD: "ERROR_NONE" if up else last_error,
        "IPv4Address": [{"IPAddress": dev.wan_ip}] if up else [],
        "dnsv4Server": [{"DNSServer": d} for d in dev.dns] if show_dns else [],
    }  # fmt: skip
    acs = {
        "X_ZYXEL_Type": "WAN", "X_ZYXEL_SrvName": ACS_WAN, "X_ZYXEL_IfName": "eth4.20",
        "LinkType": wan["LinkType"], "Status": "Up", "Encapsulation": "IPoE",
        "pppConnectionStatus": "", "pppoeConnectionUpTime": 0,
        guessed.WAN_LAST_ERROR_FIELD: "ERROR_NONE",
        "IPv4Address": [{"IPAddress": "10.200.0.2"}], "dnsv4Server": [{"DNSServer": "10.200.0.1"}],
    }  # fmt: skip
    lan = {
        "X_ZYXEL_Type": "LAN", "X_ZYXEL_SrvName": "LAN", "X_ZYXEL_IfName": "br0",
        "Status": "Up", "IPv4Address": [{"IPAddress": lan_ip(dev)}], "dnsv4Server": [],
    }  # fmt: skip
    wifi = [
        {
            "SSID": o["SSID"], "Enable": o["wlEnable"], "OperatingFrequencyBand": o["band"],
            "Channel": o["channel"], "X_ZYXEL_MainSSID": o["MainSSID"],
            "ModeEnabled": "WPA2-Personal", "wifiPassword": o["PskDisplay"],
        }
        for o in wlan_objects(dev)
    ]  # fmt: skip
    obj: dict[str, Any] = {
        "DeviceInfo": {
            "ModelName": dev.model_name, "SoftwareVersion": dev.firmware,
            "HardwareVersion": dev.hardware, "SerialNumber": dev.serial, "UpTime": dev.uptime_s(),
        },
        "WanLanInfo": [wan, acs, lan],
        "WiFiInfo": wifi,
    }  # fmt: skip
    if dev.rx_dbm is not None:
        obj["GponStatsInfo"] = {
            "RxPowerSignal": guessed.POWER_FORMAT.format(dev.rx_dbm) if dev.pon_registered else "",
            "TxPowerSignal": guessed.POWER_FORMAT.format(dev.tx_dbm or 0.0),
            "Temperature": "45.2 C",
        }
    return obj


def get_objects(dev: SimDevice, oid: str) -> list[dict[str, Any]] | None:
    """The `Object` list of `GET DAL?oid=...`; None for an oid this firmware lacks."""
    views: dict[str, Callable[[SimDevice], list[dict[str, Any]]]] = {
        "status": lambda d: [status_object(d)],
        "cardpage_status": lambda d: [status_object(d)],
        "wan": wan_objects,
        "lan": lan_objects,
        "wlan": wlan_objects,
    }
    view = views.get(oid)
    return view(dev) if view else None


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
    extra = {k: v for k, v in f.items() if k not in common}
    if name == ACS_WAN:
        _wan_cfg(dev, ACS_WAN).update({k: v for k, v in f.items() if k not in ("Index", "Name")})
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
    _wan_cfg(dev, INTERNET_WAN).update(extra)
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
    mains = {_main_index(dev, b): b for b in dev.wifi}
    guests = _guests(dev)
    if index not in mains and index not in guests:
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
        g = guests[index]
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
        guests[index].update({"SSID": new_ssid, "psk": new_psk, "enabled": new_on})
    dev.counters.writes += 1
    if _reboot_now(dev):
        dev.reboot()
        return EditResult(rebooted=True)
    return EditResult()
