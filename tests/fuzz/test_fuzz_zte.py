"""Fuzzing the ZTE ThinkLua driver: the XML/JSON/HTML readers, then the whole driver.

Valid answers come from the simulator's own renderers (no sockets): a fake device serves
them and replaces one call's answer with a hostile one.
"""

from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from cpe.models import Credential, Target, Timeouts
from drivers.zte import ajax, sim_model, sim_pages, status
from drivers.zte import guessed as g
from drivers.zte.ajax import AjaxReply
from drivers.zte.crypto import (
    CryptoError,
    decode_read_value,
    encode_read_value,
    js_hex_unescape,
    public_key_from_js,
)
from drivers.zte.driver import ZteDriver
from drivers.zte.simulator import ZteFamily, sim_public_pem
from tests.fuzz import bodies as b
from tests.fuzz.support import (
    Answer,
    FakeDevice,
    Fuzz,
    fuzz_settings,
    only_contract_errors,
    only_cpe_errors,
    session_for,
)

TOKEN = "4821097365104872"
NONCE = "73920184"
PASSWORD = "admin-Pw1"


def _device() -> Any:
    dev = ZteFamily().new_device("zte-onu", random.Random(7))
    dev.admin_password = PASSWORD
    dev.pppoe_user, dev.pppoe_password = "cliente.teste", "ppp-secret-9"
    dev.radius = (dev.pppoe_user, dev.pppoe_password)
    dev.evaluate_wan()
    return dev


DEVICE = _device()
MODULE_OF_PAGE = {m.page: tag for tag, m in sim_model.MODULES.items()}
OBJECTS = {tag: m.render(DEVICE) for tag, m in sim_model.MODULES.items()}


def _encoded(objects: list[tuple[str, list[dict[str, str]]]], tag: str) -> str:
    """Render like the firmware: `<encode>` fields AES-wrapped under the page token."""
    names = g.READ_ENCODED.get(tag, ())
    out = []
    for name, instances in objects:
        rendered = []
        for inst in instances:
            inst = dict(inst)
            for field in names:
                value = inst.get(field)
                if value and not any("\ud800" <= c <= "\udfff" for c in value):
                    inst[field] = encode_read_value(value, TOKEN)
            rendered.append(inst)
        out.append((name, rendered))
    return ajax.build_reply(out, encode=names)


VALID_DATA = {tag: _encoded(objs, tag) for tag, objs in OBJECTS.items()}
LOGIN_PAGE = sim_pages.login_page(TOKEN, 3)
MENU_VIEW = {
    page: sim_pages.menu_view_page(page, TOKEN, sim_public_pem()) for page in MODULE_OF_PAGE
}
LOGIN_ENTRY = {"loginErrMsg": "", "lockingTime": 0, "promptMsg": "", "sess_token": TOKEN}
LOGIN_OK = {"login_need_refresh": True, "sess_token": TOKEN}
LOGIN_REFUSED = {"loginErrMsg": g.MSG_INVALID_LOGIN, "lockingTime": -1, "sess_token": TOKEN}


def route(request: requests.PreparedRequest) -> tuple[str, Answer]:
    url = urlsplit(request.url or "")
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    kind, tag = query.get("_type"), query.get("_tag", "")
    html = {"Content-Type": "text/html"}
    if kind is None:
        return "root", Answer(200, LOGIN_PAGE, html)
    if kind == "loginData" and tag == "login_entry":
        if request.method == "POST":
            return "login_post", Answer(
                200, json.dumps(LOGIN_OK), {"Content-Type": "application/json"}
            )
        return "login_entry", Answer(
            200, json.dumps(LOGIN_ENTRY), {"Content-Type": "application/json"}
        )
    if kind == "loginData" and tag == "login_token":
        return "login_token", Answer(200, ajax.build_root_text(NONCE), {"Content-Type": "text/xml"})
    if kind == "loginData":
        return "logout", Answer(200, "{}", {"Content-Type": "application/json"})
    if kind == "menuView":
        return "menu_view", Answer(200, MENU_VIEW.get(tag, ""), html)
    if kind == "menuData" and request.method == "POST":
        return f"menu_post:{tag}", Answer(200, ajax.build_reply(), {"Content-Type": "text/xml"})
    if kind == "menuData":
        return f"menu_data:{tag}", Answer(
            200, VALID_DATA.get(tag, ""), {"Content-Type": "text/xml"}
        )
    return "unknown", Answer(404, "")


def driver(fuzz: Fuzz | None) -> tuple[ZteDriver, FakeDevice]:
    fake = FakeDevice(route, fuzz)
    target = Target(host="127.0.0.1", model="zte-onu", label="zte-fuzz")
    cred = Credential(username="admin", passwords=(SecretStr(PASSWORD),))
    timeouts = Timeouts(connect_s=1, read_s=1, wan_restart_s=1, wan_settle_s=0)
    return ZteDriver(target, cred, timeouts=timeouts, session=session_for(fake)), fake


def test_the_fake_device_serves_a_working_zte() -> None:
    drv, fake = driver(None)
    with drv:
        got = drv.get_status()
    assert got.wan.up and got.wifi and got.optical is not None
    assert "menu_data:" + g.MOD_WLAN in fake.calls


# --- structure-aware XML ---------------------------------------------------------------------


@st.composite
def xml_like(draw: st.DrawFn, tag: str) -> str:
    """The module's real objects with hostile names/values, missing fields, odd headers."""
    objects = []
    for name, instances in OBJECTS[tag]:
        if draw(st.integers(0, 9)) == 0:
            continue
        new_name = draw(b.sometimes(st.sampled_from(b.VALUES[:20]) | st.text(max_size=8), name))
        rendered = []
        for inst in instances:
            inst = dict(inst)
            for key in list(inst):
                fate = draw(st.sampled_from(("keep", "keep", "keep", "value", "drop")))
                if fate == "drop":
                    del inst[key]
                elif fate == "value":
                    inst[key] = draw(st.sampled_from(b.VALUES) | st.text(max_size=20))
            rendered.append(inst)
        objects.append((new_name, rendered))
    return ajax.build_reply(
        objects,
        errorstr=draw(b.sometimes(st.sampled_from(("SessionTimeout", "", "FAIL")), g.ERR_SUCCESS)),
        errorid=draw(b.sometimes(st.integers(), 0)),
        encode=draw(b.sometimes(st.lists(st.sampled_from(("UserName", "ESSID", "DNS1", ""))), ())),
    )


# --- (a) pure readers ------------------------------------------------------------------------


@fuzz_settings()
@given(text=st.one_of(b.bodies_like(VALID_DATA[g.MOD_WLAN], xml_like(g.MOD_WLAN))))
def test_parse_reply(text: str | bytes) -> None:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    reply = only_contract_errors(
        "zte.ajax.parse_reply", lambda: ajax.parse_reply(text), (ValueError,)
    )
    if isinstance(reply, AjaxReply):
        # No DTD or entity is ever expanded: no file content, no laughs.
        flat = repr(reply.objects) + reply.errorstr
        assert "root:" not in flat and "lollol" not in flat
        for instances in reply.objects.values():
            assert all(isinstance(v, str) for inst in instances for v in inst.values())


@fuzz_settings()
@given(text=b.bodies_like(ajax.build_root_text(NONCE)))
def test_parse_root_text(text: str | bytes) -> None:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    only_contract_errors(
        "zte.ajax.parse_root_text", lambda: ajax.parse_root_text(text), (ValueError,)
    )


def _reply(objects: dict[str, list[dict[str, str]]]) -> AjaxReply:
    return AjaxReply(errorstr=g.ERR_SUCCESS, objects={k.lower(): v for k, v in objects.items()})


instances = st.lists(
    st.dictionaries(
        st.sampled_from(
            (
                "_InstID",
                "ModelName",
                "SoftwareVer",
                "HardwareVer",
                "PowerOnTime",
                "StrServList",
                "IsDefGW",
                "mode",
                "linkMode",
                "Addressingtype",
                "wantype",
                "ConnStatus",
                "ConnError",
                "IPAddress",
                "UserName",
                "DNS1",
                "DNS2",
                "DNS3",
                "RxPower",
                "TxPower",
                "RegStatus",
                "Band",
                "ESSID",
                "Enable",
                "KeyPassphrase",
                "SerIPAddress1",
                "SerIPAddress2",
                "DnsServerSource",
                "DNSServer1",
                "DNSServer2",
                "IPAddr",
            )
        ),
        st.sampled_from(b.VALUES) | st.text(max_size=12),
        max_size=12,
    ),
    max_size=4,
)
OBJECT_NAMES = (
    g.OBJ_DEVINFO,
    g.OBJ_POWERONTIME,
    g.OBJ_WAN,
    g.OBJ_OPTICAL,
    g.OBJ_REGSTATUS,
    g.OBJ_WLANAP,
    g.OBJ_WLANPSK,
    g.OBJ_WLANSETTING,
    g.OBJ_DNS,
    g.OBJ_DHCP,
)


@fuzz_settings()
@given(objects=st.dictionaries(st.sampled_from(OBJECT_NAMES), instances))
def test_status_mapping_never_raises(objects: dict[str, list[dict[str, str]]]) -> None:
    """The driver calls these without a try: they must map anything to a model."""
    reply = _reply(objects)

    def read() -> None:
        status.device_info(reply)
        _, dns = status.wan_status(reply)
        status.optical(reply)
        status.wifi(reply)
        status.main_aps(reply)
        status.resolver_dns(reply, dns)
        status.lan_dns(reply, dns)

    only_contract_errors("zte.status.*", read, ())


PAGE_WITH_KEY = MENU_VIEW[g.PAGE_DNS]


@fuzz_settings()
@given(script=b.bodies_like(PAGE_WITH_KEY))
def test_public_key_from_js(script: str | bytes) -> None:
    if isinstance(script, bytes):
        script = script.decode("utf-8", "replace")
    only_contract_errors(
        "zte.crypto.public_key_from_js", lambda: public_key_from_js(script), (CryptoError,)
    )


@fuzz_settings()
@given(
    encoded=st.text(max_size=80)
    | st.sampled_from(b.VALUES)
    | st.just(encode_read_value("x", TOKEN)),
    token=st.text(max_size=30),
)
def test_decode_read_value(encoded: str, token: str) -> None:
    only_contract_errors(
        "zte.crypto.decode_read_value",
        lambda: (decode_read_value(encoded, token), js_hex_unescape(encoded)),
        (CryptoError,),
    )


# --- (b) the whole driver ----------------------------------------------------------------------

LOGIN_CALLS = {
    "root": st.one_of(b.bodies_like(LOGIN_PAGE)),
    "login_entry": b.json_bodies(LOGIN_ENTRY),
    "login_token": b.bodies_like(ajax.build_root_text(NONCE)),
    "login_post": st.one_of(b.json_bodies(LOGIN_OK), b.json_bodies(LOGIN_REFUSED)),
}


@st.composite
def login_fuzz(draw: st.DrawFn) -> Fuzz:
    call = draw(st.sampled_from(sorted(LOGIN_CALLS)))
    answer = draw(b.answers(LOGIN_CALLS[call]))
    return Fuzz(call, answer, every=draw(st.booleans()))


@st.composite
def menu_view_fuzz(draw: st.DrawFn) -> Fuzz:
    page = draw(st.sampled_from(sorted(MENU_VIEW)))
    return Fuzz(
        "menu_view", draw(b.answers(b.bodies_like(MENU_VIEW[page]))), every=draw(st.booleans())
    )


@st.composite
def menu_data_fuzz(draw: st.DrawFn) -> Fuzz:
    tag = draw(st.sampled_from(sorted(VALID_DATA)))
    body = b.bodies_like(VALID_DATA[tag], xml_like(tag))
    return Fuzz(f"menu_data:{tag}", draw(b.answers(body)), every=draw(st.booleans()))


def _status(fuzz: Fuzz) -> None:
    drv, _ = driver(fuzz)
    with drv:
        drv.get_status()


@pytest.mark.parametrize(
    ("target", "strategy"),
    [("login", login_fuzz()), ("menu_view", menu_view_fuzz()), ("menu_data", menu_data_fuzz())],
)
@fuzz_settings()
@given(data=st.data())
def test_driver_get_status(
    target: str, strategy: st.SearchStrategy[Fuzz], data: st.DataObject
) -> None:
    fuzz = data.draw(strategy)
    only_cpe_errors(f"zte.driver.get_status[{target}]", lambda: _status(fuzz))


@st.composite
def write_fuzz(draw: st.DrawFn) -> Fuzz:
    body = b.bodies_like(ajax.build_reply(), xml_like(g.MOD_DNS))
    return Fuzz(f"menu_post:{g.MOD_DNS}", draw(b.answers(body)), every=draw(st.booleans()))


@fuzz_settings()
@given(fuzz=write_fuzz())
def test_driver_set_dns_answer(fuzz: Fuzz) -> None:
    def write() -> None:
        drv, _ = driver(fuzz)
        with drv:
            drv.set_dns("1.1.1.1", "1.0.0.1")

    only_cpe_errors("zte.driver.set_dns[menu_post]", write)


# --- bugs the fuzzers found, pinned ----------------------------------------------------------

_ODD_KEY = "MBQwBQYDKgMEAwsAAQEBAQEBAQEBAQ=="  # a public key with an unknown algorithm OID
REGRESSIONS = [
    ("login_entry", "[" * 100_000),  # RecursionError from resp.json()
    ("login_entry", '{"lockingTime": 1e999}'),  # int(inf): OverflowError
    ("login_post", '{"lockingTime": "' + "9" * 400 + '", "loginErrMsg": "x"}'),  # float()
    ("root", "timeOutHint.format(" + "9" * 5000 + ",1)"),  # int() digit limit
    (
        "menu_view",
        "_sessionTmpToken='1'; asyEncode -----BEGIN PUBLIC KEY-----"
        + _ODD_KEY
        + "-----END PUBLIC KEY-----",
    ),  # UnsupportedAlgorithm
    ("menu_view", "_sessionTmpToken='1'; asyEncode " + "-----BEGIN PUBLIC KEY-----" * 8000),
    (f"menu_data:{g.MOD_STATUS}", "<a b='" * 30_000),  # html.parser: quadratic
    (f"menu_data:{g.MOD_STATUS}", "<!--" * 50_000),
]


@pytest.mark.parametrize(("call", "body"), REGRESSIONS, ids=[c for c, _ in REGRESSIONS])
def test_regressions(call: str, body: str) -> None:
    only_cpe_errors("zte.regressions", lambda: _status(Fuzz(call, Answer(200, body))))
