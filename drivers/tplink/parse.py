"""Turn the device's DEV2_ objects (dicts of strings) into the toolkit's models.

Pure functions: the driver calls them and maps a ValueError to ParseError. Field names come
from `protocol` ([C]) and `guessed` ([G]).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from ipaddress import AddressValueError, IPv4Address
from typing import Any, Literal, cast

from pydantic import SecretStr

from cpe.models import Band, OpticalPower, WanError, WanStatus, WifiNetwork
from drivers.tplink import guessed as g
from drivers.tplink import protocol as p

ConnType = Literal["pppoe", "dhcp", "static", "bridge", "unknown"]
Entry = Mapping[str, str]

_ERROR_BY_CODE = {code: err for err, code in g.WAN_ERROR_CODES.items()}


def as_entry(data: Any, what: str) -> dict[str, str]:
    """One object instance: a JSON object of strings (numbers tolerated)."""
    if not isinstance(data, dict):
        raise ValueError(f"{what}: expected an object")
    return {str(k): "" if v is None else str(v) for k, v in data.items()}


def as_entries(data: Any, what: str) -> list[dict[str, str]]:
    """A `gl` answer: a list of instances (a lone object counts as a list of one)."""
    if isinstance(data, dict):
        return [as_entry(data, what)]
    if not isinstance(data, list):
        raise ValueError(f"{what}: expected a list")
    return [as_entry(item, what) for item in data]


def need(entry: Entry, name: str, what: str) -> str:
    if name not in entry:
        raise ValueError(f"{what}: field {name!r} missing")
    return entry[name]


_BY_CONN_TYPE = {**g.WAN_TYPE_BY_CONN_TYPE, **g.WAN_TYPE_BY_CONN_TYPE_GUESSED}
_BY_PREFIX = (*g.WAN_TYPE_BY_PREFIX, *g.WAN_TYPE_BY_PREFIX_GUESSED)


def conn_type(entry: Entry) -> ConnType:
    """The WAN's kind: its `connType` when the firmware shows one we know, else the prefix
    of its `name` (`pppoe_gpon_3_3`, `ipoe_gpon_0_1_d`)."""
    kind = _BY_CONN_TYPE.get(entry.get(g.WAN_CONN_TYPE_FIELD, "").strip())
    if kind is not None:
        return cast(ConnType, kind)
    name = entry.get(p.WAN_NAME_FIELD, "")
    for prefix, by_name in _BY_PREFIX:
        if name.startswith(prefix):
            return cast(ConnType, by_name)
    return "unknown"


def pick_wan(entries: Sequence[Entry]) -> Entry | None:
    """The customer's WAN: enabled, preferring a connected one, then a PPPoE one (ONUs also
    list disabled management/IPTV connections)."""
    enabled = [e for e in entries if e.get(p.WAN_ENABLE_FIELD, "1") == "1"]
    for pool in (
        [e for e in enabled if e.get(g.WAN_STATUS_FIELD) == g.WAN_STATUS_UP],
        [e for e in enabled if conn_type(e) == "pppoe"],
        enabled,
    ):
        if pool:
            return pool[0]
    return None


def ipv4(value: str) -> IPv4Address | None:
    value = value.strip()
    if not value or value == p.NO_ADDRESS:
        return None
    try:
        return IPv4Address(value)
    except AddressValueError as exc:
        raise ValueError("not an IPv4 address") from exc


def dns_servers(entry: Entry | None) -> tuple[IPv4Address, ...]:
    if entry is None:
        return ()
    out = (ipv4(part) for part in entry.get(p.WAN_DNS_FIELD, "").split(","))
    return tuple(a for a in out if a is not None)


def wan_status(entry: Entry | None) -> WanStatus:
    if entry is None:
        return WanStatus(up=False, error=WanError.OTHER, error_detail="no WAN connection")
    need(entry, p.WAN_NAME_FIELD, p.WAN_OID)
    kind = conn_type(entry)
    if kind == "bridge":
        return WanStatus(up=False, connection_type="bridge")
    state = need(entry, g.WAN_STATUS_FIELD, p.WAN_OID)
    up = state == g.WAN_STATUS_UP and entry.get(p.WAN_ENABLE_FIELD, "1") == "1"
    error: WanError | None = None
    detail: str | None = None
    if not up:
        code = entry.get(g.WAN_ERROR_FIELD, "")
        if state == g.WAN_STATUS_CONNECTING:
            error = WanError.CONNECTING
        else:
            error = _ERROR_BY_CODE.get(code, WanError.OTHER)
            if error is WanError.CONNECTING:  # ERROR_NONE while down: no reason given
                error = WanError.OTHER
        detail = code or state or None
    user = entry.get(g.PPPOE_USER_FIELD) or None
    return WanStatus(
        up=up,
        ip=ipv4(entry.get(p.WAN_IP_FIELD, "")) if up else None,
        pppoe_username=user if kind == "pppoe" else None,
        connection_type=kind,
        error=error,
        error_detail=detail,
    )


def wifi_network(band: Band, entry: Entry) -> WifiNetwork:
    ssid = need(entry, p.WIFI_SSID_FIELD, p.WIFI_OID)
    psk = entry.get(g.WIFI_PSK_FIELD)
    return WifiNetwork(
        band=band,
        ssid=ssid,
        enabled=entry.get(p.WIFI_ENABLE_FIELD, "1") == "1",
        passphrase=SecretStr(psk) if psk else None,
    )


def dbm(value: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    return round(float(value) * g.OPTICAL_UNIT_DBM, 2)


def optical(transceiver: Entry | None, ani: Entry | None) -> OpticalPower | None:
    """None when the device shows no optics at all (object missing)."""
    if transceiver is None:
        return None
    registered = True
    if ani is not None and g.PON_STATUS_FIELD in ani:
        registered = ani[g.PON_STATUS_FIELD] == g.PON_STATUS_UP
    return OpticalPower(
        rx_dbm=dbm(transceiver.get(g.OPTICAL_RX_FIELD, "")),
        tx_dbm=dbm(transceiver.get(g.OPTICAL_TX_FIELD, "")),
        registered=registered,
    )


def uptime(entry: Entry) -> int | None:
    raw = entry.get(g.UPTIME_FIELD, "").strip()
    return int(raw) if raw else None
