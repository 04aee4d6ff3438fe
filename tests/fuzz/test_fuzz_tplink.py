"""Fuzzing the TP-Link gdprJson driver: the JS/JSON readers, then the whole driver.

The fake device speaks the real crypto (it reads the client's AES key from the RSA sign
with the simulator's key), answers from the simulator's object model, and replaces one
call's answer with a hostile one, either raw or sealed with the session key (so the
hostile JSON gets past the decryption and reaches the readers).
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from cpe.models import Band, Credential, Target, Timeouts
from drivers.sim import SimDevice
from drivers.tplink import guessed as g
from drivers.tplink import parse, simmodel, simwrites
from drivers.tplink import protocol as p
from drivers.tplink.crypto import (
    CipherError,
    CipherMode,
    SessionCipher,
    cipher_from_sign,
    new_session_cipher,
    rsa_unsign,
    shared_rsa_key,
)
from drivers.tplink.driver import TplinkBridgeDriver, TplinkOnuDriver
from drivers.tplink.simulator import TplinkFamily
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

PASSWORD = "tp-admin-Pw1"
SEQ = 123_456_789
KEY = shared_rsa_key(512)
TEXT = {"Content-Type": "text/plain"}


def new_device(model: str) -> SimDevice:
    dev = TplinkFamily().new_device(model, random.Random(7))
    dev.admin_password = PASSWORD
    dev.pppoe_user, dev.pppoe_password = "cliente.teste", "ppp-secret-9"
    dev.radius = (dev.pppoe_user, dev.pppoe_password)
    dev.evaluate_wan()
    return dev


class Tplink:
    """The ONU's happy path: key exchange, encrypted login and acts, start page."""

    def __init__(self, model: str = "tplink-onu", mode: CipherMode = "cbc") -> None:
        self.dev = new_device(model)
        self.mode = mode
        self.cipher: SessionCipher | None = None

    def seal(self, answer: Answer) -> Answer:
        if self.cipher is None:
            return answer
        text = answer.raw().decode("utf-8", "replace")
        data, tag = self.cipher.encrypt(text)
        return replace(answer, body=data + (tag or ""))

    def parm(self) -> str:
        return p.parm_answer(KEY.ee_hex, KEY.nn_hex, SEQ)

    def route(self, request: requests.PreparedRequest) -> tuple[str, Answer]:
        path = urlsplit(request.url or "").path
        if path == p.PARM_PATH:
            return "parm", Answer(200, self.parm(), TEXT)
        if path == "/":
            page = '<html><script type="text/javascript">var token="tok123";</script></html>'
            return "index", Answer(200, page, {"Content-Type": "text/html"})
        if path != p.GDPR_PATH:
            return "other", Answer(404, "")
        raw = request.body or b""
        body = p.parse_body(raw.decode() if isinstance(raw, bytes) else raw)
        try:
            fields = p.parse_sign_string(rsa_unsign(body["sign"], KEY))
        except (CipherError, KeyError, ValueError):
            # A fuzzed key answer made the client sign with a key that is not ours.
            return "other", Answer(400, "")
        if "key" in fields:
            try:
                self.cipher = cipher_from_sign(self.mode, fields["key"], fields["iv"])
            except CipherError:
                # A login in the other cipher: the firmware cannot read it (the driver
                # then tries its next profile).
                return "miss", Answer(200, p.ret_answer(p.RET_BAD_REQUEST), TEXT)
            ok = self.seal(Answer(200, p.ret_answer(p.RET_OK), TEXT))
            ok.cookies["JSESSIONID"] = "js123"
            return "login", ok
        if self.cipher is None:
            # No key exchange survived the fuzzing: the real firmware answers 400 here.
            return "other", Answer(400, "")
        tag = body.get("tag") if self.cipher.mode == "gcm" else None
        act = json.loads(self.cipher.decrypt(body["data"], tag))
        operation, oid, args = act["operation"], act["oid"], act.get("data") or {}
        name = f"{operation}:{oid}:{args.get('stack', '')}"
        if oid == p.LOGOUT_OID:
            return "logout", Answer(200, "", TEXT)
        try:
            if operation in p.READ_OPS:
                answer: dict[str, Any] = {
                    "success": True,
                    "data": simmodel.read(self.dev, operation, oid, args),
                }
            else:
                simwrites.write(self.dev, oid, args)
                answer = {"success": True}
        except simmodel.Refused as exc:
            answer = {"success": False, "errorcode": exc.code}
        return name, self.seal(Answer(200, json.dumps(answer), TEXT))


def driver(
    fuzz: Fuzz | None, model: str = "tplink-onu", mode: CipherMode = "cbc", sealed: bool = False
) -> tuple[TplinkOnuDriver, FakeDevice]:
    device = Tplink(model, mode)
    if fuzz is not None and sealed:
        fuzz.transform = device.seal
    fake = FakeDevice(device.route, fuzz)
    cls = TplinkBridgeDriver if model == "tplink-xz000-g3" else TplinkOnuDriver
    target = Target(host="127.0.0.1", model=model, label="tp-fuzz")
    cred = Credential(username="admin", passwords=(SecretStr(PASSWORD),))
    timeouts = Timeouts(connect_s=1, read_s=1, wan_restart_s=1, wan_settle_s=0)
    return cls(target, cred, timeouts=timeouts, session=session_for(fake)), fake


@pytest.mark.parametrize("mode", ["cbc", "gcm"])
def test_the_fake_device_serves_a_working_tplink(mode: CipherMode) -> None:
    drv, fake = driver(None, mode=mode)
    with drv:
        got = drv.get_status()
        drv.set_dns("1.1.1.1", "1.0.0.1")
    assert got.wan.up and len(got.wifi) == 2 and got.optical is not None
    assert "login" in fake.calls and "logout" in fake.calls


# The act answers the driver reads, as the device renders them (call name -> JSON).
def _act_answers() -> dict[str, Any]:
    dev = new_device("tplink-onu")
    out: dict[str, Any] = {}
    for name, (op, oid, stack) in {
        "info": (p.OP_GET, p.DEV_INFO_OID, p.DEFAULT_STACK),
        "wan": (p.OP_LIST, p.WAN_OID, p.DEFAULT_STACK),
        "wifi": (p.OP_GET, p.WIFI_OID, p.WIFI_STACKS[Band.GHZ_2_4]),
        "optical": (p.OP_LIST, g.OPTICAL_OID, p.DEFAULT_STACK),
        "pon": (p.OP_GET, g.PON_OID, g.PON_STACK),
    }.items():
        data = simmodel.read(dev, op, oid, {"stack": stack})
        out[name] = {"call": f"{op}:{oid}:{stack}", "answer": {"success": True, "data": data}}
    return out


ACTS = _act_answers()


# --- (a) pure readers ------------------------------------------------------------------------

PARM = Tplink().parm()


@fuzz_settings()
@given(text=b.bodies_like(PARM + p.login_failed_answer(2, 0)))
def test_js_answers_never_raise(text: str | bytes) -> None:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    only_contract_errors(
        "tplink.protocol.js_vars/ret_code/page_token",
        lambda: (p.js_vars(text), p.ret_code(text), p.page_token(text)),
        (),
    )


@fuzz_settings()
@given(
    info=b.mutated_json(ACTS["info"]["answer"]["data"]),
    wans=b.mutated_json(ACTS["wan"]["answer"]["data"]),
    wifi=b.mutated_json(ACTS["wifi"]["answer"]["data"]),
    trx=b.mutated_json(ACTS["optical"]["answer"]["data"]),
    ani=b.mutated_json(ACTS["pon"]["answer"]["data"]),
)
def test_object_mapping(info: Any, wans: Any, wifi: Any, trx: Any, ani: Any) -> None:
    """Only ValueError (the driver's get_status turns it into ParseError)."""

    def read() -> None:
        entry = parse.as_entry(info, "info")
        parse.need(entry, "softwareVersion", "info")
        parse.uptime(entry)
        wan = parse.pick_wan(parse.as_entries(wans, "wan"))
        parse.wan_status(wan)
        parse.dns_servers(wan)
        parse.wifi_network(Band.GHZ_5, parse.as_entry(wifi, "wifi"))
        entries = parse.as_entries(trx, "trx")
        if entries:
            parse.optical(entries[0], parse.as_entry(ani, "ani"))

    only_contract_errors("tplink.parse.*", read, (ValueError,))


CIPHERS = {mode: new_session_cipher(mode) for mode in ("cbc", "gcm")}


@fuzz_settings()
@given(
    text=st.text(max_size=100) | st.sampled_from(b.VALUES) | b.chunk_soup(),
    mode=st.sampled_from(("cbc", "gcm")),
)
def test_session_decrypt(text: str, mode: CipherMode) -> None:
    only_contract_errors(
        "tplink.crypto.decrypt", lambda: CIPHERS[mode].decrypt(text), (CipherError,)
    )


# --- (b) the whole driver ----------------------------------------------------------------------

LOGIN_CALLS = {
    "parm": b.bodies_like(PARM),
    "login": st.one_of(
        b.bodies_like(p.ret_answer(p.RET_OK)),
        b.bodies_like(p.login_failed_answer(2, 0)),
        b.bodies_like(p.login_failed_answer(0, 600)),
    ),
    "index": b.bodies_like('<script type="text/javascript">var token="tok123";</script>'),
}


@st.composite
def login_fuzz(draw: st.DrawFn) -> tuple[Fuzz, bool]:
    call = draw(st.sampled_from(sorted(LOGIN_CALLS)))
    fuzz = Fuzz(call, draw(b.answers(LOGIN_CALLS[call])), every=draw(st.booleans()))
    return fuzz, call == "login" and draw(st.booleans())


@st.composite
def act_fuzz(draw: st.DrawFn) -> tuple[Fuzz, bool]:
    act = ACTS[draw(st.sampled_from(sorted(ACTS)))]
    valid = act["answer"]
    body = st.one_of(
        b.json_bodies(valid),
        b.mutated_json(valid["data"]).map(lambda d: b.dump_json({"success": True, "data": d})),
    )
    fuzz = Fuzz(act["call"], draw(b.answers(body)), every=draw(st.booleans()))
    return fuzz, draw(st.booleans())


@pytest.mark.parametrize(
    ("target", "strategy"), [("login", login_fuzz()), ("acts", act_fuzz())], ids=["login", "acts"]
)
@fuzz_settings()
@given(
    data=st.data(),
    model=st.sampled_from(("tplink-onu", "tplink-xz000-g3")),
    mode=st.sampled_from(("cbc", "gcm")),
)
def test_driver_get_status(
    target: str,
    strategy: st.SearchStrategy[tuple[Fuzz, bool]],
    data: st.DataObject,
    model: str,
    mode: CipherMode,
) -> None:
    fuzz, sealed = data.draw(strategy)

    def status() -> None:
        drv, _ = driver(fuzz, model, mode, sealed)
        with drv:
            drv.get_status()

    only_cpe_errors(f"tplink.driver.get_status[{target}]", status)


# --- bugs the fuzzers found, pinned ----------------------------------------------------------

ZERO_KEY = p.parm_answer("010001", "0" * 128, SEQ)
REGRESSIONS = [
    ("parm", ZERO_KEY, False),  # zero modulus: range() step 0 in rsa_sign
    ("parm", PARM.replace(str(SEQ), "²"), False),  # isdigit() but not int()
    ("parm", "$.ret=" + "1" * 5000 + ";", False),  # int() digit limit in ret_code
    ("parm", "var a=" * 20_000, False),  # js_vars regex: quadratic
    ("login", f"var currForbidTime={'9' * 400};\n$.ret={p.RET_WRONG_PASSWORD};", False),
    ("login", f"var currForbidTime={'9' * 400};\n$.ret={p.RET_WRONG_PASSWORD};", True),
    (ACTS["info"]["call"], "[" * 100_000, True),  # RecursionError in json.loads
]


@pytest.mark.parametrize(("call", "body", "sealed"), REGRESSIONS)
def test_regressions(call: str, body: str, sealed: bool) -> None:
    def run() -> None:
        answer = Answer(200, body, {"Content-Type": "text/plain; charset=utf-8"})
        drv, _ = driver(Fuzz(call, answer), sealed=sealed)
        with drv:
            drv.get_status()

    only_cpe_errors("tplink.regressions", run)


def test_two_session_cookies_are_not_a_crash() -> None:
    """Two JSESSIONID cookies (different paths): requests' cookies.get() raises
    CookieConflictError, a RuntimeError."""
    fake = FakeDevice(Tplink().route)
    original = fake.send

    def send(request: requests.PreparedRequest, **kw: Any) -> requests.Response:
        resp = original(request, **kw)
        if fake.calls[-1] == "login":
            resp.cookies.set("JSESSIONID", "other", path="/other")
        return resp

    fake.send = send  # type: ignore[method-assign,assignment]
    target = Target(host="127.0.0.1", model="tplink-onu", label="tp-fuzz")
    cred = Credential(username="admin", passwords=(SecretStr(PASSWORD),))
    drv = TplinkOnuDriver(target, cred, session=session_for(fake))

    def run() -> None:
        with drv:
            drv.get_status()

    only_cpe_errors("tplink.regressions", run)
