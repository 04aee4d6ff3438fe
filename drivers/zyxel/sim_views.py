"""What the simulated DAL table shows: `GET DAL?oid=...` objects built from a `SimDevice`.

Field names follow the zcfg GPL source (EX5601-T0 `zcfg_fe_dal_networkmap.c` builds the
status object: TR-181 DeviceInfo, SystemInfo + memory and CPU, Ethernet interfaces as
LanPortInfo, WiFiInfo, WanLanInfo; `zcfg_fe_dal_broadband.c` lists the `wan` parameters)
and what public clients read from real units (`millaguie/zyxel-cli`: DeviceInfo
Manufacturer, SystemInfo HostName/CPUUsage/Total/Free, WanLanInfo[].Name, wan IPAddress/
SubnetMask/GatewayIPAddress). Values the sources do not show are the lab's own choice.
The SimDevice common fields stay the single source of truth; edits live in `sim_dal.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cpe.models import Band, WanError
from drivers.sim import SimDevice
from drivers.zyxel import guessed

INTERNET_WAN = "Internet"
ACS_WAN = "TR069"
#: Parameters the DAL `wan` get shows but an edit never stores (live state, read-only).
WAN_LIVE_FIELDS = frozenset(
    {"IPAddress", "SubnetMask", "GatewayIPAddress", "X_ZYXEL_IfName", "ipIfacePath"}
)
_ACS_ADDRESS = ("10.200.0.2", "255.255.255.0", "10.200.0.1")
_MEMORY_KB = 524288  # what a 512 MB unit reports as DeviceInfo.MemoryStatus.Total


def lan_ip(dev: SimDevice) -> str:
    return str(dev.extra.get("lan_ip", "192.168.1.1"))


def wan_cfg(dev: SimDevice, name: str) -> dict[str, Any]:
    """Edited WAN parameters with no common SimDevice field, per WAN Name."""
    store: dict[str, dict[str, Any]] = dev.extra.setdefault("wan_cfg", {})
    return store.setdefault(name, {})


def _wan_address(dev: SimDevice) -> tuple[str, str, str]:
    """(IPAddress, SubnetMask, GatewayIPAddress) of the Internet WAN: the live lease of a
    dynamic WAN, empty while it is down (the EX3301 notes read "connected" from it)."""
    if not dev.wan_up or dev.wan_type == "bridge":
        return "", "", ""
    mask = "255.255.255.255" if dev.wan_type == "pppoe" else "255.255.255.0"
    return dev.wan_ip, mask, dev.wan_gateway


def _ifname(dev: SimDevice) -> str:
    return "ppp0" if dev.wan_type == "pppoe" else "eth4.10"


def wan_objects(dev: SimDevice) -> list[dict[str, Any]]:
    pppoe = dev.wan_type == "pppoe"
    ip, mask, gateway = _wan_address(dev)
    internet = {
        "Index": 1, "Name": INTERNET_WAN, "Enable": True, "Type": "ETH",
        "Mode": "IP_Bridged" if dev.wan_type == "bridge" else "IP_Routed",
        "Encapsulation": "PPPoE" if pppoe else "IPoE", "ipMode": "IPv4",
        "VLANEnable": True, "VLANID": 10, "VLANPriority": 0,
        "MaxMTUSize": 1492 if pppoe else 1500, "NatEnable": True,
        "ipStatic": dev.wan_type == "static", "IPAddress": ip, "SubnetMask": mask,
        "GatewayIPAddress": gateway, "X_ZYXEL_IfName": _ifname(dev),
        "ipDnsStatic": dev.manual_dns, "DNSServer": ",".join(dev.dns),
        "pppUsername": dev.pppoe_user, "pppPassword": dev.pppoe_password,
    }  # fmt: skip
    acs = {
        "Index": 2, "Name": ACS_WAN, "Enable": True, "Type": "ETH", "Mode": "IP_Routed",
        "Encapsulation": "IPoE", "ipMode": "IPv4", "VLANEnable": True, "VLANID": 20,
        "VLANPriority": 0, "MaxMTUSize": 1500, "NatEnable": False, "ipStatic": False,
        "IPAddress": _ACS_ADDRESS[0], "SubnetMask": _ACS_ADDRESS[1],
        "GatewayIPAddress": _ACS_ADDRESS[2], "X_ZYXEL_IfName": "eth4.20",
        "ipDnsStatic": False, "DNSServer": "10.200.0.1", "pppUsername": "", "pppPassword": "",
    }  # fmt: skip
    internet.update(wan_cfg(dev, INTERNET_WAN))
    acs.update(wan_cfg(dev, ACS_WAN))
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
            "DHCP_MaxAddress": f"{base}.254", "DHCP_LeaseTime": 86400,
            "DNS_Type": "DNSProxy" if proxy else "Static",
            "DNS_Servers1": "" if proxy else servers[0],
            "DNS_Servers2": "" if proxy else servers[1],
        }
    ]  # fmt: skip


def index_5g(dev: SimDevice) -> int:
    return int(dev.extra.get("wlan_5g_index", guessed.MAIN_5_INDEX))


def main_index(dev: SimDevice, band: Band) -> int:
    return guessed.MAIN_24_INDEX if band is Band.GHZ_2_4 else index_5g(dev)


def guests(dev: SimDevice) -> dict[int, dict[str, Any]]:
    table: dict[int, dict[str, Any]] = dev.extra.setdefault("wlan_guest", {})
    return table


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
        "wlHide": False,
        "oneSsidEnable": bool(dev.extra.get("one_ssid", False)),
    }


def wlan_objects(dev: SimDevice) -> list[dict[str, Any]]:
    out = [
        _wlan_entry(dev, main_index(dev, band), band, s.ssid, s.psk, s.enabled, True)
        for band, s in dev.wifi.items()
    ]
    for index, g in guests(dev).items():
        band = Band(g["band"])
        out.append(_wlan_entry(dev, index, band, g["SSID"], g["psk"], bool(g["enabled"]), False))
    return sorted(out, key=lambda o: int(o["Index"]))


def _ppp_state(dev: SimDevice) -> str:
    if dev.wan_type != "pppoe":
        return ""
    if dev.wan_up:
        return "Connected"
    return "Connecting" if dev.wan_error in (None, WanError.CONNECTING) else "Disconnected"


def _wan_info(dev: SimDevice) -> list[dict[str, Any]]:
    pppoe = dev.wan_type == "pppoe"
    up = dev.wan_up
    last_error = {
        "pppoe_auth_failed": "ERROR_AUTHENTICATION_FAILURE",
        "pppoe_no_server": "ERROR_NO_ANSWER",
        "link_down": "ERROR_NO_CARRIER",
    }.get(str(dev.wan_error or ""), "ERROR_NONE")
    show_dns = dev.manual_dns or up
    link = "PON" if dev.rx_dbm is not None else "ETH"
    internet = {
        "Enable": True, "Name": INTERNET_WAN, "IpIfacePath": "IP.Interface.2",
        "X_ZYXEL_Type": "WAN", "X_ZYXEL_SrvName": INTERNET_WAN,
        "X_ZYXEL_IfName": _ifname(dev), "X_ZYXEL_ConnectionType": "IP_Routed",
        "LinkType": link, "Status": "Up" if up else "Down",
        "Encapsulation": "PPPoE" if pppoe else "IPoE", "MACAddress": dev.mac,
        "pppConnectionStatus": _ppp_state(dev),
        "pppoeConnectionUpTime": dev.wan_uptime_s() if pppoe else 0,
        guessed.WAN_LAST_ERROR_FIELD: "ERROR_NONE" if up else last_error,
        "DefaultGateway": True, "v4Gateway": dev.wan_gateway if up else "",
        "IPv4Address": [{"IPAddress": dev.wan_ip, "SubnetMask": _wan_address(dev)[1]}]
        if up else [],
        "dnsv4Server": [{"DNSServer": d} for d in dev.dns] if show_dns else [],
    }  # fmt: skip
    acs = {
        "Enable": True, "Name": ACS_WAN, "IpIfacePath": "IP.Interface.3",
        "X_ZYXEL_Type": "WAN", "X_ZYXEL_SrvName": ACS_WAN, "X_ZYXEL_IfName": "eth4.20",
        "X_ZYXEL_ConnectionType": "IP_Routed", "LinkType": link, "Status": "Up",
        "Encapsulation": "IPoE", "MACAddress": dev.mac, "pppConnectionStatus": "",
        "pppoeConnectionUpTime": 0, guessed.WAN_LAST_ERROR_FIELD: "ERROR_NONE",
        "DefaultGateway": False, "v4Gateway": _ACS_ADDRESS[2],
        "IPv4Address": [{"IPAddress": _ACS_ADDRESS[0], "SubnetMask": _ACS_ADDRESS[1]}],
        "dnsv4Server": [{"DNSServer": "10.200.0.1"}],
    }  # fmt: skip
    lan = {
        "Enable": True, "Name": "LAN", "IpIfacePath": "IP.Interface.1", "X_ZYXEL_Type": "LAN",
        "X_ZYXEL_SrvName": "Default", "X_ZYXEL_IfName": "br0", "Status": "Up",
        "IPv4Address": [{"IPAddress": lan_ip(dev), "SubnetMask": "255.255.255.0"}],
        "dnsv4Server": [], "DHCPStatus": "Server",
    }  # fmt: skip
    return [lan, internet, acs]


def _lan_ports(dev: SimDevice) -> list[dict[str, Any]]:
    """Ethernet.Interface objects, as the GPL status builder copies them."""
    ports: list[dict[str, Any]] = [
        {"Name": f"eth{i}", "X_ZYXEL_LanPort": f"LAN{i + 1}", "Upstream": False,
         "Status": "Up" if i == 0 else "Down"}
        for i in range(4)
    ]  # fmt: skip
    ports.append(
        {"Name": "eth4", "X_ZYXEL_LanPort": "ETHWAN", "Upstream": True,
         "Status": "Up" if dev.wan_up else "Down"}
    )  # fmt: skip
    for port in ports:
        port.update(
            {"Enable": True, "MACAddress": dev.mac, "MaxBitRate": 1000, "DuplexMode": "Full"}
        )
    return ports


def status_object(dev: SimDevice) -> dict[str, Any]:
    wifi = [
        {
            "SSID": o["SSID"], "Enable": o["wlEnable"], "OperatingFrequencyBand": o["band"],
            "Channel": o["channel"], "AutoChannelEnable": o["AutoChannelEnable"],
            "X_ZYXEL_MainSSID": o["MainSSID"], "ModeEnabled": "WPA2-Personal",
            "wifiPassword": o["PskDisplay"],
        }
        for o in wlan_objects(dev)
    ]  # fmt: skip
    uptime = dev.uptime_s()
    obj: dict[str, Any] = {
        "DeviceInfo": {
            "Manufacturer": "Zyxel", "ManufacturerOUI": dev.mac.replace(":", "")[:6],
            "ModelName": dev.model_name, "Description": dev.model_name,
            "ProductClass": dev.model_name, "SerialNumber": dev.serial,
            "HardwareVersion": dev.hardware, "SoftwareVersion": dev.firmware, "UpTime": uptime,
        },
        "SystemInfo": {
            "HostName": dev.model_name, "DomainName": "home",
            "CPUUsage": 3 + uptime % 7, "Total": _MEMORY_KB,
            "Free": _MEMORY_KB // 2 - (uptime % 1000),
        },
        "LanPortInfo": _lan_ports(dev),
        "WanLanInfo": _wan_info(dev),
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
        "cardpage_status": lambda d: [status_object(d)],
        "wan": wan_objects,
        "lan": lan_objects,
        "wlan": wlan_objects,
    }
    if dev.extra.get("status_oid", True):
        views["status"] = lambda d: [status_object(d)]
    view = views.get(oid)
    return view(dev) if view else None
