"""Reading the ONU's JSON answers into the toolkit's models (pure functions).

IP fields come `_point_`-encoded; SSID and PSK come fhencrypted. Numbers come as
strings ("-20.15", "6713483"), sometimes empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from ipaddress import AddressValueError, IPv4Address
from typing import Any, Literal

from pydantic import SecretStr

from cpe.models import Band, OpticalPower, WanError, WanStatus, WifiNetwork
from drivers.fiberhome import guessed
from drivers.fiberhome.crypto import fhdecrypt
from drivers.fiberhome.protocol import WIFI_5_KEY, WIFI_24_KEY, decode_ip, split_ips

Entry = Mapping[str, Any]
ConnType = Literal["pppoe", "dhcp", "static", "bridge", "unknown"]

_LAST_ERROR = {
    guessed.LAST_ERROR_AUTH: WanError.PPPOE_AUTH,
    "ERROR_ACCOUNT_DISABLED": WanError.PPPOE_AUTH,
    "ERROR_ACCOUNT_EXPIRED": WanError.PPPOE_AUTH,
    guessed.LAST_ERROR_NO_SERVER: WanError.NO_SERVER,
    "ERROR_NO_ANSWER": WanError.NO_SERVER,
    guessed.LAST_ERROR_LINK: WanError.LINK_DOWN,
}


def to_float(value: object) -> float | None:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


def to_int(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def to_ipv4(value: object) -> IPv4Address | None:
    try:
        ip = IPv4Address(decode_ip(value))
    except (AddressValueError, ValueError):
        return None
    return None if ip.is_unspecified else ip


def ip_list(value: object) -> tuple[IPv4Address, ...]:
    out = (to_ipv4(p) for p in split_ips(value))
    return tuple(ip for ip in out if ip is not None)


def flag(value: object) -> bool:
    return str(value).strip() == "1"


# -- base info ---------------------------------------------------------------------------


def optical(base: Entry) -> OpticalPower | None:
    if not any(k in base for k in ("rxpower", "txpower", "pon_reg_state")):
        return None
    registered = str(base.get("pon_reg_state", "")).strip() == guessed.PON_REGISTERED
    return OpticalPower(
        rx_dbm=to_float(base.get("rxpower")),
        tx_dbm=to_float(base.get("txpower")),
        registered=registered,
    )


# -- WAN ---------------------------------------------------------------------------------


def wan_list(data: Entry) -> list[dict[str, Any]]:
    wans = data.get("wan")
    if not isinstance(wans, list):
        raise ValueError("no WAN list")
    return [w for w in wans if isinstance(w, dict)]


def connection_type(entry: Entry) -> ConnType:
    ctype = str(entry.get("ConnectionType", ""))
    if ctype.lower().endswith("_bridged"):
        return "bridge"
    addressing = str(entry.get("AddressingType", "")).upper()
    if addressing == "PPPOE" or str(entry.get("iporppp", "")) == "2":
        return "pppoe"
    if addressing == "DHCP":
        return "dhcp"
    if addressing == "STATIC":
        return "static"
    return "unknown"


def internet_wan(wans: Sequence[Entry]) -> Entry | None:
    """The WAN that carries INTERNET: a routed PPPoE one first, any other after."""
    internet = [w for w in wans if "INTERNET" in str(w.get("ServiceList", "")).upper()]
    for w in internet:
        if connection_type(w) == "pppoe":
            return w
    routed = [w for w in internet if connection_type(w) != "bridge"]
    candidates = routed or internet
    return candidates[0] if candidates else None


def wan_dns(entry: Entry | None) -> tuple[IPv4Address, ...]:
    """The resolvers the WAN uses: the override when it is on, else what it learned."""
    if entry is None:
        return ()
    if flag(entry.get("DNSOverrideEnable")):
        return ip_list(entry.get("DNSOverrideServer"))
    return ip_list(entry.get("DNSServers"))


def wan_status(entry: Entry | None, pon_registered: bool) -> WanStatus:
    if entry is None:
        return WanStatus(up=False, error=WanError.OTHER, error_detail="sem WAN INTERNET")
    ctype = connection_type(entry)
    if ctype == "bridge":
        return WanStatus(up=False, connection_type="bridge")
    user = (str(entry.get("Username", "")) or None) if ctype == "pppoe" else None
    status = str(entry.get("ConnectionStatus", ""))
    if not pon_registered:
        return WanStatus(
            up=False, pppoe_username=user, connection_type=ctype, error=WanError.LINK_DOWN,
            error_detail="PON não registrada",
        )
    if status == "Connected":
        return WanStatus(
            up=True, ip=to_ipv4(entry.get("ExternalIPAddress")), pppoe_username=user,
            connection_type=ctype,
        )
    last = str(entry.get("LastConnectionError", ""))
    if status in ("Connecting", "Authenticating"):
        error = WanError.CONNECTING
    else:
        error = _LAST_ERROR.get(last, WanError.OTHER)
    return WanStatus(
        up=False, pppoe_username=user, connection_type=ctype, error=error,
        error_detail=f"{status or '?'} ({last or 'sem código'})",
    )


# -- LAN ---------------------------------------------------------------------------------


def lan_object(data: Entry | None) -> dict[str, Any] | None:
    lan = (data or {}).get(guessed.LAN_READ_KEY)
    return lan if isinstance(lan, dict) else None


def lan_dns(lan: Entry | None, wan: tuple[IPv4Address, ...]) -> tuple[IPv4Address, ...]:
    """What the ONU's DHCP hands out: itself (proxy), fixed servers, or the WAN's."""
    if lan is None:
        return ()
    if flag(lan.get("DNSProxyEnable")):
        own = to_ipv4(lan.get("IPInterfaceIPAddress"))
        return (own,) if own else ()
    if flag(lan.get("DNSManualEnable")):
        return ip_list(lan.get("DNSServers"))
    return wan


# -- Wi-Fi -------------------------------------------------------------------------------


def wifi_entries(data: Entry, band: Band) -> list[tuple[int, dict[str, Any]]]:
    """(wifiIndex, entry) pairs of a band's SSID list, main SSID first."""
    key = WIFI_24_KEY if band is Band.GHZ_2_4 else WIFI_5_KEY
    raw = data.get(key)
    entries = [e for e in raw if isinstance(e, dict)] if isinstance(raw, list) else []
    out = []
    for pos, e in enumerate(entries):
        if band is Band.GHZ_2_4:
            index = pos + 1  # the 2.4 GHz page posts its position + 1 [C JS]
        else:
            index = to_int(e.get("index")) or guessed.WIFI_5G_FIRST_INDEX + pos
        out.append((index, e))
    return out


def wifi_network(band: Band, entry: Entry, key: bytes) -> WifiNetwork:
    """Decrypt the main SSID entry (ValueError when it does not decrypt)."""
    ssid = fhdecrypt(str(entry.get("SSID", "")), key)
    plain_psk = entry.get("wifi_password_encode")  # Intelbras builds show it plainly [C]
    if isinstance(plain_psk, str) and plain_psk:
        psk: str | None = plain_psk
    else:
        raw = str(entry.get("PreSharedKey", ""))
        psk = fhdecrypt(raw, key) if raw else None
    return WifiNetwork(
        band=band,
        ssid=ssid,
        enabled=flag(entry.get("Enable", "1")),
        passphrase=SecretStr(psk) if psk else None,
    )
