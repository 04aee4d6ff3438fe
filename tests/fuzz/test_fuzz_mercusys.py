"""Fuzzing the Mercusys classic `/?code=N&asyn=M` driver: the line-based wire readers and
the status mapping, then the whole driver.

Drivers/mercusys is being written by others: bugs found here are reported, not fixed, and
listed in support.KNOWN_BUGS so these fuzzers keep looking for new ones.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from cpe.models import Credential, Target, Timeouts
from drivers.mercusys.driver import MercusysDriver
from drivers.mercusys.encoding import login_token
from drivers.mercusys.profiles import PROFILES, firmware_profile
from drivers.mercusys.sim_objects import render_object
from drivers.mercusys.simulator import MercusysFamily
from drivers.mercusys.status import build_status
from drivers.mercusys.wire import (
    OK,
    Challenge,
    ClientState,
    RequestCode,
    WireError,
    parse_blocks,
    parse_challenge,
    parse_read_request,
    parse_reply,
    render_challenge,
    render_reply,
)
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

MODEL = "mercusys-ac12g"
PROFILE = PROFILES[MODEL]
FIRMWARE = firmware_profile(MODEL, "ac12g-v1-200909")  # the numbering of the fixture reply
PASSWORD = "merc-admin-Pw1"
TEXT = {"Content-Type": "text/plain"}
FIXTURE = (
    Path(__file__).resolve().parents[2]
    / "drivers/mercusys/fixtures/get_status/ac12g_pppoe_up/reply.txt"
)
VALID_REPLY = FIXTURE.read_text().replace("\r\n", "\n").replace("\n", "\r\n")
CHALLENGE = render_challenge(Challenge(ClientState.NORMAL, 5, "noncE123abc456x", "dictionary!"))


class Mercusys:
    def __init__(self) -> None:
        self.dev = MercusysFamily().new_device(MODEL, random.Random(7), FIRMWARE.name)

    def route(self, request: requests.PreparedRequest) -> tuple[str, Answer]:
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.url or "").query).items()}
        code = int(query.get("code", "0"))
        raw = request.body or b""
        body = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        if code == RequestCode.AUTH:
            if "id" not in query:
                return "challenge", Answer(401, CHALLENGE, TEXT)
            return "login", Answer(200, render_reply(OK), TEXT)
        if code == RequestCode.READ:
            blocks = [render_object(self.dev, FIRMWARE, ref) for ref in parse_read_request(body)]
            return "read", Answer(200, render_reply(OK, [x for x in blocks if x]), TEXT)
        if code == RequestCode.WRITE:
            return "write", Answer(200, render_reply(OK), TEXT)
        return "logout", Answer(200, render_reply(OK), TEXT)


def driver(fuzz: Fuzz | None) -> tuple[MercusysDriver, FakeDevice]:
    fake = FakeDevice(Mercusys().route, fuzz)
    target = Target(host="127.0.0.1", model=MODEL, label="merc-fuzz")
    cred = Credential(passwords=(SecretStr(PASSWORD),))
    timeouts = Timeouts(connect_s=1, read_s=1, wan_restart_s=1, wan_settle_s=0)
    return MercusysDriver(target, cred, timeouts=timeouts, session=session_for(fake)), fake


def test_the_fake_device_serves_a_working_mercusys() -> None:
    drv, fake = driver(None)
    with drv:
        got = drv.get_status()
        drv.set_wifi("2.4GHz", "Casa Nova", "senha-nova-123")
    assert len(got.wifi) == 2 and "write" in fake.calls


# --- structure-aware replies -------------------------------------------------------------------


@st.composite
def reply_like(draw: st.DrawFn) -> str:
    """The fixture's lines with hostile values, keys, indexes and headers."""
    lines = VALID_REPLY.split("\r\n")
    out = []
    for line in lines:
        fate = draw(st.sampled_from(("keep",) * 6 + ("value", "index", "header", "drop")))
        head, _, value = line.partition(" ")
        if fate == "drop":
            continue
        if fate == "value" and value:
            line = f"{head} {draw(st.sampled_from(b.VALUES) | st.text(max_size=12))}"
        elif fate == "index":
            line = f"{head} {draw(st.sampled_from(('0', '²', '١', '9' * 5000, '-1')))} x"
        elif fate == "header":
            line = "id " + draw(st.sampled_from(("²|1,0,0", "9" * 5000, "23|", "23|1,,0", "x")))
        out.append(line)
    return "\r\n".join(out)


@st.composite
def challenge_like(draw: st.DrawFn) -> str:
    parts = ["00007", "4", "5", "nonce", "dict"]
    for i in range(1, 5):
        if draw(st.booleans()):
            parts[i] = draw(st.sampled_from(b.VALUES) | st.text(max_size=10))
    return "\r\n".join(parts[: draw(st.integers(3, 5))]) + "\r\n"


# --- (a) pure readers ------------------------------------------------------------------------


@fuzz_settings()
@given(text=b.bodies_like(VALID_REPLY, reply_like()))
def test_parse_reply_and_status(text: str | bytes) -> None:
    """Only WireError: that is all the driver maps to ParseError."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")

    def read() -> None:
        reply = parse_reply(text)
        build_status(MODEL, PROFILE, reply.by_ref(), FIRMWARE.wifi_stack)

    only_contract_errors("mercusys.wire.parse_reply+status", read, (WireError,))


@fuzz_settings()
@given(text=b.bodies_like(CHALLENGE, challenge_like()))
def test_parse_challenge(text: str | bytes) -> None:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")

    def read() -> None:
        challenge = parse_challenge(text)
        login_token(PASSWORD, challenge.nonce, challenge.dictionary)

    only_contract_errors("mercusys.wire.parse_challenge", read, (WireError,))


@fuzz_settings()
@given(text=b.bodies_like(VALID_REPLY.split("\r\n", 1)[1], reply_like()))
def test_parse_blocks(text: str | bytes) -> None:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    only_contract_errors(
        "mercusys.wire.parse_blocks",
        lambda: (parse_blocks(text), parse_read_request(text)),
        (WireError,),
    )


# --- (b) the whole driver ----------------------------------------------------------------------


@st.composite
def status_fuzz(draw: st.DrawFn) -> Fuzz:
    call = draw(st.sampled_from(("challenge", "login", "read")))
    if call == "challenge":
        answer = draw(b.answers(b.bodies_like(CHALLENGE, challenge_like()), status=401))
    elif call == "login":
        body = st.one_of(
            b.bodies_like(render_reply(OK)), b.bodies_like(CHALLENGE, challenge_like())
        )
        answer = draw(b.answers(body, status=draw(st.sampled_from((200, 401)))))
    else:
        answer = draw(b.answers(b.bodies_like(VALID_REPLY, reply_like())))
    return Fuzz(call, answer, every=draw(st.booleans()))


@fuzz_settings()
@given(fuzz=status_fuzz(), write=st.booleans())
def test_driver(fuzz: Fuzz, write: bool) -> None:
    def run() -> Any:
        drv, _ = driver(fuzz)
        with drv:
            if write:
                drv.set_wifi("2.4GHz", "Casa Nova", "senha-nova-123")
            else:
                drv.get_status()

    only_cpe_errors("mercusys.driver.get_status/set_wifi", run)


# --- bugs the fuzzers found (reported to the Mercusys authors) -------------------------------

REGRESSIONS = [
    ("read", "00000\r\nid ²|1,0,0\r\n"),  # ObjectRef.parse: isdigit() but not int()
    ("read", "00000\r\nid " + "9" * 5000 + "|1,0,0\r\n"),  # int() digit limit
    ("read", "00000\r\nid 23|1,0,0\r\ndns ² 1.1.1.1\r\n"),  # _parse_entry
    ("read", VALID_REPLY.replace("\r\nstatus 1\r\n", "\r\nstatus --1\r\n")),  # status._int
    ("challenge", "00007\r\n²\r\n5\r\nnonce\r\ndict\r\n"),  # parse_challenge
]


@pytest.mark.parametrize(("call", "body"), REGRESSIONS)
def test_regressions(call: str, body: str) -> None:
    """The reported cases (any still unfixed is listed in support.KNOWN_BUGS)."""

    def run() -> None:
        status = 401 if call == "challenge" else 200
        answer = Answer(status, body, {"Content-Type": "text/plain; charset=utf-8"})
        drv, _ = driver(Fuzz(call, answer))
        with drv:
            drv.get_status()

    only_cpe_errors("mercusys.regressions", run)
