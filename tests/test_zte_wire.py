"""The simulated ZTE over real loopback sockets, driven step by step with a raw client (not
the driver), so each protocol rule is checked on its own: rolling tokens, the refresh only
some firmware wants, the menuView page context, the `Check` signature, `_sessionTOKEN`
last, lockout, and the legacy `.gch` face."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from cpe.models import Band
from drivers.sim import SimDevice, SimRunner
from drivers.zte import ajax
from drivers.zte import guessed as g
from drivers.zte.ajax import AjaxReply
from drivers.zte.crypto import (
    FieldCipher,
    check_header,
    decode_read_value,
    js_hex_unescape,
    public_key_from_js,
)
from drivers.zte.simulator import ZteFamily
from tests.conformance.harness import ADMIN_PASSWORD, Harness, rig

ENTRY = "/?_type=loginData&_tag=login_entry"
NONCE = "/?_type=loginData&_tag=login_token"
H = Harness(id="zte-onu", model="zte-onu", garbage_content_type="text/xml")


class Raw:
    """A browser reduced to the calls the firmware's JS makes."""

    def __init__(self, host: str, port: int) -> None:
        self.base = f"http://{host}:{port}"
        self.s = requests.Session()
        self.s.trust_env = False
        self.token = ""
        self.pub: rsa.RSAPublicKey | None = None

    def get(self, path: str) -> requests.Response:
        return self.s.get(self.base + path, timeout=5)

    def post(self, path: str, body: bytes, **headers: str) -> requests.Response:
        hdrs = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8", **headers}
        return self.s.post(self.base + path, data=body, headers=hdrs, timeout=5)

    def entry(self) -> dict[str, object]:
        body = self.get(ENTRY).json()
        assert isinstance(body, dict)
        self.token = str(body["sess_token"])
        return body

    def login_post(self, password: str, token: str) -> dict[str, object]:
        nonce = ajax.parse_root_text(self.get(NONCE).text)
        digest = hashlib.sha256((password + nonce).encode()).hexdigest()
        form = {"action": "login", "Username": "admin", "Password": digest, "_sessionTOKEN": token}
        reply = self.post(ENTRY, urlencode(form).encode()).json()
        assert isinstance(reply, dict)
        return reply

    def login(self, password: str = ADMIN_PASSWORD, *, refresh: bool = True) -> None:
        self.get("/")
        self.entry()
        assert self.login_post(password, self.token).get("login_need_refresh") is True
        if refresh:
            self.get("/")

    def view(self, page: str) -> str:
        html = self.get(f"/?_type=menuView&_tag={page}&Menu3Location=0").text
        start = html.index('_sessionTmpToken = "') + len('_sessionTmpToken = "')
        self.token = js_hex_unescape(html[start:html.index('"', start)])
        self.pub = public_key_from_js(html)
        return html

    def data(self, module: str, query: str = "") -> AjaxReply:
        extra = f"&{query}" if query else ""
        return ajax.parse_reply(self.get(f"/?_type=menuData&_tag={module}{extra}&_=1").text)

    def body(self, inst: str, fields: list[tuple[str, str]], token: str | None = None) -> bytes:
        pairs = [("IF_ACTION", "Apply"), ("_InstID", inst), *fields]
        pairs.append(("_sessionTOKEN", self.token if token is None else token))
        return urlencode(pairs).encode()

    def apply(self, module: str, body: bytes, check: str | None = None) -> requests.Response:
        assert self.pub is not None
        headers = {"Check": check if check is not None else check_header(self.pub, body)}
        return self.post(f"/?_type=menuData&_tag={module}", body, **headers)


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


@pytest.fixture
def unit(runner: SimRunner) -> Iterator[tuple[SimDevice, Raw]]:
    with rig(H, runner) as made:
        yield made.device, Raw(made.host, made.port)


def _dns_fields(first: str) -> list[tuple[str, str]]:
    return [("SerIPAddress1", first), ("SerIPAddress2", "1.0.0.1"), ("DomainName", "lan")]


# --- login ------------------------------------------------------------------------------------


def test_root_hands_out_cookies_and_the_lock_threshold(unit: tuple[SimDevice, Raw]) -> None:
    dev, raw = unit
    page = raw.get("/")
    assert {"SID", "_TESTCOOKIESUPPORT"} <= set(raw.s.cookies.keys())
    assert len(raw.s.cookies["SID"]) == 64
    assert f"timeOutHint.format({dev.knobs.lock_threshold},lockingTime)" in page.text
    assert g.GCH_MARKER not in page.text


def test_sess_token_rotates_and_a_stale_one_fails(unit: tuple[SimDevice, Raw]) -> None:
    dev, raw = unit
    raw.get("/")
    first = str(raw.entry()["sess_token"])
    second = str(raw.entry()["sess_token"])
    assert first != second and len(first) == g.SESS_TOKEN_DIGITS
    reply = raw.login_post(ADMIN_PASSWORD, first)  # right password, stale token
    assert reply.get("login_need_refresh") is None
    assert reply["lockingTime"] == -1
    assert any(m in str(reply["loginErrMsg"]).lower() for m in g.EXPIRED_MARKERS)
    assert dev.counters.failed_logins == 0 and dev.counters.logins == 0
    # The refusal handed out the next token: with it the same password works.
    ok = raw.login_post(ADMIN_PASSWORD, str(reply["sess_token"]))
    assert ok.get("login_need_refresh") is True and dev.counters.logins == 1


def test_login_needs_the_cookie(unit: tuple[SimDevice, Raw]) -> None:
    dev, raw = unit
    token = str(raw.entry()["sess_token"])
    raw.s.cookies.clear()
    reply = raw.login_post(ADMIN_PASSWORD, token)
    assert reply.get("login_need_refresh") is None and dev.counters.logins == 0


def test_login_sets_a_new_sid(unit: tuple[SimDevice, Raw]) -> None:
    _, raw = unit
    raw.get("/")
    before = raw.s.cookies["SID"]
    raw.login()
    assert raw.s.cookies["SID"] != before


def test_wrong_passwords_lock_after_the_threshold(unit: tuple[SimDevice, Raw]) -> None:
    dev, raw = unit
    raw.get("/")
    for _ in range(g.LOCK_THRESHOLD):
        raw.entry()
        reply = raw.login_post("errada", raw.token)
        assert reply["lockingTime"] == -1 and reply["loginErrMsg"]
    assert 0 < int(str(raw.entry()["lockingTime"])) <= g.LOCK_SECONDS
    raw.entry()
    locked = raw.login_post(ADMIN_PASSWORD, raw.token)  # even the right one now
    assert int(str(locked["lockingTime"])) > 0 and locked.get("login_need_refresh") is None
    assert dev.counters.lockouts_caused == 1 and dev.counters.logins == 0


# --- session and page context ---------------------------------------------------------------------


def test_data_calls_need_no_refresh_like_f6640_units(unit: tuple[SimDevice, Raw]) -> None:
    # juacas/zte_tracker goes from login_need_refresh straight to menuView on F6640/H288A.
    _, raw = unit
    raw.login(refresh=False)
    raw.view(g.PAGE_DNS)
    assert raw.data(g.MOD_DNS).ok


def test_activate_profile_wants_the_prompt_cancelled_then_a_reload(
    unit: tuple[SimDevice, Raw],
) -> None:
    dev, raw = unit
    ZteFamily.apply_profile(dev, "thinklua-activate")
    raw.login(refresh=False)
    html = raw.get(f"/?_type=menuView&_tag={g.PAGE_DNS}&Menu3Location=0").text
    assert "_sessionTmpToken" not in html  # the login page again
    assert raw.data(g.MOD_DNS).session_timeout
    prompt = raw.get("/").text
    assert g.TAG_CHANGEPWD in prompt and g.CHANGEPWD_PAGE_TOKEN in prompt
    assert raw.data(g.MOD_DNS).session_timeout  # the prompt does not activate anything
    # cmocan's client: the constant token from the page JS, not the rolling one.
    cancel = {"action": "changepwd_cancel", "Password": "", "Username": "admin",
              "NewPassword": "", "_sessionTOKEN": g.CHANGEPWD_PAGE_TOKEN, "encode": ""}
    answer = raw.post(f"/?_type=loginData&_tag={g.TAG_CHANGEPWD}", urlencode(cancel).encode())
    assert answer.json().get("login_need_refresh") is True
    assert g.TAG_CHANGEPWD not in raw.get("/").text  # the reload activates the session
    raw.view(g.PAGE_DNS)
    assert raw.data(g.MOD_DNS).ok


def test_rsa4096_profile_carries_a_4096_bit_key(unit: tuple[SimDevice, Raw]) -> None:
    dev, raw = unit
    ZteFamily.apply_profile(dev, "thinklua-rsa4096")
    raw.login()
    raw.view(g.PAGE_DNS)
    assert raw.pub is not None and raw.pub.key_size == 4096
    body = raw.body(g.DNS_INST, _dns_fields("1.1.1.1"))
    assert raw.apply(g.MOD_DNS, body).status_code == 200
    assert dev.dns[0] == "1.1.1.1"


def test_menu_data_needs_its_menu_view(unit: tuple[SimDevice, Raw]) -> None:
    _, raw = unit
    raw.login()
    assert raw.data(g.MOD_STATUS).session_timeout  # no menuView at all
    raw.view(g.PAGE_WLAN)
    assert raw.data(g.MOD_STATUS).session_timeout  # another page's context
    raw.view(g.PAGE_STATUS)
    reply = raw.data(g.MOD_STATUS)
    assert reply.ok and reply.first(g.OBJ_DEVINFO)["ModelName"] == "F670L"


def test_each_menu_view_gives_a_new_tmp_token(unit: tuple[SimDevice, Raw]) -> None:
    _, raw = unit
    raw.login()
    html = raw.view(g.PAGE_WLAN)
    first = raw.token
    assert first not in html  # only as \xNN escapes
    raw.view(g.PAGE_WLAN)
    assert raw.token != first


def test_wan_pages_need_their_query(unit: tuple[SimDevice, Raw]) -> None:
    _, raw = unit
    raw.login()
    raw.view(g.PAGE_WAN_CONFIG)
    assert raw.get(f"/?_type=menuData&_tag={g.MOD_WAN_CONFIG}").status_code == 404
    assert raw.data(g.MOD_WAN_CONFIG, g.QUERY_WAN_CONFIG).ok


def test_encoded_reads_use_the_current_token(unit: tuple[SimDevice, Raw]) -> None:
    dev, raw = unit
    raw.login()
    raw.view(g.PAGE_WLAN)
    reply = raw.data(g.MOD_WLAN)
    assert "KeyPassphrase" in reply.encoded
    psk = next(p for p in reply.instances(g.OBJ_WLANPSK) if p["_InstID"] == "DEV.WIFI.AP1.PSK1")
    assert psk["KeyPassphrase"] != dev.wifi[Band.GHZ_2_4].psk
    assert decode_read_value(psk["KeyPassphrase"], raw.token) == dev.wifi[Band.GHZ_2_4].psk


# --- signed writes ------------------------------------------------------------------------------


def test_signed_write_is_applied(unit: tuple[SimDevice, Raw]) -> None:
    dev, raw = unit
    raw.login()
    raw.view(g.PAGE_DNS)
    reply = ajax.parse_reply(raw.apply(g.MOD_DNS, raw.body("IGD", _dns_fields("1.1.1.1"))).text)
    assert reply.ok and dev.dns == ["1.1.1.1", "1.0.0.1"] and dev.counters.writes == 1


def test_body_altered_after_signing_is_rejected(unit: tuple[SimDevice, Raw]) -> None:
    dev, raw = unit
    raw.login()
    raw.view(g.PAGE_DNS)
    assert raw.pub is not None
    signed = raw.body("IGD", _dns_fields("1.1.1.1"))
    altered = signed.replace(b"1.1.1.1", b"6.6.6.6")
    reply = ajax.parse_reply(raw.apply(g.MOD_DNS, altered, check_header(raw.pub, signed)).text)
    assert reply.errorstr == g.ERR_CHECK_FAIL and reply.errorid == g.ERRORID_CHECK_FAIL
    assert dev.dns == ["8.8.8.8", "8.8.4.4"] and dev.counters.writes == 0


def test_write_without_check_header_is_refused(unit: tuple[SimDevice, Raw]) -> None:
    dev, raw = unit
    raw.login()
    raw.view(g.PAGE_DNS)
    body = raw.body("IGD", _dns_fields("1.1.1.1"))
    resp = raw.post(f"/?_type=menuData&_tag={g.MOD_DNS}", body)
    assert resp.status_code == 400 and "SessionTimeout" in resp.text
    assert dev.counters.writes == 0


def test_session_token_must_be_last_and_current(unit: tuple[SimDevice, Raw]) -> None:
    dev, raw = unit
    raw.login()
    raw.view(g.PAGE_DNS)
    stale = raw.token
    not_last = urlencode([
        ("IF_ACTION", "Apply"), ("_InstID", "IGD"), ("_sessionTOKEN", raw.token),
        *_dns_fields("1.1.1.1"),
    ]).encode()
    assert ajax.parse_reply(raw.apply(g.MOD_DNS, not_last).text).errorstr == g.ERR_CHECK_FAIL
    raw.view(g.PAGE_DNS)  # rotates: the earlier token is now stale
    old = raw.body("IGD", _dns_fields("1.1.1.1"), token=stale)
    assert ajax.parse_reply(raw.apply(g.MOD_DNS, old).text).errorstr == g.ERR_CHECK_FAIL
    assert dev.counters.writes == 0


def test_encoded_write_fields_are_decoded(unit: tuple[SimDevice, Raw]) -> None:
    dev, raw = unit
    raw.login()
    raw.view(g.PAGE_WLAN)
    assert raw.pub is not None
    cipher = FieldCipher.fresh()
    fields = [
        ("ESSID", "Rede Nova"), ("Enable", "1"), *g.WIFI_SECURITY_FIELDS,
        ("_InstID_PSK", "DEV.WIFI.AP1.PSK1"), ("KeyPassphrase", cipher.encrypt("chave-nova-1")),
        ("encode", cipher.wrap(raw.pub)),
    ]
    reply = ajax.parse_reply(raw.apply(g.MOD_WLAN, raw.body("DEV.WIFI.AP1", fields)).text)
    assert reply.ok
    wifi = dev.wifi[Band.GHZ_2_4]
    assert (wifi.ssid, wifi.psk) == ("Rede Nova", "chave-nova-1")


def test_wan_write_must_repost_the_whole_instance(unit: tuple[SimDevice, Raw]) -> None:
    dev, raw = unit
    raw.login()
    raw.view(g.PAGE_WAN_CONFIG)
    partial = raw.body(g.WAN_INTERNET_INST, [("UserName", "novo"), ("Password", "pw-novo-1")])
    resp = raw.post(
        f"/?_type=menuData&_tag={g.MOD_WAN_CONFIG}&{g.QUERY_WAN_CONFIG}", partial,
        Check=check_header(raw.pub, partial) if raw.pub else "",
    )
    reply = ajax.parse_reply(resp.text)
    assert not reply.ok and reply.errorparam == "WANCName"
    assert dev.pppoe_user != "novo" and dev.counters.wan_restarts == 0


# --- legacy UI ------------------------------------------------------------------------------------


def test_gch_unit_serves_the_f660_login(unit: tuple[SimDevice, Raw]) -> None:
    dev, raw = unit
    dev.extra["gch"] = True
    assert g.GCH_MARKER in raw.get("/").text
    assert raw.get(ENTRY).status_code == 404
