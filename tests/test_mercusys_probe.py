"""`drivers.mercusys.probe` against every firmware profile, the ledger and the advisories."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
import requests

from drivers.advisories import matching
from drivers.evidence import Grade, constants_of, grade_counts, ledger_of
from drivers.http import make_session
from drivers.mercusys import guessed as g
from drivers.mercusys.advisories import ADVISORIES
from drivers.mercusys.probe import probe
from drivers.mercusys.profiles import FIRMWARE_PROFILES, MODEL_FIRMWARE
from drivers.mercusys.simulator import MercusysFamily
from drivers.mercusys.wire import ChallengeLayout
from drivers.probe import probe_fn
from drivers.registry import simulator_family
from drivers.sim import SimDevice, SimRunner

FAMILY = MercusysFamily()
_hosts = iter(range(2, 250))


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


@pytest.fixture()
def session() -> Iterator[requests.Session]:
    with make_session() as s:
        yield s


def _unit(runner: SimRunner, model: str, profile: str | None) -> tuple[str, int, SimDevice]:
    dev = FAMILY.new_device(model, random.Random(9), profile=profile)
    dev.evaluate_wan()
    host, port = runner.add(dev, FAMILY, f"127.0.37.{next(_hosts)}", 0)
    return host, port, dev


@pytest.mark.parametrize(
    ("model", "profile"), [(m, p) for m, names in MODEL_FIRMWARE.items() for p in names]
)
def test_probe_names_model_and_login_profile_of_every_variant(
    runner: SimRunner, session: requests.Session, model: str, profile: str
) -> None:
    host, port, dev = _unit(runner, model, profile)
    fp = probe(session, host, port, 3.0)
    assert fp is not None and fp.supported
    assert (fp.family, fp.model_key, fp.model_name) == ("mercusys", model, dev.model_name)
    layout = FIRMWARE_PROFILES[profile].challenge
    want = "classic-no-counter" if layout is ChallengeLayout.CONSTANT else "classic-counter"
    assert fp.profile == want
    assert fp.details["challenge_layout"] == layout
    assert fp.details["nonce_length"] == g.NONCE_LENGTH
    assert "after login" in fp.details["wifi_numbering"]
    # Firmware is not shown without login on these builds: nothing invented.
    assert fp.firmware is None
    assert len(fp.evidence) == 2 and all("password" not in e for e in fp.evidence)
    assert dev.counters.failed_logins == 0 and dev.counters.logins == 0


def test_probe_is_registered() -> None:
    assert probe_fn("mercusys") is probe


def test_probe_says_none_for_other_families_and_dead_ports(
    runner: SimRunner, session: requests.Session
) -> None:
    zyxel = simulator_family("zyxel")
    dev = zyxel.new_device("zyxel", random.Random(3))  # type: ignore[attr-defined]
    host, port = runner.add(dev, zyxel, f"127.0.37.{next(_hosts)}", 0)  # type: ignore[arg-type]
    assert probe(session, host, port, 3.0) is None
    assert probe(session, "127.0.0.1", 9, 1.0) is None


def test_probe_reports_a_lock_without_touching_it(
    runner: SimRunner, session: requests.Session
) -> None:
    host, port, dev = _unit(runner, "mercusys-mr30g", None)
    dev.knobs.lock_threshold = 1
    dev.check_login(None, "typo", "203.0.113.5")
    fp = probe(session, host, port, 3.0)
    assert fp is not None and fp.details["client_state"] == "LOCK"
    assert dev.counters.failed_logins == 1


# --- evidence ledger ------------------------------------------------------------------------


def test_ledger_has_one_fact_per_constant() -> None:
    names = constants_of("drivers.mercusys.guessed")
    facts = [f.name for f in ledger_of("mercusys")]
    assert sorted(names) == sorted(facts) and len(set(facts)) == len(facts)


def test_ledger_grades() -> None:
    counts = grade_counts(g.LEDGER)
    assert counts[Grade.CONFIRMED] >= 6 and counts[Grade.CORROBORATED] >= 40
    by_name = {f.name: f for f in g.LEDGER}
    # The facts this work rests on, with their sources.
    assert by_name["SIX_LINE_CONSTANT"].grade is Grade.CONFIRMED
    assert any("poc_CVE-2026-36609" in s for s in by_name["SIX_LINE_CONSTANT"].sources)
    assert by_name["LOCK_SECONDS"].grade is Grade.CONFIRMED and g.LOCK_SECONDS == 7200
    assert by_name["DATA_DHCPC"].grade is Grade.CORROBORATED
    assert by_name["WIFI_STACK_ORDER"].grade is Grade.GUESSED


# --- advisories -------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", MODEL_FIRMWARE["mercusys-ac12g"])
def test_every_simulated_ac12g_build_is_one_the_advisories_list(profile: str) -> None:
    dev = FAMILY.new_device("mercusys-ac12g", random.Random(4), profile=profile)
    ids = {a.advisory_id for a in matching("mercusys-ac12g", dev.firmware)}
    assert {"CVE-2026-36607", "CVE-2026-36609"} <= ids
    assert ids == {a.advisory_id for a in ADVISORIES}


@pytest.mark.parametrize(
    ("model", "firmware"),
    [
        ("mercusys-ac12g", "1.11.1 Build 230317 Rel.62450n(4555)"),  # AC12G v3 (not listed)
        ("mercusys-mr30g", "1.0.1 Build 200909 Rel.12345n"),  # right build, other model
        ("mercusys-mr30g", g.MR30G_FIRMWARE_CURRENT),
        ("mercusys-ac12g", None),
    ],
)
def test_advisories_match_by_version_and_model_only(model: str, firmware: str | None) -> None:
    assert matching(model, firmware) == []


def test_every_advisory_names_its_source() -> None:
    for row in ADVISORIES:
        assert row.advisory_id in row.source and "Tested Firmware" in row.source
        assert row.summary_pt and row.severity in ("critical", "high", "medium")
