"""What the simulated ONU shows: JSON objects built from a `SimDevice` on each request.

The common fields of `SimDevice` stay the single source of truth (the lab and tests plant
drift there); this module only renders them the way the firmware does: IPs with
`_point_`, SSID/PSK/PPPoE password fhencrypted, numbers as strings.
"""

from __future__ import annotations

from typing import Any

from cpe.models import Band, WanError
from drivers.fiberhome import guessed
from drivers.fiberhome.crypto import FIXED_KEY, fhencrypt, key_from_acs_random
from drivers.fiberhome.protocol import WIFI_5_KEY, WIFI_24_KEY, encode_ip
from drivers.sim import SimDevice

LAN_MASK = "255.255.255.0"
TR069_IP = "10.83.204.127"
SSIDS_PER_BAND = 4

_LAST_ERROR = {
    None: "ERROR_NONE",
    WanError.CONNECTING: "ERROR_NONE",
    WanError.PPPOE_AUTH: guessed.LAST_ERROR_AUTH,
    WanError.NO_SERVER: guessed.LAST_ERROR_NO_SERVER,
    WanError.LINK_DOWN: guessed.LAST_ERROR_LINK,
    WanError.OTHER: guessed.LAST_ERROR_UNKNOWN,
}


def device_key(dev: SimDevice) -> bytes:
    """The fhencrypt key this unit uses (knob `extra["acs_random"]`)."""
    if dev.extra.get("acs_random"):
        return key_from_acs_random(dev.extra["acs_str"].get_secret_value())
    return FIXED_KEY


def lan_ip(dev: SimDevice) -> str:
    return str(dev.extra.get("lan_ip", "192.168.1.1"))


def lan_is_proxy(dev: SimDevice) -> bool:
    """DHCP hands out the ONU itself (DNS proxy) when lan_dns is just its LAN IP."""
    return not dev.lan_dns or dev.lan_dns == [lan_ip(dev)]


def base_info(dev: SimDevice) -> dict[str, Any]:
    registered = dev.pon_registered
    return {
        "ModelName": dev.model_name,
        "SoftwareVersion": dev.firmware,
        "HardwareVersion": dev.hardware,
        "SerialNumber": dev.serial,
        "Manufacturer": "FiberHome",
        "ManufacturerOUI": "000AC2",
        "uptime": str(dev.uptime_s()),
        "brmac": dev.mac,
        "cpu_usage": "12",
        "mem_total": "524288",
        "mem_free": "356084",
        "WANAccessType": "GPON",
        "pon_reg_state": guessed.PON_REGISTERED if registered else guessed.PON_UNREGISTERED,
        "rxpower": "" if dev.rx_dbm is None else f"{dev.rx_dbm:.2f}",
        "txpower": "" if dev.tx_dbm is None or not registered else f"{dev.tx_dbm:.2f}",
        "transceivertemperature": "41.20",
        "supplyvottage": "3.30",
        "biascurrent": "11.09",
    }


def _connection_status(dev: SimDevice) -> str:
    if dev.wan_up:
        return "Connected"
    return "Connecting" if dev.wan_error is WanError.CONNECTING else "Disconnected"


def internet_wan(dev: SimDevice) -> dict[str, Any]:
    vlan = int(dev.extra.get("vlan", 100))
    kind = dev.wan_type
    up = dev.wan_up
    bridged = kind == "bridge"
    ctype = {"pppoe": "PPPoE_Routed", "bridge": "PPPoE_Bridged"}.get(kind, "IP_Routed")
    addressing = {"pppoe": "PPPOE", "dhcp": "DHCP", "static": "Static"}.get(kind, "")
    dns = ",".join(dev.dns) if (up or dev.manual_dns) else ""
    entry: dict[str, Any] = {
        "wan_index": 1,
        "wan_session_index": 1,
        "iporppp": 2 if kind in ("pppoe", "bridge") else 1,
        "vlanid": str(vlan),
        "VLANEnable": "1",
        "p8021": "0",
        "Enable": "1",
        "Name": f"1_INTERNET_{'B' if bridged else 'R'}_VID_{vlan}",
        "ConnectionType": ctype,
        "ServiceList": "INTERNET",
        "IPMode": "1",
        "mtu": "1492" if kind == "pppoe" else "1500",
        "LanInterface": "dev.eth.1,dev.eth.2,dev.eth.3,dev.eth.4,dev.wla.1,dev.wla.5,",
        "AddressingType": addressing,
        "ExternalIPAddress": encode_ip(dev.wan_ip if up else "0.0.0.0"),  # noqa: S104
        "DNSServers": encode_ip(dns),
        "ConnectionStatus": "Unconfigured" if bridged else _connection_status(dev),
        "MACAddress": dev.mac,
        "Uptime": str(dev.wan_uptime_s()),
        "NATEnabled": "0" if bridged else "1",
        "LastConnectionError": _LAST_ERROR.get(dev.wan_error, guessed.LAST_ERROR_UNKNOWN),
        "DNSOverrideEnable": "1" if dev.manual_dns else "0",
        "DNSOverrideServer": encode_ip(",".join(dev.dns)),
        "IPv6PrefixDelegationEnabled": "0",
        "IPv6IPAddressOrigin": "DHCPv6",
        "Dslite_Enable": "0",
    }
    if kind == "pppoe":
        entry.update(
            RemoteIPAddress=encode_ip(dev.wan_gateway if up else "0.0.0.0"),  # noqa: S104
            Username=dev.pppoe_user,
            Password=fhencrypt(dev.pppoe_password, device_key(dev)),
            ConnectionTrigger="AlwaysOn",
            pppProxyEnable="0",
            pppToBridge="Disabled",
            X_FH_AutoConnection="0",
            PPPoEServiceName="",
        )
    return entry


def tr069_wan() -> dict[str, Any]:
    return {
        "wan_index": 2, "wan_session_index": 1, "iporppp": 1, "vlanid": "126",
        "VLANEnable": "1", "p8021": "1", "Enable": "1", "Name": "2_TR069_R_VID_126",
        "ConnectionType": "IP_Routed", "ServiceList": "TR069", "IPMode": "1", "mtu": "1500",
        "LanInterface": "", "AddressingType": "DHCP",
        "ExternalIPAddress": encode_ip(TR069_IP), "ConnectionStatus": "Connected",
        "DNSServers": encode_ip("10.83.0.53"), "NATEnabled": "0",
        "LastConnectionError": "ERROR_NONE", "DNSOverrideEnable": "0",
        "DNSOverrideServer": encode_ip("10.83.0.53"),
    }


def all_wan(dev: SimDevice) -> dict[str, Any]:
    return {
        "tr69wan_modify": 0,
        "pon_type": "GPON",
        "wan": [internet_wan(dev), tr069_wan()],
        "wifi_port_num": 8,
    }


def _wifi_entry(ssid: str, psk: str, enabled: bool, key: bytes) -> dict[str, Any]:
    return {
        "SSID": fhencrypt(ssid, key),
        "Enable": "1" if enabled else "0",
        "BeaconType": "11i",
        "BasicAuthenticationMode": "",
        "WPAEncryptionModes": "AESEncryption",
        "PreSharedKey": fhencrypt(psk, key),
        "X_FH_SSIDHide": "1",
        "X_FH_WPARekeyInterval": "86400",
        "RadioEnabled": "1",
        "Channel": "0",
        "ConfigActive": "1",
    }


def wifi_status(dev: SimDevice, band: Band) -> dict[str, Any]:
    """The band's SSID list: the main SSID, then the (disabled) extra ones."""
    main = dev.wifi.get(band)
    key_name = WIFI_24_KEY if band is Band.GHZ_2_4 else WIFI_5_KEY
    if main is None:
        return {key_name: []}
    key = device_key(dev)
    first = 1 if band is Band.GHZ_2_4 else guessed.WIFI_5G_FIRST_INDEX
    extras: dict[int, tuple[str, str, bool]] = dev.extra.get("extra_ssids", {})
    entries = []
    for n in range(SSIDS_PER_BAND):
        index = first + n
        if n == 0:
            entry = _wifi_entry(main.ssid, main.psk, main.enabled, key)
        else:
            default = (f"{main.ssid}_ssid{n + 1}", dev.serial[-8:], False)
            entry = _wifi_entry(*extras.get(index, default), key)
        if band is Band.GHZ_5:
            entry["index"] = index  # the 5 GHz list carries it [C JS]
        entries.append(entry)
    return {key_name: entries}


def lan_ipv4(dev: SimDevice) -> dict[str, Any]:
    ip = lan_ip(dev)
    prefix = ip.rsplit(".", 1)[0]
    proxy = lan_is_proxy(dev)
    return {
        guessed.LAN_READ_KEY: {
            "IPInterfaceIPAddress": encode_ip(ip),
            "IPInterfaceSubnetMask": encode_ip(LAN_MASK),
            "MinAddress": encode_ip(f"{prefix}.2"),
            "MaxAddress": encode_ip(f"{prefix}.254"),
            "SubnetMask": encode_ip(LAN_MASK),
            "DHCPLeaseTime": "86400",
            "DHCPServerEnable": "1",
            "DNSProxyEnable": "1" if proxy else "0",
            "DNSManualEnable": "0" if proxy else "1",
            "DNSServers": "" if proxy else encode_ip(",".join(dev.lan_dns)),
        }
    }
