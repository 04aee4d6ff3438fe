"""Pure mapping from decoded ThinkLua objects to the toolkit's status models.

No I/O here: the driver fetches the pages, this module reads them, so fixture tests can
feed captured XML straight in.
"""

from __future__ import annotations

from ipaddress import IPv4Address
from typing import Literal

from pydantic import SecretStr

from cpe.models import Band, OpticalPower, WanError, WanStatus, WifiNetwork
from drivers.zte import guessed as g
from drivers.zte.ajax import AjaxReply, Instance

ConnType = Literal["pppoe", "dhcp", "static", "bridge", "unknown"]


def ipv4(value: str | None) -> IPv4Address | None:
    """A usable address, or None for blanks, 0.0.0.0 and junk."""
    try:
        addr = IPv4Address((value or "").strip())
    except ValueError:
        return None
    return None if addr.is_unspecified else addr


def ipv4_list(*values: str | None) -> tuple[IPv4Address, ...]:
    return tuple(a for a in (ipv4(v) for v in values) if a is not None)


def _int(value: str | None) -> int | None:
    try:
        return max(0, int((value or "").strip()))
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        return float((value or "").strip())
    except ValueError:
        return None


# --- device --------------------------------------------------------------------------------------


def device_info(reply: AjaxReply) -> tuple[str | None, str | None, str | None, int | None]:
    """(model name, firmware, hardware, uptime in s)."""
    info = reply.first(g.OBJ_DEVINFO)
    uptime = _int(reply.first(g.OBJ_POWERONTIME).get("PowerOnTime"))
    return (
        info.get("ModelName") or None,
        info.get("SoftwareVer") or None,
        info.get("HardwareVer") or None,
        uptime,
    )


# --- WAN -----------------------------------------------------------------------------------------


def internet_instance(instances: list[Instance]) -> Instance | None:
    """The INTERNET connection among the WAN instances (TR069/VoIP/IPTV ones are skipped)."""
    for inst in instances:
        if g.INTERNET_SERVICE in inst.get("StrServList", "").upper():
            return inst
    for inst in instances:
        if inst.get("IsDefGW") == "1":
            return inst
    return None


def _conn_type(inst: Instance) -> ConnType:
    if inst.get("mode", "").lower() == "bridge":
        return "bridge"
    if inst.get("linkMode", "").upper() == "PPP":
        return "pppoe"
    addressing = (inst.get("Addressingtype") or inst.get("wantype") or "").lower()
    if addressing.startswith("dhcp"):
        return "dhcp"
    if addressing.startswith("static"):
        return "static"
    return "unknown"


def wan_status(reply: AjaxReply) -> tuple[WanStatus, tuple[IPv4Address, ...]]:
    """(WAN status, DNS servers of the INTERNET connection)."""
    inst = internet_instance(reply.instances(g.OBJ_WAN))
    if inst is None:
        return WanStatus(up=False, error=WanError.OTHER, error_detail="no INTERNET WAN"), ()
    kind = _conn_type(inst)
    status = inst.get("ConnStatus", "")
    up = status == g.CONN_CONNECTED
    code = inst.get("ConnError", "")
    error: WanError | None = None
    if not up and kind != "bridge":
        if status == g.CONN_CONNECTING:
            error = WanError.CONNECTING
        else:
            error = g.CONN_ERRORS.get(code, WanError.OTHER)
    wan = WanStatus(
        up=up,
        ip=ipv4(inst.get("IPAddress")) if up else None,
        pppoe_username=(inst.get("UserName") or None) if kind == "pppoe" else None,
        connection_type=kind,
        error=error,
        error_detail=code if code and code != "ERROR_NONE" else None,
    )
    dns = ipv4_list(inst.get("DNS1"), inst.get("DNS2"), inst.get("DNS3")) if up else ()
    return wan, dns


# --- optical -------------------------------------------------------------------------------------


def optical(reply: AjaxReply) -> OpticalPower | None:
    para = reply.first(g.OBJ_OPTICAL)
    reg = reply.first(g.OBJ_REGSTATUS)
    if not para and not reg:
        return None
    return OpticalPower(
        rx_dbm=_float(para.get("RxPower")),
        tx_dbm=_float(para.get("TxPower")),
        registered=reg.get("RegStatus", "").strip() in g.REG_REGISTERED,
    )


# --- Wi-Fi ---------------------------------------------------------------------------------------


def _ap_number(inst_id: str) -> int | None:
    try:
        return int(inst_id.removeprefix("DEV.WIFI.AP"))
    except ValueError:
        return None


def ap_band(inst_id: str, radios: dict[str, Band]) -> Band | None:
    """Band of DEV.WIFI.APn: AP1..4 hang off RD1, AP5..8 off RD2 ([P] §3.C)."""
    number = _ap_number(inst_id)
    if number is None or number < 1:
        return None
    radio = f"DEV.WIFI.RD{(number - 1) // g.AP_PER_RADIO + 1}"
    if radio in radios:
        return radios[radio]
    return next((b for b, r in g.RADIO_INSTANCES.items() if r == radio), None)


def main_aps(reply: AjaxReply) -> dict[Band, Instance]:
    """The main SSID of each band: the lowest-numbered AP on that band's radio."""
    radios = {
        inst.get("_InstID", ""): g.BAND_VALUES[inst["Band"]]
        for inst in reply.instances(g.OBJ_WLANSETTING)
        if inst.get("Band") in g.BAND_VALUES
    }
    found: dict[Band, Instance] = {}
    for inst in sorted(reply.instances(g.OBJ_WLANAP), key=lambda i: _ap_number(
            i.get("_InstID", "")) or 1_000):
        band = ap_band(inst.get("_InstID", ""), radios)
        if band is not None and band not in found:
            found[band] = inst
    return found


def psk_instance(reply: AjaxReply, ap_id: str) -> Instance | None:
    prefix = ap_id + "."
    return next(
        (p for p in reply.instances(g.OBJ_WLANPSK) if p.get("_InstID", "").startswith(prefix)),
        None,
    )


def wifi(reply: AjaxReply) -> tuple[WifiNetwork, ...]:
    out = []
    for band, ap in sorted(main_aps(reply).items(), key=lambda item: item[0] is Band.GHZ_5):
        psk = psk_instance(reply, ap.get("_InstID", ""))
        key = (psk or {}).get("KeyPassphrase", "")
        out.append(WifiNetwork(
            band=band,
            ssid=ap.get("ESSID", ""),
            enabled=ap.get("Enable", "1") == "1",
            passphrase=SecretStr(key) if key else None,
        ))
    return tuple(out)


# --- DNS -----------------------------------------------------------------------------------------


def resolver_dns(dns_reply: AjaxReply, wan_dns: tuple[IPv4Address, ...]) -> tuple[IPv4Address, ...]:
    """The resolver the ONU uses: the `dns` page's servers when set, else the WAN's."""
    inst = dns_reply.first(g.OBJ_DNS)
    manual = ipv4_list(inst.get("SerIPAddress1"), inst.get("SerIPAddress2"))
    return manual or wan_dns


def lan_dns(dhcp_reply: AjaxReply, wan_dns: tuple[IPv4Address, ...]) -> tuple[IPv4Address, ...]:
    """What DHCP hands out: fixed servers, the ONU itself (proxy), or the WAN's."""
    inst = dhcp_reply.first(g.OBJ_DHCP)
    source = inst.get("DnsServerSource", "")
    if source == g.DNS_SOURCE_MANUAL:
        return ipv4_list(inst.get("DNSServer1"), inst.get("DNSServer2"))
    if source == g.DNS_SOURCE_WAN:
        return wan_dns
    return ipv4_list(inst.get("IPAddr"))
