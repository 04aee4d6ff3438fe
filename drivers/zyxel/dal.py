"""DAL objects → toolkit models, and the edit payloads, shared by the web and CLI drivers.

The web API returns typed JSON; ZySH prints the same objects as text, so every reader
here coerces values (`as_bool`, `as_int`, ...) instead of trusting their JSON type.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from ipaddress import AddressValueError, IPv4Address
from typing import Any, Literal

from pydantic import SecretStr

from cpe.models import (
    Band,
    DeviceStatus,
    DnsSettings,
    OpticalPower,
    PppoeSettings,
    Transport,
    WanError,
    WanStatus,
    WifiNetwork,
    WifiSettings,
)
from drivers.zyxel import guessed

#: AccountRetryTime default (notes 1.7, [C] GPL user-account handler).
LOCK_THRESHOLD = 3
#: AccountLockTime default, 300 s (notes 1.7, [C] the same GPL handler).
LOCK_SECONDS = 300.0
ZCFG_SUCCESS = "ZCFG_SUCCESS"
ZCFG_CODE = re.compile(r"\bZCFG_[A-Z0-9_]+\b")

Obj = Mapping[str, Any]
ConnType = Literal["pppoe", "dhcp", "static", "bridge", "unknown"]


class DalShapeError(ValueError):
    """An object lacks what we need (turned into ParseError by the drivers)."""


# --- coercion ----------------------------------------------------------------------------


def as_str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def as_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return as_str(value).strip().lower() in {"true", "1", "yes", "enable", "enabled", "up", "on"}


def as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(float(as_str(value).strip()))
    except (ValueError, OverflowError):  # "inf", 1e999
        return None


def as_list(value: object) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):  # a one-element list printed as an object
        return [value]
    return []


def ipv4(value: object) -> IPv4Address | None:
    try:
        return IPv4Address(as_str(value).strip())
    except (AddressValueError, ValueError):
        return None


def ip_list(value: object) -> list[IPv4Address]:
    """'1.1.1.1,1.0.0.1' or a list of those → addresses (invalid parts dropped)."""
    parts: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        parts.extend(as_str(item).replace(" ", ",").split(","))
    return [ip for ip in (ipv4(p) for p in parts if p.strip()) if ip is not None]


_POWER = re.compile(r"(-?\d+(?:\.\d+)?)\s*(dbm|mw|uw|µw)?", re.IGNORECASE)


def parse_power(value: object) -> float | None:
    """GponStatsInfo power strings: format unknown (notes 1.5 [G]), so accept a number
    with an optional dBm / mW / uW unit; no unit means dBm."""
    match = _POWER.search(as_str(value))
    if not match:
        return None
    number = float(match.group(1))
    unit = (match.group(2) or "dbm").lower()
    if unit == "dbm":
        return number
    milliwatts = number if unit == "mw" else number / 1000.0
    return round(10 * math.log10(milliwatts), 2) if milliwatts > 0 else None


# --- selection ---------------------------------------------------------------------------


def band_of(value: object) -> Band | None:
    text = as_str(value).replace(" ", "").lower()
    if text.startswith("2.4"):
        return Band.GHZ_2_4
    if text.startswith("5"):
        return Band.GHZ_5
    return None


def select_wan(wans: Sequence[Obj]) -> Obj:
    """The Internet WAN: the PPPoE one if any, else the first routed one."""
    if not wans:
        raise DalShapeError("the device lists no WAN")
    for wan in wans:
        if as_str(wan.get("Encapsulation")).lower() == "pppoe":
            return wan
    for wan in wans:
        if "bridge" not in as_str(wan.get("Mode")).lower():
            return wan
    return wans[0]


def select_wlan(wlans: Sequence[Obj], band: Band) -> Obj:
    """The main SSID of a band, chosen by MainSSID + band, never by a fixed Index."""
    for obj in wlans:
        if as_bool(obj.get("MainSSID")) and band_of(obj.get("band")) is band:
            return obj
    raise DalShapeError(f"no main SSID for {band} in the wlan table")


def select_lan(lans: Sequence[Obj]) -> Obj:
    if not lans:
        raise DalShapeError("the device lists no LAN group")
    for lan in lans:
        if as_str(lan.get("Name")) == guessed.LAN_GROUP:
            return lan
    return lans[0]


# --- status ------------------------------------------------------------------------------

_PPP_ERRORS = {
    "ERROR_AUTHENTICATION_FAILURE": WanError.PPPOE_AUTH,
    "ERROR_NO_ANSWER": WanError.NO_SERVER,
    "ERROR_ISP_TIME_OUT": WanError.NO_SERVER,
    "ERROR_NO_CARRIER": WanError.LINK_DOWN,
}


def _wan_info(status: Obj, wan: Obj | None) -> Obj:
    """The WanLanInfo entry of the selected WAN (matched by service name)."""
    entries = [e for e in as_list(status.get("WanLanInfo")) if isinstance(e, Mapping)]
    wan_entries = [e for e in entries if as_str(e.get("X_ZYXEL_Type")).upper() == "WAN"]
    name = as_str(wan.get("Name")) if wan else ""
    for entry in wan_entries:
        if name and as_str(entry.get("X_ZYXEL_SrvName")) == name:
            return entry
    return select_wan(wan_entries) if wan_entries else {}


def _wan_status(info: Obj, wan: Obj | None) -> WanStatus:
    encap = as_str(info.get("Encapsulation") or (wan or {}).get("Encapsulation")).lower()
    bridged = "bridge" in as_str((wan or {}).get("Mode")).lower()
    ctype: ConnType = "bridge" if bridged else "unknown"
    if not bridged and encap == "pppoe":
        ctype = "pppoe"
    elif not bridged and encap == "ipoe":
        ctype = "static" if as_bool((wan or {}).get("ipStatic")) else "dhcp"
    ppp_state = as_str(info.get("pppConnectionStatus"))
    if ctype == "pppoe":
        up = ppp_state.lower() == "connected"
    else:
        up = as_str(info.get("Status")).lower() in {"up", "connected"}
    ips = [
        ipv4(a.get("IPAddress")) for a in as_list(info.get("IPv4Address")) if isinstance(a, Mapping)
    ]
    ip = next((i for i in ips if i is not None), None)
    error: WanError | None = None
    detail: str | None = None
    if not up and not bridged:
        code = as_str(info.get(guessed.WAN_LAST_ERROR_FIELD)).strip().upper()
        if code and code != "ERROR_NONE":
            error, detail = _PPP_ERRORS.get(code, WanError.OTHER), code
        elif ppp_state.lower() in {"connecting", "authenticating"}:
            error = WanError.CONNECTING
        else:
            error = WanError.OTHER if info else WanError.LINK_DOWN
    user = as_str((wan or {}).get("pppUsername")) or None
    return WanStatus(
        up=up,
        ip=ip if up else None,
        pppoe_username=user if ctype == "pppoe" else None,
        connection_type=ctype,
        error=error,
        error_detail=detail,
    )


def _dns(info: Obj, wan: Obj | None) -> tuple[IPv4Address, ...]:
    # The configured static DNS is the truth; else what the WAN got from the ISP.
    if wan and as_bool(wan.get("ipDnsStatic")):
        static = ip_list(wan.get("DNSServer"))
        if static:
            return tuple(static)
    servers = [
        e.get("DNSServer") for e in as_list(info.get("dnsv4Server")) if isinstance(e, Mapping)
    ]
    return tuple(ip_list(servers))


def _lan_dns(lan: Obj | None, wan_dns: tuple[IPv4Address, ...]) -> tuple[IPv4Address, ...]:
    if not lan:
        return ()
    kind = as_str(lan.get("DNS_Type")).lower()
    if kind == "static":
        return tuple(ip_list([lan.get("DNS_Servers1"), lan.get("DNS_Servers2")]))
    if kind == "fromisp":
        return wan_dns
    own = ipv4(lan.get("IPAddress"))  # DNS proxy: clients ask the router itself
    return (own,) if own else ()


def _wifi(status: Obj) -> tuple[WifiNetwork, ...]:
    found: dict[Band, WifiNetwork] = {}
    for entry in as_list(status.get("WiFiInfo")):
        if not isinstance(entry, Mapping) or not as_bool(entry.get("X_ZYXEL_MainSSID")):
            continue
        band = band_of(entry.get("OperatingFrequencyBand"))
        if band is None or band in found:
            continue
        psk = as_str(entry.get("wifiPassword"))
        found[band] = WifiNetwork(
            band=band,
            ssid=as_str(entry.get("SSID")),
            enabled=as_bool(entry.get("Enable")),
            passphrase=SecretStr(psk) if psk else None,
        )
    return tuple(found[b] for b in (Band.GHZ_2_4, Band.GHZ_5) if b in found)


def _optical(status: Obj) -> OpticalPower | None:
    gpon = status.get("GponStatsInfo")
    if not isinstance(gpon, Mapping) or not gpon:
        return None
    rx = parse_power(gpon.get("RxPowerSignal"))
    tx = parse_power(gpon.get("TxPowerSignal"))
    if rx is None and tx is None:
        return None
    return OpticalPower(rx_dbm=rx, tx_dbm=tx, registered=rx is not None)


def build_status(
    *,
    model: str,
    transport: Transport,
    status: Obj,
    wans: Sequence[Obj],
    lans: Sequence[Obj],
    identity: Mapping[str, str] | None = None,
) -> DeviceStatus:
    """`status`: the DAL `status` object; `identity`: `sys atsh` fields (CLI only)."""
    info_obj = status.get("DeviceInfo")
    info: Obj = info_obj if isinstance(info_obj, Mapping) else {}
    ident = identity or {}
    wan = select_wan(wans) if wans else None
    wan_info = _wan_info(status, wan)
    dns = _dns(wan_info, wan)
    return DeviceStatus(
        model=model,
        firmware=ident.get(guessed.ATSH_FIRMWARE) or as_str(info.get("SoftwareVersion")) or None,
        hardware=as_str(info.get("HardwareVersion")) or None,
        model_name=ident.get(guessed.ATSH_MODEL) or as_str(info.get("ModelName")) or None,
        uptime_s=as_int(info.get("UpTime")),
        transport=transport,
        wan=_wan_status(wan_info, wan),
        dns=dns,
        lan_dns=_lan_dns(select_lan(lans) if lans else None, dns),
        wifi=_wifi(status),
        optical=_optical(status),
        bridge_mode=bool(wan and "bridge" in as_str(wan.get("Mode")).lower()),
    )


# --- edit payloads (web: whole object; CLI: only these fields) ---------------------------


def _masked(value: object) -> bool:
    text = as_str(value)
    return not text or set(text) <= guessed.MASKED_SECRET_CHARS


def pppoe_fields(settings: PppoeSettings) -> dict[str, Any]:
    return {
        "Encapsulation": "PPPoE",
        "pppUsername": settings.username,
        "pppPassword": settings.password.get_secret_value(),
    }


def wan_dns_fields(dns: DnsSettings) -> dict[str, Any]:
    return {"ipDnsStatic": True, "DNSServer": f"{dns.primary},{dns.secondary}"}


def lan_dns_fields(dns: DnsSettings) -> dict[str, Any]:
    return {
        "DNS_Type": "Static",
        "DNS_Servers1": str(dns.primary),
        "DNS_Servers2": str(dns.secondary),
    }


def wifi_fields(settings: WifiSettings) -> dict[str, Any]:
    return {
        "SSID": settings.ssid,
        "securityLevel": guessed.WIFI_SECURITY_LEVEL,
        "wpaMode": guessed.WIFI_WPA_MODE,
        "encryp": guessed.WIFI_ENCRYPTION,
        "AutoGenPSK": False,
        "psk_value": settings.passphrase.get_secret_value(),
    }


def merged(current: Obj, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Read-modify-write body: the whole current object with `changes` applied. A masked
    PPP password read back is dropped rather than written over the real one."""
    body = dict(current)
    if "pppPassword" in body and "pppPassword" not in changes and _masked(body["pppPassword"]):
        del body["pppPassword"]
    body.update(changes)
    return body
