"""Firmware variants of the TP-Link EX protocol: the driver finds the cipher profile by
trying without spending a password attempt, stops with Unsupported (and the variant's
fingerprint) on one it does not know, and the unauthenticated probe says the same."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from pydantic import SecretStr
from requests.adapters import HTTPAdapter

from cpe.errors import DeviceUnreachable, Unsupported
from cpe.lab.plan import make_plan
from drivers.base import LoginResult
from drivers.evidence import Grade, constants_of, grade_counts
from drivers.http import make_session
from drivers.probe import probe_fn
from drivers.sim import SimDevice, SimRunner
from drivers.tplink import guessed as g
from drivers.tplink import protocol as p
from drivers.tplink import simulator
from drivers.tplink.crypto import CipherProfile
from drivers.tplink.driver import TplinkOnuDriver
from drivers.tplink.probe import probe
from tests.conformance.harness import ADMIN_PASSWORD, FAST, Harness, Rig, rig

Make = Callable[..., Rig]


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as made:
        yield made


@pytest.fixture()
def make(runner: SimRunner) -> Iterator[Make]:
    with ExitStack() as stack:

        def _make(profile: str = "cbc", model: str = "tplink-onu") -> Rig:
            def customize(dev: SimDevice) -> None:
                dev.extra["profile"] = profile

            harness = Harness(id=f"variant-{profile}", model=model, customize=customize)
            return stack.enter_context(rig(harness, runner))

        yield _make


class _Noting(HTTPAdapter):
    """Notes every request before sending it (a dropped connection has no response)."""

    def __init__(self, seen: list[str]) -> None:
        super().__init__()
        self.seen = seen

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        self.seen.append(f"{request.method} {urlsplit(request.url or '').path}")
        return super().send(request, *args, **kwargs)


def _recorded(rig_: Rig, passwords: tuple[str, ...] = (ADMIN_PASSWORD,)) -> tuple[
    TplinkOnuDriver, list[str]
]:
    """A driver whose every request is noted as "METHOD path"."""
    seen: list[str] = []
    session = make_session()
    session.mount("http://", _Noting(seen))
    cls = type(rig_.driver())
    cred = rig_.driver(passwords).credential
    drv = cls(rig_.target(), cred, timeouts=FAST, session=session)
    assert isinstance(drv, TplinkOnuDriver)
    return drv, seen


LOGIN = f"POST {p.GDPR_PATH}"
KEYS = f"POST {p.PARM_PATH}"
SCRIPT = f"GET {g.TPENCRYPT_JS_PATH}"


@pytest.mark.parametrize(
    ("profile", "found", "tries"),
    [
        ("cbc", "cbc", 1),  # the first guess
        ("gcm", "gcm", 2),  # a plain 71234: the sign was read, the body was not
        ("gcm-oaep", "gcm-oaep", 2),  # the connection dropped: an OAEP unit
        ("gcm-oaep-joined", "gcm-oaep", 2),  # same, answers with the tag joined
    ],
)
def test_the_profile_is_found_by_trying_without_spending_an_attempt(
    make: Make, profile: str, found: str, tries: int
) -> None:
    r = make(profile)
    drv, seen = _recorded(r)
    with drv:
        assert drv.profile is not None and drv.profile.name == found
        assert drv.get_status().firmware == r.device.firmware
    logins = seen[: seen.index("GET /")]  # up to the token page after the good login
    assert logins.count(KEYS) == tries and logins.count(LOGIN) == tries
    assert SCRIPT not in logins  # the way the first try was refused was enough
    assert r.device.counters.failed_logins == 0 and r.device.counters.logins == 1
    assert not r.device.open_toolkit_session()


def test_a_wrong_password_on_gcm_firmware_costs_exactly_one_attempt(make: Make) -> None:
    r = make("gcm")
    drv, _ = _recorded(r)
    attempt = drv._attempt_login("admin", SecretStr("senha-errada"))
    assert attempt.result is LoginResult.WRONG_PASSWORD
    assert attempt.attempts_left == g.LOCK_THRESHOLD - 1
    assert r.device.counters.failed_logins == 1
    again = drv._attempt_login("admin", SecretStr("outra-errada"))  # the profile is known now
    assert again.result is LoginResult.WRONG_PASSWORD and r.device.counters.failed_logins == 2


def test_a_variant_no_profile_speaks_is_unsupported_with_its_fingerprint(
    make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AES-CBC with an OAEP sign: every try misses, none reaches the password check."""
    odd = simulator.SimProfile("cbc-oaep", CipherProfile("cbc-oaep", aes="cbc", rsa="oaep"))
    monkeypatch.setitem(simulator.SIM_PROFILES, odd.name, odd)
    r = make("cbc-oaep")
    drv, seen = _recorded(r)
    with pytest.raises(Unsupported) as info:
        drv.open()
    message = str(info.value)
    assert "no password attempt was spent" in message
    assert "rsa_bits=512" in message and "rsa_from_script=oaep" in message
    for name in ("cbc: connection closed", "gcm-oaep: plain $.ret=71234", "gcm:"):
        assert name in message
    assert seen.count(LOGIN) == 3
    assert r.device.counters.failed_logins == 0 and r.device.counters.logins == 0
    assert ADMIN_PASSWORD not in message


def test_an_ecc_key_exchange_is_unsupported_before_any_login(make: Make) -> None:
    r = make()
    r.device.extra["key_exchange"] = "ecc"
    drv, seen = _recorded(r)
    with pytest.raises(Unsupported) as info:
        drv.open()
    assert "ECC P-224" in str(info.value)
    assert LOGIN not in seen and r.device.counters.failed_logins == 0


def test_a_pinned_model_is_tried_alone(make: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(g.PROFILE_BY_MODEL, "tplink-onu", "gcm-oaep")
    r = make("gcm-oaep")
    drv, seen = _recorded(r)
    with drv:
        pass
    assert seen[:2] == [KEYS, LOGIN] and SCRIPT not in seen


# --- the probe: unauthenticated only -------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "expected", "rsa"),
    [("cbc", "cbc", "raw"), ("gcm", "cbc", "raw"), ("gcm-oaep", "gcm-oaep", "oaep")],
)
def test_probe_names_model_variant_and_profile_without_a_login(
    make: Make, profile: str, expected: str, rsa: str
) -> None:
    r = make(profile)
    fp = probe(make_session(), r.host, r.port, 2.0)
    assert fp is not None and fp.supported
    assert (fp.family, fp.model_key, fp.model_name) == ("tplink", "tplink-onu", "XC220-G3v")
    assert fp.profile == expected and fp.details["rsa_sign"] == rsa
    assert fp.details["key_exchange"] == "rsa-512"
    assert fp.firmware is None  # the login page does not show it
    assert r.device.counters.logins == r.device.counters.failed_logins == 0
    assert r.device.session is None
    assert probe_fn("tplink") is probe


def test_probe_of_the_bridge_and_of_an_ecc_unit(make: Make) -> None:
    fp = probe(None, *_addr(make("cbc", model="tplink-xz000-g3")), 2.0)
    assert fp is not None and fp.model_key == "tplink-xz000-g3"
    r = make()
    r.device.extra["key_exchange"] = "ecc"
    ecc = probe(None, r.host, r.port, 2.0)
    assert ecc is not None and not ecc.supported and ecc.profile is None
    assert ecc.details["key_exchange"] == "ecc-p224"


def _addr(r: Rig) -> tuple[str, int]:
    return r.host, r.port


def test_probe_says_none_to_other_families_and_unreachable_to_a_closed_port(
    runner: SimRunner,
) -> None:
    with rig(Harness(id="not-tplink", model="zte-onu"), runner) as other:
        assert probe(None, other.host, other.port, 2.0) is None
    with pytest.raises(DeviceUnreachable):
        probe(None, "127.0.0.1", 9, 1.0)


# --- the ledger and the lab ----------------------------------------------------------------


def test_every_guessed_constant_has_one_fact_with_sources_unless_guessed() -> None:
    names = [fact.name for fact in g.LEDGER]
    assert sorted(names) == sorted(constants_of("drivers.tplink.guessed"))
    for fact in g.LEDGER:
        assert fact.summary
        if fact.grade is not Grade.GUESSED:
            # At least one followable source: "owner/repo:path" or a repository's issue/PR.
            assert any("/" in src and "not recorded" not in src for src in fact.sources)
    counts = grade_counts(g.LEDGER)
    assert counts[Grade.CONFIRMED] >= 4 and counts[Grade.CORROBORATED] >= 15


def test_the_lab_deals_out_every_firmware_profile() -> None:
    plans = make_plan(8, models=["tplink-onu", "tplink-xz000-g3"], seed=5)
    onu = {pl.profile for pl in plans if pl.model == "tplink-onu"}
    assert onu == {"cbc", "gcm", "gcm-oaep", "gcm-oaep-joined"}
    assert {pl.profile for pl in plans if pl.model == "tplink-xz000-g3"} == {"cbc", "gcm"}
    family = simulator.TplinkFamily()
    for profile in family.profiles["tplink-onu"]:
        dev = family.new_device("tplink-onu", random.Random(1), profile=profile)
        assert dev.extra["profile"] == profile
    with pytest.raises(ValueError):
        family.new_device("tplink-onu", random.Random(1), profile="des")


def test_an_unclear_refusal_is_settled_by_the_login_page_script(
    make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Firmware that answers an unreadable login with HTTP 400 (not a drop, not a plain
    71234): the crypto script says OAEP, so the OAEP profile is the second try."""
    monkeypatch.setattr(g, "BAD_SIGN_CLOSES_CONNECTION", False)  # the simulator's answer
    r = make("gcm-oaep")
    drv, seen = _recorded(r)
    with drv:
        assert drv.profile is not None and drv.profile.name == "gcm-oaep"
    assert seen.count(SCRIPT) == 1 and seen.count(LOGIN) == 3  # two logins + the logout
    assert drv.variant["rsa_from_script"] == "oaep"
    assert r.device.counters.failed_logins == 0
