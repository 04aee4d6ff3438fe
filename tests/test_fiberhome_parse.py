"""Parsing real-shaped Fiberhome answers (fixture folders) and building write forms."""

from __future__ import annotations

import json
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest

from cpe.models import Band, WanError
from drivers.fiberhome import forms, parse
from drivers.fiberhome.crypto import FIXED_KEY, fhencrypt

FIXTURES = Path(__file__).resolve().parents[1] / "drivers" / "fiberhome" / "fixtures"


def _cases(method: str) -> list[Path]:
    return sorted(p for p in (FIXTURES / method).iterdir() if p.is_dir())


def _load(case: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        json.loads((case / "response.json").read_text()),
        json.loads((case / "expected.json").read_text()),
    )


@pytest.mark.parametrize("case", _cases("get_allwan_info"), ids=lambda p: p.name)
def test_allwan_fixtures(case: Path) -> None:
    raw, expected = _load(case)
    entry = parse.internet_wan(parse.wan_list(raw))
    assert entry is not None
    assert parse.wan_status(entry, True).model_dump(mode="json") == expected["wan"]
    assert [str(ip) for ip in parse.wan_dns(entry)] == expected["dns"]
    form = forms.wan_modify(
        entry, wpd=str(entry["Password"]), dns=[IPv4Address("1.1.1.1"), IPv4Address("1.0.0.1")]
    )
    assert form == expected["wan_modify"]


@pytest.mark.parametrize("case", _cases("get_base_info"), ids=lambda p: p.name)
def test_base_info_fixtures(case: Path) -> None:
    raw, expected = _load(case)
    optical = parse.optical(raw)
    assert optical is not None and optical.model_dump() == expected["optical"]
    assert parse.to_int(raw["uptime"]) == expected["uptime_s"]
    assert raw["SoftwareVersion"] == expected["firmware"]


def test_internet_wan_prefers_routed_pppoe_and_decodes_points() -> None:
    wans: list[dict[str, Any]] = [
        {"ServiceList": "TR069", "AddressingType": "DHCP", "ConnectionType": "IP_Routed"},
        {"ServiceList": "INTERNET", "ConnectionType": "PPPoE_Bridged", "iporppp": 2},
        {"ServiceList": "TR069,INTERNET", "AddressingType": "PPPoE",
         "ConnectionType": "PPPoE_Routed", "ConnectionStatus": "Connected",
         "ExternalIPAddress": "100_point_64_point_9_point_9", "Username": "u1",
         "DNSOverrideEnable": "1", "DNSOverrideServer": "1_point_1_point_1_point_1"},
    ]
    entry = parse.internet_wan(wans)
    assert entry is wans[2]
    st = parse.wan_status(entry, True)
    assert st.up and st.ip == IPv4Address("100.64.9.9") and st.pppoe_username == "u1"
    assert parse.wan_dns(entry) == (IPv4Address("1.1.1.1"),)
    assert parse.internet_wan(wans[:1]) is None


@pytest.mark.parametrize(
    ("status", "last", "pon", "error"),
    [
        ("Disconnected", "ERROR_AUTHENTICATION_FAILURE", True, WanError.PPPOE_AUTH),
        ("Disconnected", "ERROR_ISP_TIME_OUT", True, WanError.NO_SERVER),
        ("Connecting", "ERROR_NONE", True, WanError.CONNECTING),
        ("Disconnected", "ERROR_WHATEVER", True, WanError.OTHER),
        ("Connected", "ERROR_NONE", False, WanError.LINK_DOWN),
    ],
)
def test_wan_down_reasons(status: str, last: str, pon: bool, error: WanError) -> None:
    entry = {"ServiceList": "INTERNET", "AddressingType": "PPPOE", "Username": "u",
             "ConnectionStatus": status, "LastConnectionError": last}
    st = parse.wan_status(entry, pon)
    assert st.up is False and st.error is error


def test_lan_dns_modes() -> None:
    wan = (IPv4Address("9.9.9.9"),)
    proxy = {"DNSProxyEnable": "1", "IPInterfaceIPAddress": "192_point_168_point_1_point_1"}
    static = {"DNSProxyEnable": "0", "DNSManualEnable": "1",
              "DNSServers": "1_point_1_point_1_point_1,1_point_0_point_0_point_1"}
    assert parse.lan_dns(proxy, wan) == (IPv4Address("192.168.1.1"),)
    assert [str(i) for i in parse.lan_dns(static, wan)] == ["1.1.1.1", "1.0.0.1"]
    assert parse.lan_dns({"DNSProxyEnable": "0", "DNSManualEnable": "0"}, wan) == wan
    assert parse.lan_dns(None, wan) == ()


def test_wifi_indexes_follow_the_page_js() -> None:
    e = {"SSID": fhencrypt("Casa", FIXED_KEY), "PreSharedKey": fhencrypt("k" * 8, FIXED_KEY)}
    two = parse.wifi_entries({"wifi_status": [e, e]}, Band.GHZ_2_4)
    five = parse.wifi_entries({"wifi_status5g": [{**e, "index": 5}, {**e, "index": 6}]},
                              Band.GHZ_5)
    assert [i for i, _ in two] == [1, 2] and [i for i, _ in five] == [5, 6]
    net = parse.wifi_network(Band.GHZ_5, five[0][1], FIXED_KEY)
    assert net.ssid == "Casa" and net.passphrase is not None
    assert "k" * 8 not in net.model_dump_json() and "k" * 8 not in repr(net)


def test_lan_form_needs_every_current_field() -> None:
    with pytest.raises(KeyError):
        forms.set_ipv4_lan({"IPInterfaceIPAddress": "192.168.1.1"}, [], None)
