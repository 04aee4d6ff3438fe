"""The simulated ZTE's menuData modules: objects rendered from the `SimDevice` common fields
(the single source of truth), and the Apply handlers that write them back.

Family-only state (WAN VLAN/MTU, DHCP pool, LAN IP) lives in `device.extra`, created on
first use so ten thousand idle devices cost nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cpe.models import Band, WanError, validate_passphrase, validate_ssid
from drivers.sim import Fault, SimDevice, WifiState
from drivers.zte import guessed as g

Instance = dict[str, str]
Objects = list[tuple[str, list[Instance]]]

LAN_IP = "192.168.1.1"
#: How the firmware shows an unset address (a value in its XML, not a socket bind).
NO_ADDR = "0.0.0.0"  # noqa: S104

_WAN_DEFAULTS: dict[str, str] = {
    "WANCName": "WAN_internet",
    "Enable": "1",
    "AuthType": "Auto",
    "VlanEnable": "1",
    "VLANID": "10",
    "Priority": "0",
    "IpMode": "IPv4",
    "MTU": "1492",
    "IsNAT": "1",
    "StrServList": g.INTERNET_SERVICE,
}

_DHCP_DEFAULTS: dict[str, str] = {
    "SubMask": "255.255.255.0",
    "ServerEnable": "1",
    "SubnetMask": "255.255.255.0",
    "MinAddress": "192.168.1.2",
    "MaxAddress": "192.168.1.254",
    "LeaseTime": "86400",
}


def _extra(device: SimDevice, key: str, default: Mapping[str, str]) -> dict[str, str]:
    found = device.extra.get(key)
    if not isinstance(found, dict):
        found = dict(default)
        device.extra[key] = found
    return found


def lan_ip(device: SimDevice) -> str:
    return str(device.extra.get("lan_ip", LAN_IP))


# --- reads -----------------------------------------------------------------------------------


def _status(device: SimDevice) -> Objects:
    return [
        ("OBJ_DEVINFO_ID", [{
            "_InstID": "IGD",
            "ManuFacturerOui": "D05919",
            "SoftwareVer": device.firmware,
            "ModelName": device.model_name,
            "HardwareVer": device.hardware,
            "ManuFacturer": "ZTE",
            "SerialNumber": device.serial,
            "BootVer": "V9.0.10P1N1",
        }]),
        ("OBJ_CPUMEMUSAGE_ID", [{"_InstID": "IGD", "CpuUsage1": "6", "MemUsage": "41"}]),
        ("OBJ_POWERONTIME_ID", [{"_InstID": "IGD", "PowerOnTime": str(max(0, device.uptime_s()))}]),
    ]


def _tr069_wan(status: bool) -> Instance:
    inst = {
        "_InstID": g.WAN_TR069_INST, "WANCName": "omci_ipv4_dhcp_1", "Enable": "1",
        "mode": "route", "linkMode": "IP", "VLANID": "20", "StrServList": "TR069",
        "MTU": "1500", "IpMode": "IPv4",
    }
    if status:
        inst.update({
            "ConnStatus": g.CONN_CONNECTED, "ConnError": "ERROR_NONE",
            "IPAddress": "10.200.0.17", "SubnetMask": "255.255.0.0", "GateWay": "10.200.0.1",
            "DNS1": "10.200.0.1", "DNS2": NO_ADDR, "DNS3": NO_ADDR, "UpTime": "0",
            "wantype": "dhcp/static", "Addressingtype": "DHCP",
        })
    return inst


def _link_fields(device: SimDevice) -> Instance:
    if device.wan_type == "bridge":
        return {"mode": "bridge", "linkMode": "IP"}
    if device.wan_type == "pppoe":
        return {"mode": "route", "linkMode": "PPP"}
    return {"mode": "route", "linkMode": "IP"}


def _wan_status(device: SimDevice) -> Objects:
    cfg = _extra(device, "wan_cfg", _WAN_DEFAULTS)
    up = device.wan_up
    dns = [*device.dns, NO_ADDR, NO_ADDR, NO_ADDR][:3] if up else [NO_ADDR] * 3
    if up:
        conn = g.CONN_CONNECTED
    elif device.wan_error is WanError.CONNECTING:
        conn = g.CONN_CONNECTING
    else:
        conn = g.CONN_DISCONNECTED
    error = "ERROR_NONE" if device.wan_error is None else g.CONN_ERROR_FOR[device.wan_error]
    inst: Instance = {
        "_InstID": g.WAN_INTERNET_INST,
        "WANCName": cfg["WANCName"],
        "Enable": cfg["Enable"],
        "ConnStatus": conn,
        "ConnError": error,
        "IPAddress": device.wan_ip if up else NO_ADDR,
        "SubnetMask": "255.255.255.255" if up else NO_ADDR,
        "GateWay": device.wan_gateway if up else NO_ADDR,
        "DNS1": dns[0], "DNS2": dns[1], "DNS3": dns[2],
        "UpTime": str(device.wan_uptime_s()),
        "VLANID": cfg["VLANID"],
        "StrServList": cfg["StrServList"],
        "MTU": cfg["MTU"],
        "IpMode": cfg["IpMode"],
        "WorkIFMac": device.mac,
        **_link_fields(device),
    }
    if device.wan_type == "pppoe":
        inst.update({"wantype": "pppoe", "UserName": device.pppoe_user})
    else:
        inst.update({
            "wantype": "dhcp/static",
            "Addressingtype": "Static" if device.wan_type == "static" else "DHCP",
        })
    return [(g.OBJ_WAN, [_tr069_wan(status=True), inst])]


def _wan_config(device: SimDevice) -> Objects:
    cfg = _extra(device, "wan_cfg", _WAN_DEFAULTS)
    inst: Instance = {"_InstID": g.WAN_INTERNET_INST, **cfg, **_link_fields(device)}
    inst.update({
        "UserName": device.pppoe_user,
        "Password": device.pppoe_password,
        "ConnTrigger": "AlwaysOn",
    })
    return [(g.OBJ_WAN, [_tr069_wan(status=False), inst])]


def _optical(device: SimDevice) -> Objects:
    def dbm(v: float | None) -> str:
        return "" if v is None else f"{v:.4f}".rstrip("0").rstrip(".")

    return [
        (g.OBJ_OPTICAL, [{
            "_InstID": "IGD", "RxPower": dbm(device.rx_dbm), "TxPower": dbm(device.tx_dbm),
            "Temp": "46.2", "Volt": "3.29", "Current": "11.8",
        }]),
        (g.OBJ_REGSTATUS, [{
            "_InstID": "IGD",
            "RegStatus": g.REG_SIM_UP if device.pon_registered else g.REG_SIM_DOWN,
        }]),
    ]


def ap_instance(band: Band, index: int = 1) -> str:
    """DEV.WIFI.AP1..4 on the 2.4 GHz radio, AP5..8 on the 5 GHz one (§3.C [P])."""
    base = 0 if band is Band.GHZ_2_4 else g.AP_PER_RADIO
    return f"DEV.WIFI.AP{base + index}"


def _wlan(device: SimDevice) -> Objects:
    settings: list[Instance] = []
    aps: list[Instance] = []
    psks: list[Instance] = []
    for band in (Band.GHZ_2_4, Band.GHZ_5):
        wifi = device.wifi.get(band)
        if wifi is None:
            continue
        settings.append({
            "_InstID": g.RADIO_INSTANCES[band], "Band": band.value, "RadioStatus": "1",
        })
        # Main SSID, then the disabled guest SSID every unit ships with.
        for index, ssid, enabled, psk in (
            (1, wifi.ssid, wifi.enabled, wifi.psk),
            (2, f"{wifi.ssid}-Visitante", False, ""),
        ):
            inst = ap_instance(band, index)
            aps.append({
                "_InstID": inst, "ESSID": ssid, "Enable": "1" if enabled else "0",
                "BeaconType": "11i", "11iAuthMode": "PSKAuthentication",
                "11iEncryptType": "AESEncryption", "ESSIDHideEnable": "0",
            })
            psks.append({"_InstID": f"{inst}.PSK1", "KeyPassphrase": psk})
    return [(g.OBJ_WLANSETTING, settings), (g.OBJ_WLANAP, aps), (g.OBJ_WLANPSK, psks)]


def _dns(device: SimDevice) -> Objects:
    servers = [*device.dns, "", ""][:2] if device.manual_dns else ["", ""]
    return [(g.OBJ_DNS, [{
        "_InstID": g.DNS_INST, "SerIPAddress1": servers[0], "SerIPAddress2": servers[1],
        "DomainName": "lan",
    }])]


def _dhcp_source(device: SimDevice) -> tuple[str, list[str]]:
    if not device.lan_dns or device.lan_dns == [lan_ip(device)]:
        return g.DNS_SOURCE_PROXY, ["", ""]
    return g.DNS_SOURCE_MANUAL, [*device.lan_dns, ""][:2]


def _dhcp(device: SimDevice) -> Objects:
    pool = _extra(device, "dhcp_cfg", _DHCP_DEFAULTS)
    source, servers = _dhcp_source(device)
    return [(g.OBJ_DHCP, [{
        "_InstID": g.DHCP_INST, "IPAddr": lan_ip(device), **pool,
        "DnsServerSource": source, "DNSServer1": servers[0], "DNSServer2": servers[1],
    }])]


# --- writes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """Result of an Apply: `rejected` names the refused field; `rebooted` means the device
    went down mid-write (Fault.REBOOT_MID_WRITE) and must not answer."""

    rejected: str | None = None
    rebooted: bool = False


APPLIED = Outcome()


def _mid_write_reboot_after(device: SimDevice, first_part: Callable[[], None]) -> bool:
    """Fault knob: apply the first part of a multi-part write, then reboot."""
    if device.knobs.fault is not Fault.REBOOT_MID_WRITE:
        return False
    first_part()
    device.reboot()
    return True


def _missing(fields: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n not in fields), None)


def _ipv4(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def _apply_wan(device: SimDevice, inst: str, fields: Mapping[str, str]) -> Outcome:
    if inst != g.WAN_INTERNET_INST:
        return Outcome(rejected="_InstID")
    missing = _missing(fields, g.WAN_CONFIG_FIELDS)
    if missing:
        return Outcome(rejected=missing)
    cfg = _extra(device, "wan_cfg", _WAN_DEFAULTS)
    for key in _WAN_DEFAULTS:
        cfg[key] = fields[key]
    if fields["linkMode"] != "PPP" or fields["mode"] != "route":
        device.wan_type = "bridge" if fields["mode"] == "bridge" else "dhcp"
        device.counters.writes += 1
        device.restart_wan()
        return APPLIED
    user = fields["UserName"]
    if not user or any(c.isspace() for c in user):
        return Outcome(rejected="UserName")
    password = fields["Password"]
    if password == g.UNCHANGED_VALUE:
        password = device.pppoe_password
    if not password:
        return Outcome(rejected="Password")
    if _mid_write_reboot_after(device, lambda: setattr(device, "pppoe_user", user)):
        return Outcome(rebooted=True)
    device.apply_pppoe(user, password)  # counts the write and restarts the WAN
    return APPLIED


def _band_of_ap(inst: str) -> tuple[Band, bool] | None:
    """(band, is the main SSID) for DEV.WIFI.APn."""
    try:
        number = int(inst.removeprefix("DEV.WIFI.AP"))
    except ValueError:
        return None
    if not 1 <= number <= 2 * g.AP_PER_RADIO:
        return None
    band = Band.GHZ_2_4 if number <= g.AP_PER_RADIO else Band.GHZ_5
    return band, (number - 1) % g.AP_PER_RADIO == 0


def _apply_wlan(device: SimDevice, inst: str, fields: Mapping[str, str]) -> Outcome:
    found = _band_of_ap(inst)
    if found is None or found[0] not in device.wifi:
        return Outcome(rejected="_InstID")
    band, main = found
    if not main:
        device.counters.writes += 1  # guest SSIDs are not modelled; accept and forget
        return APPLIED
    wifi = device.wifi[band]
    ssid = fields.get("ESSID", wifi.ssid)
    try:
        validate_ssid(ssid)
    except ValueError:
        return Outcome(rejected="ESSID")
    psk = fields.get("KeyPassphrase", g.UNCHANGED_VALUE)
    if psk == g.UNCHANGED_VALUE:
        psk = wifi.psk
    try:
        validate_passphrase(psk)
    except ValueError:
        return Outcome(rejected="KeyPassphrase")
    if fields.get("BeaconType", "11i") not in ("11i", "WPAand11i"):
        return Outcome(rejected="BeaconType")
    if _mid_write_reboot_after(device, lambda: setattr(wifi, "ssid", ssid)):
        return Outcome(rebooted=True)
    device.wifi[band] = WifiState(ssid=ssid, psk=psk, enabled=fields.get("Enable", "1") == "1")
    device.counters.writes += 1
    return APPLIED


def _apply_dns(device: SimDevice, inst: str, fields: Mapping[str, str]) -> Outcome:
    if inst != g.DNS_INST:
        return Outcome(rejected="_InstID")
    first, second = fields.get("SerIPAddress1", ""), fields.get("SerIPAddress2", "")
    if not _ipv4(first):
        return Outcome(rejected="SerIPAddress1")
    if second and not _ipv4(second):
        return Outcome(rejected="SerIPAddress2")

    def first_part() -> None:
        device.dns = [first, *device.dns[1:]]

    if _mid_write_reboot_after(device, first_part):
        return Outcome(rebooted=True)
    device.dns = [first, second] if second else [first]
    device.manual_dns = True
    device.counters.writes += 1
    return APPLIED


def _apply_dhcp(device: SimDevice, inst: str, fields: Mapping[str, str]) -> Outcome:
    if inst != g.DHCP_INST:
        return Outcome(rejected="_InstID")
    missing = _missing(fields, g.DHCP_FIELDS)
    if missing:
        return Outcome(rejected=missing)
    for name in ("IPAddr", "SubMask", "MinAddress", "MaxAddress"):
        if not _ipv4(fields[name]):
            return Outcome(rejected=name)
    source = fields["DnsServerSource"]
    if source not in (g.DNS_SOURCE_MANUAL, g.DNS_SOURCE_PROXY, g.DNS_SOURCE_WAN):
        return Outcome(rejected="DnsServerSource")
    servers = [fields["DNSServer1"], fields["DNSServer2"]]
    if source == g.DNS_SOURCE_MANUAL:
        if not _ipv4(servers[0]):
            return Outcome(rejected="DNSServer1")
        if servers[1] and not _ipv4(servers[1]):
            return Outcome(rejected="DNSServer2")
    pool = _extra(device, "dhcp_cfg", _DHCP_DEFAULTS)
    for key in _DHCP_DEFAULTS:
        pool[key] = fields[key]
    device.extra["lan_ip"] = fields["IPAddr"]
    if source == g.DNS_SOURCE_MANUAL:
        wanted = [s for s in servers if s]
    elif source == g.DNS_SOURCE_PROXY:
        wanted = [fields["IPAddr"]]
    else:
        wanted = list(device.dns)

    def first_part() -> None:
        device.lan_dns = wanted[:1] + device.lan_dns[1:]

    if _mid_write_reboot_after(device, first_part):
        return Outcome(rebooted=True)
    device.lan_dns = wanted
    device.counters.writes += 1
    return APPLIED


@dataclass(frozen=True)
class Module:
    page: str
    #: Query parameters the module insists on (404 otherwise).
    query: tuple[tuple[str, str], ...]
    render: Callable[[SimDevice], Objects]
    apply: Callable[[SimDevice, str, Mapping[str, str]], Outcome] | None = None


def _query(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, _, v in (p.partition("=") for p in text.split("&")))


MODULES: dict[str, Module] = {
    g.MOD_STATUS: Module(g.PAGE_STATUS, (), _status),
    g.MOD_WAN_STATUS: Module(g.PAGE_WAN_STATUS, _query(g.QUERY_WAN_STATUS), _wan_status),
    g.MOD_WAN_CONFIG: Module(
        g.PAGE_WAN_CONFIG, _query(g.QUERY_WAN_CONFIG), _wan_config, _apply_wan
    ),
    g.MOD_OPTICAL: Module(g.PAGE_OPTICAL, (), _optical),
    g.MOD_WLAN: Module(g.PAGE_WLAN, (), _wlan, _apply_wlan),
    g.MOD_DNS: Module(g.PAGE_DNS, (), _dns, _apply_dns),
    g.MOD_LAN_DHCP: Module(g.PAGE_LAN, (), _dhcp, _apply_dhcp),
}

PAGES: frozenset[str] = frozenset(m.page for m in MODULES.values())


def query_matches(module: Module, query: Mapping[str, Any]) -> bool:
    return all(query.get(k) == v for k, v in module.query)
