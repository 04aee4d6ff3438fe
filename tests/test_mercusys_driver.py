"""MercusysDriver against its simulator (loopback) and against fixture folders (no sockets)."""

from __future__ import annotations

import json
import logging
import random
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
from pydantic import SecretStr
from requests.adapters import BaseAdapter

from cpe.errors import (
    DeviceError,
    DeviceRejected,
    DeviceUnreachable,
    LockoutRisk,
    ParseError,
    SessionBusy,
    Unsupported,
)
from cpe.models import Band, Credential, Target
from drivers.base import LoginResult
from drivers.http import make_session
from drivers.mercusys.driver import MercusysDriver
from drivers.mercusys.encoding import encode_uri_component, login_token
from drivers.mercusys.profiles import PROFILES, firmware_profile
from drivers.mercusys.sim_auth import challenge_dictionary, nonce_for
from drivers.mercusys.wire import Block, ObjectRef, parse_blocks
from drivers.redact import scrub
from drivers.sim import Fault, SimRunner
from tests.conformance.harness import (
    ADMIN_PASSWORD,
    FAST,
    RADIUS_PASSWORD,
    RADIUS_USER,
    Harness,
    Rig,
    rig,
)

AC12G = Harness(id="mercusys-ac12g", model="mercusys-ac12g")  # six-line, unit-0 Wi-Fi
MR30G = Harness(id="mercusys-mr30g", model="mercusys-mr30g")  # five-line with a counter
FIXTURES = Path(__file__).resolve().parents[1] / "drivers" / "mercusys" / "fixtures"


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


@pytest.fixture(params=[AC12G, MR30G], ids=[AC12G.id, MR30G.id])
def r(request: pytest.FixtureRequest, runner: SimRunner) -> Iterator[Rig]:
    with rig(request.param, runner) as made:
        yield made


@pytest.fixture()
def ac12g(runner: SimRunner) -> Iterator[Rig]:
    with rig(AC12G, runner) as made:
        yield made


@pytest.fixture()
def mr30g(runner: SimRunner) -> Iterator[Rig]:
    with rig(MR30G, runner) as made:
        yield made


class Recorded:
    """A driver on an injected session that remembers every request it sent."""

    def __init__(self, rig_: Rig, passwords: tuple[str, ...] = (ADMIN_PASSWORD,)) -> None:
        self.requests: list[requests.PreparedRequest] = []
        session = make_session()
        session.hooks["response"].append(self._keep)
        cred = Credential(passwords=tuple(SecretStr(p) for p in passwords))
        self.driver = MercusysDriver(rig_.target(), cred, timeouts=FAST, session=session)

    def _keep(self, resp: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.requests.append(resp.request)

    def with_code(self, code: int) -> list[requests.PreparedRequest]:
        return [p for p in self.requests if f"code={code}&" in (p.url or "")]

    def bodies(self, code: int) -> list[str]:
        out = []
        for p in self.with_code(code):
            body = p.body or b""
            out.append(body.decode() if isinstance(body, bytes) else body)
        return out


def _expire(rig_: Rig) -> None:
    def push_back() -> None:
        s = rig_.device.session
        assert s is not None
        s.last_seen -= rig_.device.knobs.session_idle_s + 1

    rig_.runner.run_sync(push_back)


# --- session ---------------------------------------------------------------------------------


def test_expired_session_logs_in_again_once_and_retries(r: Rig) -> None:
    with r.driver() as drv:
        drv.get_status()
        _expire(r)
        st = drv.get_status()
    assert st.wan.pppoe_username == RADIUS_USER
    assert r.device.counters.logins == 2
    assert r.device.counters.failed_logins == 0
    assert not r.device.open_toolkit_session()


def test_session_that_keeps_expiring_gives_up_after_one_relogin(r: Rig) -> None:
    r.device.knobs.session_idle_s = -1  # every call after login finds the session gone
    drv = r.driver()
    with pytest.raises(DeviceError) as info, drv:
        drv.get_status()
    assert type(info.value) is DeviceError
    assert "again" in info.value.message and info.value.operation == "get_status"
    assert r.device.counters.logins == 2  # the login, plus exactly one re-login


def test_relogin_that_finds_someone_else_is_busy(ac12g: Rig) -> None:
    with ac12g.driver() as drv:
        drv.get_status()
        ac12g.runner.run_sync(lambda: ac12g.device.hold_session_elsewhere())
        with pytest.raises(SessionBusy):
            drv.get_status()
    assert ac12g.device.session is not None and ac12g.device.session.phantom


def test_token_in_the_url_is_percent_encoded(ac12g: Rig) -> None:
    dev = ac12g.device
    nonce, dictionary = nonce_for(dev, "127.0.0.1"), challenge_dictionary()
    # Pick an admin password whose token holds characters encodeURIComponent escapes.
    rng = random.Random(5)
    dev.admin_password = next(
        pw
        for pw in ("".join(rng.choices(string.ascii_letters + "-_.", k=12)) for _ in range(3000))
        if encode_uri_component(login_token(pw, nonce, dictionary)) != login_token(
            pw, nonce, dictionary
        )
    )
    token = login_token(dev.admin_password, nonce, dictionary)
    rec = Recorded(ac12g, passwords=(dev.admin_password,))
    with rec.driver as drv:
        drv.get_status()
    raw_ids = [
        [part[3:] for part in urlsplit(p.url or "").query.split("&") if part.startswith("id=")]
        for p in rec.requests
    ]
    assert raw_ids[0] == []  # the challenge request carries no id
    sent = {raw for ids in raw_ids[1:] for raw in ids}
    assert sent == {encode_uri_component(token)}
    assert len(raw_ids) >= 4 and all(len(ids) == 1 for ids in raw_ids[1:])
    assert unquote(sent.pop()) == token


# --- reads and writes --------------------------------------------------------------------


def test_writes_send_only_the_changed_keys(r: Rig) -> None:
    profile = firmware_profile(r.harness.model, r.harness.profile)
    rec = Recorded(r)
    with rec.driver as drv:
        old_ssid = r.device.wifi[Band.GHZ_2_4].ssid
        drv.set_wifi(Band.GHZ_2_4, old_ssid, "so-a-chave-nova")
        drv.set_dns("8.8.8.8", "8.8.4.4")  # already so: nothing to write
        drv.set_dns("1.1.1.1", "8.8.4.4")
    bodies = rec.bodies(1)
    assert len(bodies) == 2
    (wifi,) = parse_blocks(bodies[0])
    assert wifi.ref == profile.wifi(Band.GHZ_2_4)
    assert list(wifi.values) == [("cPskSecret", None)]
    (dns,) = parse_blocks(bodies[1])
    assert dns.ref == ObjectRef(26)
    assert dns.values == {("dns", 0): "1.1.1.1"}
    assert r.device.counters.writes == 2
    assert r.device.wifi[Band.GHZ_2_4].psk == "so-a-chave-nova"
    assert r.device.dns == ["1.1.1.1", "8.8.4.4"]


def test_dns_write_turns_manual_dns_on(ac12g: Rig) -> None:
    ac12g.device.manual_dns = False
    rec = Recorded(ac12g)
    with rec.driver as drv:
        drv.set_dns("1.1.1.1", "1.0.0.1")
    (dns,) = parse_blocks(rec.bodies(1)[0])
    assert dns.values == {("manualDns", None): "1", ("dns", 0): "1.1.1.1", ("dns", 1): "1.0.0.1"}
    assert ac12g.device.manual_dns


def test_pppoe_write_is_credentials_then_link_commit(r: Rig) -> None:
    rec = Recorded(r)
    drv = rec.driver
    with drv:
        drv.set_pppoe(RADIUS_USER, "outra-senha-ppp")
    drv.wait_until_back()
    (body,) = rec.bodies(1)
    creds, commit = parse_blocks(body)
    assert creds.ref == ObjectRef(26) and list(creds.values) == [("paswd", None)]
    assert commit.ref == ObjectRef(22) and commit.values == {("linkType", None): "2"}
    assert r.device.pppoe_password == "outra-senha-ppp"
    assert r.device.counters.wan_restarts == 1


def test_firmware_refusal_is_device_rejected(ac12g: Rig) -> None:
    with ac12g.driver() as drv:
        assert isinstance(drv, MercusysDriver)
        bad = Block(ObjectRef(33, "1,0,0")).set("cPskSecret", "curta")
        with pytest.raises(DeviceRejected) as info:
            drv._write([bad], "set_wifi")
    assert "00077 (EINVPSKLEN)" in str(info.value)
    assert "curta" not in str(info.value)
    assert ac12g.device.counters.writes == 0


def test_reboot_mid_write_is_reported_clearly(r: Rig) -> None:
    r.device.knobs.fault = Fault.REBOOT_MID_WRITE
    drv = r.driver()
    with pytest.raises(DeviceUnreachable) as info, drv:
        drv.set_pppoe("novo.login", "novo-pw-1")
    err = info.value
    assert err.operation == "set_pppoe"
    assert "2-block write" in err.message and "part" in err.message
    assert "parte da alteração" in err.pt()
    assert "novo-pw-1" not in str(err) + err.pt()
    # The first block (credentials) landed, the link commit did not: no accepted write.
    assert r.device.pppoe_user == "novo.login"
    assert r.device.counters.writes == 0 and r.device.counters.wan_restarts == 0
    assert r.device.session is None  # the reboot dropped it


def test_garbage_after_login_is_a_parse_error(ac12g: Rig) -> None:
    with ac12g.driver() as drv:
        ac12g.device.knobs.fault = Fault.GARBAGE
        with pytest.raises(ParseError) as info:
            drv.get_status()
        ac12g.device.knobs.fault = None
    assert info.value.operation == "get_status"


# --- login counter ------------------------------------------------------------------------


def test_counter_one_before_lock_means_no_attempt(mr30g: Rig) -> None:
    mr30g.device.failures = mr30g.device.knobs.lock_threshold - 1
    with pytest.raises(LockoutRisk):
        mr30g.driver().open()
    assert mr30g.device.counters.failed_logins == 0


def test_wrong_password_reports_attempts_left_from_the_counter(mr30g: Rig) -> None:
    drv = mr30g.driver()
    assert isinstance(drv, MercusysDriver)
    assert drv._attempts_left_before_login() == 5
    assert drv.login_profile is not None and drv.login_profile.name == "classic-counter"
    attempt = drv._attempt_login(None, SecretStr("errada-1"))
    assert attempt.result is LoginResult.WRONG_PASSWORD
    assert attempt.attempts_left == 4
    # The refused attempt's answer carries the challenge for the next candidate.
    assert drv._attempt_login(None, SecretStr(ADMIN_PASSWORD)).result is LoginResult.OK
    drv.logged_in = True
    drv.close()
    assert not mr30g.device.open_toolkit_session()


def test_six_line_counter_is_unknown_never_zero(ac12g: Rig) -> None:
    """The AC12G v1's line [2] is always 00000: read as 'unknown', so the login goes on
    under the declared threshold instead of being refused every time."""
    drv = ac12g.driver()
    assert isinstance(drv, MercusysDriver)
    assert drv._attempts_left_before_login() is None
    assert drv.login_profile is not None and drv.login_profile.name == "classic-no-counter"
    attempt = drv._attempt_login(None, SecretStr("errada-1"))
    assert (attempt.result, attempt.attempts_left) == (LoginResult.WRONG_PASSWORD, None)
    assert MercusysDriver.lock_threshold == 3
    with ac12g.driver(passwords=("errada-2", ADMIN_PASSWORD)) as again:
        again.get_status()
    assert ac12g.device.counters.failed_logins == 2 and not ac12g.device.locked()


def test_secrets_stay_out_of_logs_and_errors(
    ac12g: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    dev = ac12g.device
    token = login_token(ADMIN_PASSWORD, nonce_for(dev, "127.0.0.1"), challenge_dictionary())
    drv = ac12g.driver()
    with drv:
        drv.set_wifi(Band.GHZ_5, "Rede Nova", "chave-wifi-nova-1")
        drv.set_pppoe(RADIUS_USER, RADIUS_PASSWORD + "-x")
    drv.wait_until_back()
    dev.knobs.fault = Fault.RESET
    with pytest.raises(DeviceUnreachable) as info:
        drv.open()
    shown = caplog.text + str(info.value) + repr(info.value.__cause__)
    secrets = (ADMIN_PASSWORD, token, encode_uri_component(token), "chave-wifi-nova-1")
    for secret in (*secrets, RADIUS_PASSWORD, encode_uri_component("chave-wifi-nova-1")):
        assert secret not in shown


def test_token_redaction_in_url_logs() -> None:
    line = 'http://h:2389 "POST /?code=2&asyn=1&id=ab%2Bcd!x HTTP/1.1" 200 7'
    assert scrub(line) == 'http://h:2389 "POST /?code=***&asyn=***&id=*** HTTP/1.1" 200 7'
    assert scrub("/?id=tok&code=1") == "/?id=***&code=***"


def test_unknown_model_key_is_unsupported() -> None:
    t = Target(host="127.0.0.1", port=9, model="mercusys-mw306r")
    with pytest.raises(Unsupported):
        MercusysDriver(t, Credential(passwords=(SecretStr("x"),)))


# --- per-model request shape ---------------------------------------------------------------


def test_profiles_differ_as_data() -> None:
    ac, mr = PROFILES["mercusys-ac12g"], PROFILES["mercusys-mr30g"]
    assert (ac.read_asyn, mr.read_asyn) == (1, 0)
    assert firmware_profile("mercusys-ac12g").wifi(Band.GHZ_5) == ObjectRef(33, "2,0,0")
    assert firmware_profile("mercusys-ac12g", "ac12g-v1-200909").wifi(Band.GHZ_5) == ObjectRef(
        33, "2,1,0"
    )
    assert firmware_profile("mercusys-mr30g").guest(Band.GHZ_2_4) == ObjectRef(33, "1,1,0")


def test_each_model_reads_with_its_own_asyn_and_stacks(r: Rig) -> None:
    profile = PROFILES[r.harness.model]
    rec = Recorded(r)
    with rec.driver as drv:
        st = drv.get_status()
    assert st.model_name == profile.model_name
    (read,) = rec.with_code(2)  # unit-0 numbering: found by the status read itself
    assert f"asyn={profile.read_asyn}&" in (read.url or "")
    assert read.headers["Referer"] == f"http://{r.host}:{r.port}/"  # with the port
    assert read.headers["Content-Type"] == "text/plain;charset=UTF-8"
    body = rec.bodies(2)[0]
    assert "33|1,0,0" in body and "33|2,0,0" in body


# --- fixture folders (no sockets) ----------------------------------------------------------


class FixtureAdapter(BaseAdapter):
    """Answers like a unit: a 401 challenge, any token accepted, reads from `reply.txt`."""

    def __init__(self, reply: bytes) -> None:
        super().__init__()
        self.reply = reply

    def send(  # type: ignore[override]  # the keyword arguments are unused here
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        query = parse_qs(urlsplit(request.url or "").query)
        code = query["code"][0]
        if code == "7" and "id" not in query:
            status, body = 401, b"00007\r\n4\r\n5\r\nFixtureNonce123\r\n" + b"abcdefgh\r\n"
        elif code == "2":
            status, body = 200, self.reply
        else:
            status, body = 200, b"00000\r\n"
        resp = requests.Response()
        resp.status_code, resp._content, resp.request = status, body, request
        resp.url = request.url or ""
        return resp

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    "case", sorted(p.name for p in (FIXTURES / "get_status").iterdir() if p.is_dir())
)
def test_driver_reads_fixture_folders(case: str) -> None:
    folder = FIXTURES / "get_status" / case
    expected = json.loads((folder / "expected_result.json").read_text())
    session = make_session()
    session.mount("http://", FixtureAdapter((folder / "reply.txt").read_bytes()))
    target = Target(host="192.0.2.10", model=expected["model"])
    with MercusysDriver(target, Credential(passwords=(SecretStr("x"),)), session=session) as drv:
        st = drv.get_status()
    dumped = st.model_dump(mode="json")
    assert {k: dumped[k] for k in expected} == expected
