"""The simulated ZTE's menuData objects, as its pages answer them: device info, WAN
status and configuration, optical power, WLAN radios/SSIDs/keys, DNS and the LAN's
DHCP, all rendered from the `SimDevice` common fields (the single source of truth)."""

from __future__ import annotations

from cpe.models import Band, WanError
from drivers.sim import SimDevice
from drivers.zte import guessed as g
from drivers.zte.sim_family_state import DHCP_DEFAULTS, WAN_DEFAULTS, family_state, lan_ip

Instance = dict[str, str]
Objects = list[tuple[str, list[Instance]]]
#: How the firmware shows an unset address (a value in its XML, not a socket bind).
NO_ADDR = "0.0.0.0"  # noqa: S104


def render_status(device: SimDevice) -> Objects:
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


def render_wan_status(device: SimDevice) -> Objects:
    cfg = family_state(device, "wan_cfg", WAN_DEFAULTS)
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


def render_wan_config(device: SimDevice) -> Objects:
    cfg = family_state(device, "wan_cfg", WAN_DEFAULTS)
    inst: Instance = {"_InstID": g.WAN_INTERNET_INST, **cfg, **_link_fields(device)}
    inst.update({
        "UserName": device.pppoe_user,
        "Password": device.pppoe_password,
        "ConnTrigger": "AlwaysOn",
    })
    return [(g.OBJ_WAN, [_tr069_wan(status=False), inst])]


def render_optical(device: SimDevice) -> Objects:
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


def render_wlan(device: SimDevice) -> Objects:
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


def render_dns(device: SimDevice) -> Objects:
    servers = [*device.dns, "", ""][:2] if device.manual_dns else ["", ""]
    return [(g.OBJ_DNS, [{
        "_InstID": g.DNS_INST, "SerIPAddress1": servers[0], "SerIPAddress2": servers[1],
        "DomainName": "lan",
    }])]


def _dhcp_source(device: SimDevice) -> tuple[str, list[str]]:
    if not device.lan_dns or device.lan_dns == [lan_ip(device)]:
        return g.DNS_SOURCE_PROXY, ["", ""]
    return g.DNS_SOURCE_MANUAL, [*device.lan_dns, ""][:2]


def render_dhcp(device: SimDevice) -> Objects:
    pool = family_state(device, "dhcp_cfg", DHCP_DEFAULTS)
    source, servers = _dhcp_source(device)
    return [(g.OBJ_DHCP, [{
        "_InstID": g.DHCP_INST, "IPAddr": lan_ip(device), **pool,
        "DnsServerSource": source, "DNSServer1": servers[0], "DNSServer2": servers[1],
    }])]
