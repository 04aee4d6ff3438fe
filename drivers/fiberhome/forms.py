"""The write forms, rebuilt from what the ONU just showed (read-modify-write).

Field names follow the firmware's page JS [C] (WAN: broadband page `saveApply`; LAN:
`set_ipv4_lan`; Wi-Fi: `setWlanAdvancedCfg(_5G)`); variants are in `guessed.py`.
Values that hold secrets arrive here already fhencrypted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from ipaddress import IPv4Address
from typing import Any

from drivers.fiberhome import guessed
from drivers.fiberhome.parse import connection_type, flag
from drivers.fiberhome.protocol import decode_ip

Entry = Mapping[str, Any]

# WAN entry fields re-sent as they are when present (IPv6 and binding settings).
_KEEP_WAN = (
    "IPv6PrefixDelegationEnabled",
    "IPv6PrefixOrigin",
    "IPv6IPAddressOrigin",
    "Dslite_Enable",
)

_LAN_FIELDS = (
    "IPInterfaceIPAddress",
    "IPInterfaceSubnetMask",
    "MinAddress",
    "MaxAddress",
    "SubnetMask",
    "DHCPLeaseTime",
    "DHCPServerEnable",
)


def _s(value: object, default: str = "") -> str:
    return default if value is None or value == "" else str(value)


def dns_value(servers: Sequence[IPv4Address]) -> str:
    return ",".join(str(s) for s in servers)


def wan_modify(
    entry: Entry,
    *,
    username: str | None = None,
    wpd: str | None = None,
    dns: Sequence[IPv4Address] | None = None,
    token: str | None = None,
) -> dict[str, str]:
    """`wan_modify` for one existing WAN, re-sending the whole entry.

    `wpd` is the fhencrypted PPPoE password: the new one, or the entry's own `Password`
    (the ONU shows it fhencrypted under the same key) so that a DNS change keeps it.
    """
    idx, sess = _s(entry.get("wan_index")), _s(entry.get("wan_session_index"), "1")
    pppoe = connection_type(entry) == "pppoe"
    form: dict[str, str] = {
        "wan_index": idx,
        "wan_session_index": sess,
        "wan_iporppp_old": _s(entry.get("iporppp"), "2" if pppoe else "1"),
        "wan_iporppp_new": "2" if pppoe else "1",
        "wan_name": f"{idx}_{sess}",
        guessed.WAN_NAME_OLD_FIELD: _s(entry.get("Name")),
        "ConnectionType": "PPPoE_Routed" if pppoe else _s(entry.get("ConnectionType")),
        "ServiceList": _s(entry.get("ServiceList"), "INTERNET"),
        "IPMode": _s(entry.get("IPMode"), "1"),
        "mtu": _s(entry.get("mtu"), "1492" if pppoe else "1500"),
        guessed.VLAN_ENABLE_FIELDS[0]: _s(
            entry.get("VLANEnable", entry.get("VLANEnabled")), "1"
        ),
        "vlanid": _s(entry.get("vlanid"), "0"),
        "p8021": _s(entry.get("p8021"), "0"),
        "LanInterface": _s(entry.get("LanInterface")),
        "AddressingType": "PPPoE" if pppoe else _s(entry.get("AddressingType")),
        "NATEnabled": "1",
    }
    for key in _KEEP_WAN:
        if key in entry:
            form[key] = _s(entry.get(key))
    if pppoe:
        form["Username"] = username if username is not None else _s(entry.get("Username"))
        form[guessed.PPPOE_PASSWORD_FIELDS[0]] = wpd if wpd is not None else ""
        form["ConnectionTrigger"] = "AlwaysOn"
        form["pppProxyEnable"] = "1" if flag(entry.get("pppProxyEnable")) else "0"
        form["pppToBridge"] = "0"
    if dns is not None:
        form["DnsOverrideEnable"] = "1"
        form["DNSOverrideServer"] = dns_value(dns)
    elif "DNSOverrideEnable" in entry:
        # Keep the override as it is (the read field is DNSOverrideEnable, the post
        # field DnsOverrideEnable [C JS]).
        keep = flag(entry.get("DNSOverrideEnable"))
        form["DnsOverrideEnable"] = "1" if keep else "0"
        if keep:
            form["DNSOverrideServer"] = decode_ip(entry.get("DNSOverrideServer"))
    if token:
        form["token"] = token
    return form


def set_ipv4_lan(lan: Entry, dns: Sequence[IPv4Address], token: str | None) -> dict[str, str]:
    """`set_ipv4_lan` with the current LAN fields and static DHCP DNS servers.

    KeyError when the LAN object lacks a field: a partial form could wipe the DHCP pool.
    """
    form = {key: decode_ip(lan[key]) for key in _LAN_FIELDS}
    form.update(
        DNSProxyEnable="0", DNSManualEnable="1", DNSServers=dns_value(dns), ipchange="0"
    )
    if token:
        form["token"] = token
    return form


def set_wlan(
    index: int, entry: Entry, *, ssid_enc: str, psk_enc: str, token: str | None
) -> dict[str, str]:
    """`setWlanAdvancedCfg(_5G)` for one SSID: WPA2-PSK/AES, other settings kept."""
    form = {
        "wifiIndex": str(index),
        "Enable": _s(entry.get("Enable"), "1"),
        "SSID": ssid_enc,
        # The UI sends 1 for a visible SSID [P]; keep what the unit has.
        "X_FH_SSIDHide": _s(entry.get("X_FH_SSIDHide"), "1"),
        "BeaconType": "11i",
        "WPAEncryptionModes": "AESEncryption",
        "PreSharedKey": psk_enc,
        "X_FH_WPARekeyInterval": _s(entry.get("X_FH_WPARekeyInterval"), "86400"),
    }
    if token:
        form["token"] = token
    return form
