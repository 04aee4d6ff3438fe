"""ZTE ThinkLua codecs without the network: encoded fields both ways, the `Check` signature,
keys in page JS, the XML document, and status mapping from device-shaped XML."""

from __future__ import annotations

from ipaddress import IPv4Address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpe.models import Band, WanError
from drivers.zte import ajax, sim_pages, status
from drivers.zte import guessed as g
from drivers.zte.crypto import (
    CryptoError,
    FieldCipher,
    check_header,
    check_matches,
    decode_read_value,
    encode_read_value,
    js_hex_escape,
    js_hex_unescape,
    public_key_from_js,
    random_digits,
)
from drivers.zte.sim_objects import NO_ADDR
from drivers.zte.simulator import _decode_fields, sim_private_key, sim_public_pem

PUB = sim_private_key().public_key()
values = st.text(min_size=1, max_size=70).filter(lambda v: not v.endswith("\0"))


# --- encoded fields ---------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(value=values, token=st.text(alphabet="0123456789", min_size=8, max_size=24))
def test_device_encoded_read_decodes_with_the_session_token(value: str, token: str) -> None:
    # Simulator side encodes as the firmware does; driver side decodes.
    assert decode_read_value(encode_read_value(value, token), token) == value


def test_read_value_needs_the_current_token() -> None:
    token = random_digits(16)
    encoded = encode_read_value("cliente.teste@seja", token)
    stale = token[:-1] + str((int(token[-1]) + 1) % 10)
    try:
        assert decode_read_value(encoded, stale) != "cliente.teste@seja"
    except CryptoError:
        pass  # also fine: garbage that is not text


def test_zero_padding_matches_the_firmware() -> None:
    token = "1234567890123456"
    aligned = "x" * 16  # zero padding adds no block when already aligned
    assert len(ajax_b64_bytes(encode_read_value(aligned, token))) == 16
    assert len(ajax_b64_bytes(encode_read_value("x" * 17, token))) == 32
    with pytest.raises(CryptoError):
        decode_read_value("not base64!", token)
    with pytest.raises(CryptoError):
        decode_read_value("QUJD", token)  # 3 bytes: not whole AES blocks


def ajax_b64_bytes(text: str) -> bytes:
    import base64

    return base64.b64decode(text)


@settings(max_examples=25, deadline=None)
@given(psk=values, dns=st.ip_addresses(v=4).map(str))
def test_driver_encoded_write_decodes_in_the_simulator(psk: str, dns: str) -> None:
    cipher = FieldCipher.fresh()
    form = {
        "ESSID": "Casa",  # not an encoded field: must pass through untouched
        "KeyPassphrase": cipher.encrypt(psk),
        "encode": cipher.wrap(PUB),
    }
    assert _decode_fields(g.MOD_WLAN, dict(form)) == {"ESSID": "Casa", "KeyPassphrase": psk}
    dhcp = {"DNSServer1": cipher.encrypt(dns), "encode": cipher.wrap(PUB)}
    assert _decode_fields(g.MOD_LAN_DHCP, dhcp) == {"DNSServer1": dns}


def test_simulator_rejects_a_wrong_field_key() -> None:
    good, other = FieldCipher.fresh(), FieldCipher.fresh()
    form = {"KeyPassphrase": other.encrypt("segredo-123"), "encode": good.wrap(PUB)}
    assert _decode_fields(g.MOD_WLAN, form) == "KeyPassphrase"
    assert _decode_fields(g.MOD_WLAN, {"encode": "bm90LXJzYQ=="}) == "encode"


def test_without_encode_values_are_plaintext() -> None:
    assert _decode_fields(g.MOD_WLAN, {"KeyPassphrase": "plain-psk-1"}) == {
        "KeyPassphrase": "plain-psk-1"
    }


def test_field_cipher_repr_hides_the_keys() -> None:
    cipher = FieldCipher("1111222233334444", "5555666677778888")
    assert "1111" not in repr(cipher) and "5555" not in repr(cipher)


# --- Check header ---------------------------------------------------------------------------


def test_check_header_covers_the_exact_body() -> None:
    body = b"IF_ACTION=Apply&_InstID=DEV.WIFI.AP1&ESSID=Casa&_sessionTOKEN=123"
    header = check_header(PUB, body)
    assert check_matches(sim_private_key(), header, body)
    assert not check_matches(sim_private_key(), header, body.replace(b"Casa", b"Cas4"))
    assert not check_matches(sim_private_key(), header, body + b"&x=1")
    assert not check_matches(sim_private_key(), "bm90LXJzYQ==", body)
    assert not check_matches(sim_private_key(), "%%%", body)


# --- keys and tokens in pages ------------------------------------------------------------------


def test_public_key_is_read_from_the_menu_view_page() -> None:
    page = sim_pages.menu_view_page("wlanBasic", "1234", sim_public_pem())
    assert public_key_from_js(page).public_numbers() == PUB.public_numbers()


def test_public_key_survives_other_js_layouts() -> None:
    lines = sim_public_pem().strip().splitlines()
    concatenated = " +\n".join(f'"{line}\\n"' for line in lines)
    script = f"function asyEncode(str) {{ var pubKey = {concatenated}; return 1; }}"
    assert public_key_from_js(script).public_numbers() == PUB.public_numbers()
    raw = "function asyEncode(s){var k = `" + sim_public_pem() + "`;}"
    assert public_key_from_js(raw).public_numbers() == PUB.public_numbers()
    with pytest.raises(CryptoError):
        public_key_from_js("function asyEncode(s){ return s; }")


def test_tmp_token_hex_escapes_round_trip() -> None:
    token = random_digits(16)
    escaped = js_hex_escape(token)
    assert escaped.startswith("\\x3") and token not in escaped
    assert js_hex_unescape(escaped) == token


# --- the XML document -------------------------------------------------------------------------


def test_reply_round_trip_keeps_order_case_and_spaces() -> None:
    text = ajax.build_reply(
        [
            (g.OBJ_DHCP, [{"_InstID": "IGD", "IPAddr": "192.168.1.1", "DNSServer1": ""}]),
            (g.OBJ_WLANAP, [{"_InstID": "DEV.WIFI.AP1", "ESSID": "Casa da Ana & Cia <5G>"}]),
        ],
        encode=("DNSServer1", "DNSServer2"),
    )
    assert "&#32;" in text
    reply = ajax.parse_reply(text)
    assert reply.ok and reply.errorid == 0
    assert reply.first(g.OBJ_DHCP) == {"_InstID": "IGD", "IPAddr": "192.168.1.1", "DNSServer1": ""}
    assert reply.first(g.OBJ_WLANAP)["ESSID"] == "Casa da Ana & Cia <5G>"
    assert reply.encoded == {"DNSServer1", "DNSServer2"}


def test_error_reply_and_garbage() -> None:
    reply = ajax.parse_reply(ajax.build_reply(errorstr="SessionTimeout", errorid=-1))
    assert reply.session_timeout and not reply.ok
    with pytest.raises(ValueError):
        ajax.parse_reply("\x00\xff<html><body>%$#")
    with pytest.raises(ValueError):
        ajax.parse_reply("<ajax_response_xml_root><OBJ_X_ID/></ajax_response_xml_root>")
    assert ajax.parse_root_text(ajax.build_root_text("12345678")) == "12345678"


# --- status mapping from device-shaped XML ----------------------------------------------------

# Shaped after a public capture of wan_internetstatus_lua.lua (zte_tracker's notes), with our
# own values: a combined INTERNET_TR069_VOIP DHCP WAN plus a multicast one.
WAN_DHCP = """<ajax_response_xml_root>
<IF_ERRORPARAM>SUCC</IF_ERRORPARAM><IF_ERRORTYPE>SUCC</IF_ERRORTYPE>
<IF_ERRORSTR>SUCC</IF_ERRORSTR><IF_ERRORID>0</IF_ERRORID>
<ID_WAN_COMFIG>
 <Instance>
  <ParaName>_InstID</ParaName><ParaValue>DEV.IP.IF4</ParaValue>
  <ParaName>WANCName</ParaName><ParaValue>WAN_multicast</ParaValue>
  <ParaName>StrServList</ParaName><ParaValue>OTHER</ParaValue>
  <ParaName>ConnStatus</ParaName><ParaValue>Connected</ParaValue>
  <ParaName>IPAddress</ParaName><ParaValue>0.0.0.0</ParaValue>
 </Instance>
 <Instance>
  <ParaName>_InstID</ParaName><ParaValue>DEV.IP.IF3</ParaValue>
  <ParaName>ConnError</ParaName><ParaValue>ERROR_NONE</ParaValue>
  <ParaName>DNS3</ParaName><ParaValue>0.0.0.0</ParaValue>
  <ParaName>wantype</ParaName><ParaValue>dhcp/static</ParaValue>
  <ParaName>WANCName</ParaName><ParaValue>WAN_internet</ParaValue>
  <ParaName>linkMode</ParaName><ParaValue>IP</ParaValue>
  <ParaName>mode</ParaName><ParaValue>route</ParaValue>
  <ParaName>DNS1</ParaName><ParaValue>200.200.1.1</ParaValue>
  <ParaName>IPAddress</ParaName><ParaValue>177.10.20.30</ParaValue>
  <ParaName>DNS2</ParaName><ParaValue>200.200.2.2</ParaValue>
  <ParaName>Addressingtype</ParaName><ParaValue>DHCP</ParaValue>
  <ParaName>StrServList</ParaName><ParaValue>INTERNET_TR069_VOIP</ParaValue>
  <ParaName>ConnStatus</ParaName><ParaValue>Connected</ParaValue>
 </Instance>
</ID_WAN_COMFIG>
</ajax_response_xml_root>"""


def test_wan_status_picks_the_internet_connection() -> None:
    wan, dns = status.wan_status(ajax.parse_reply(WAN_DHCP))
    assert wan.up and wan.connection_type == "dhcp"
    assert wan.ip == IPv4Address("177.10.20.30")
    assert wan.pppoe_username is None and wan.error is None
    assert dns == (IPv4Address("200.200.1.1"), IPv4Address("200.200.2.2"))


@pytest.mark.parametrize(
    ("conn", "code", "expected"),
    [
        ("Disconnected", "ERROR_AUTHENTICATION_FAILURE", WanError.PPPOE_AUTH),
        ("Disconnected", "ERROR_ISP_TIME_OUT", WanError.NO_SERVER),
        ("Disconnected", "ERROR_NO_CARRIER", WanError.LINK_DOWN),
        ("Connecting", "ERROR_NONE", WanError.CONNECTING),
        ("Disconnected", "ERROR_SOMETHING_NEW", WanError.OTHER),
    ],
)
def test_conn_error_mapping(conn: str, code: str, expected: WanError) -> None:
    text = ajax.build_reply([(g.OBJ_WAN, [{
        "_InstID": "DEV.IP.IF3", "StrServList": "INTERNET", "linkMode": "PPP", "mode": "route",
        "ConnStatus": conn, "ConnError": code, "IPAddress": NO_ADDR, "UserName": "ana",
    }])])
    wan, dns = status.wan_status(ajax.parse_reply(text))
    assert not wan.up and wan.error is expected and wan.ip is None and dns == ()
    assert wan.pppoe_username == "ana" and wan.connection_type == "pppoe"


def test_wifi_bands_come_from_the_radios() -> None:
    text = ajax.build_reply([
        (g.OBJ_WLANSETTING, [
            {"_InstID": "DEV.WIFI.RD1", "Band": "2.4GHz"},
            {"_InstID": "DEV.WIFI.RD2", "Band": "5GHz"},
        ]),
        (g.OBJ_WLANAP, [
            {"_InstID": "DEV.WIFI.AP6", "ESSID": "guest-5", "Enable": "0"},
            {"_InstID": "DEV.WIFI.AP5", "ESSID": "Casa-5G", "Enable": "1"},
            {"_InstID": "DEV.WIFI.AP2", "ESSID": "guest", "Enable": "0"},
            {"_InstID": "DEV.WIFI.AP1", "ESSID": "Casa", "Enable": "1"},
        ]),
        (g.OBJ_WLANPSK, [{"_InstID": "DEV.WIFI.AP1.PSK1", "KeyPassphrase": "k-24-secret"}]),
    ])
    nets = status.wifi(ajax.parse_reply(text))
    assert [(n.band, n.ssid) for n in nets] == [(Band.GHZ_2_4, "Casa"), (Band.GHZ_5, "Casa-5G")]
    assert nets[0].passphrase is not None
    assert nets[0].passphrase.get_secret_value() == "k-24-secret"
    assert "k-24-secret" not in repr(nets) and nets[1].passphrase is None


def test_optical_and_dns_pages() -> None:
    opt = ajax.parse_reply(ajax.build_reply([
        (g.OBJ_OPTICAL, [{"RxPower": "-19.3021", "TxPower": "2.2", "Temp": "45"}]),
        (g.OBJ_REGSTATUS, [{"RegStatus": "O1"}]),
    ]))
    power = status.optical(opt)
    assert power is not None and power.rx_dbm == pytest.approx(-19.3021)
    assert power.tx_dbm == pytest.approx(2.2) and power.registered is False
    unset = ajax.parse_reply(ajax.build_reply([(g.OBJ_DNS, [{"SerIPAddress1": ""}])]))
    wan_dns = (IPv4Address("200.200.1.1"),)
    assert status.resolver_dns(unset, wan_dns) == wan_dns
    proxy = ajax.parse_reply(ajax.build_reply([(g.OBJ_DHCP, [{
        "IPAddr": "192.168.1.1", "DnsServerSource": g.DNS_SOURCE_PROXY,
    }])]))
    assert status.lan_dns(proxy, wan_dns) == (IPv4Address("192.168.1.1"),)
