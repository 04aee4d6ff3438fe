"""Issue 12 for ZTE and Fiberhome: probes from unauthenticated answers, version-only
advisories, evidence ledgers, and the firmware profiles the lab mixes."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from cpe.lab.plan import make_plan, model_profiles
from drivers.advisories import matching
from drivers.evidence import Grade, constants_of, ledger_of
from drivers.fiberhome.probe import probe as fiberhome_probe
from drivers.fiberhome.simulator import FiberhomeFamily
from drivers.http import make_session
from drivers.mercusys.simulator import MercusysFamily
from drivers.probe import probe_fn
from drivers.sim import SimDevice, SimRunner
from drivers.zte.probe import probe as zte_probe
from drivers.zte.simulator import ZteFamily
from tests.conformance.harness import next_loopback

ZTE, FH = ZteFamily(), FiberhomeFamily()


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


def _serve(runner: SimRunner, family: object, dev: SimDevice) -> tuple[str, int]:
    return runner.add(dev, family, next_loopback(), 0)  # type: ignore[arg-type]


def _logins(dev: SimDevice) -> int:
    return int(dev.extra.get("login_posts", 0)) + dev.counters.logins + dev.counters.failed_logins


# --- probes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "expected", "web_ui"),
    # thinklua-rsa4096 looks the same before login (its key is on pages behind it).
    [("thinklua", "thinklua", "thinklua"), ("thinklua-activate", "thinklua", "thinklua"),
     ("gch", None, "gch")],
)
def test_zte_probe_names_the_variant_without_a_login(
    runner: SimRunner, profile: str, expected: str | None, web_ui: str
) -> None:
    dev = ZTE.new_device("zte-onu", random.Random(1), profile=profile)
    host, port = _serve(runner, ZTE, dev)
    fp = zte_probe(make_session(), host, port, 5.0)
    assert fp is not None and fp.family == "zte" and fp.model_key == "zte-onu"
    assert fp.profile == expected and fp.details["web_ui"] == web_ui
    assert fp.supported is (expected is not None)
    assert fp.model_name == dev.model_name
    assert _logins(dev) == 0


@pytest.mark.parametrize(
    ("profile", "expected"),
    [("acs-random", "acs-random"), ("fixed-key", "fixed-key"), ("fhncapis", None),
     ("goform", None)],
)
def test_fiberhome_probe_names_the_key_and_stack_without_a_login(
    runner: SimRunner, profile: str, expected: str | None
) -> None:
    dev = FH.new_device("fiberhome-onu", random.Random(2), profile=profile)
    host, port = _serve(runner, FH, dev)
    fp = fiberhome_probe(make_session(), host, port, 5.0)
    assert fp is not None and fp.family == "fiberhome" and fp.profile == expected
    if expected:
        assert fp.model_name == "HG6145F"
    assert _logins(dev) == 0


def test_each_probe_says_none_to_the_other_families(runner: SimRunner) -> None:
    zte = ZTE.new_device("zte-onu", random.Random(3))
    fh = FH.new_device("fiberhome-onu", random.Random(3))
    merc = MercusysFamily().new_device("mercusys-ac12g", random.Random(3))
    zte_at, fh_at = _serve(runner, ZTE, zte), _serve(runner, FH, fh)
    merc_at = _serve(runner, MercusysFamily(), merc)
    assert zte_probe(make_session(), *fh_at, 5.0) is None
    assert zte_probe(make_session(), *merc_at, 5.0) is None
    assert fiberhome_probe(make_session(), *zte_at, 5.0) is None
    assert fiberhome_probe(make_session(), *merc_at, 5.0) is None
    assert probe_fn("zte") is zte_probe and probe_fn("fiberhome") is fiberhome_probe


# --- advisories: the simulated firmware strings, matched by version only ----------------------


def test_fixed_key_profile_is_flagged_and_the_current_one_is_not() -> None:
    old = FH.new_device("fiberhome-onu", random.Random(4), profile="fixed-key")
    new = FH.new_device("fiberhome-onu", random.Random(4), profile="acs-random")
    assert [a.advisory_id for a in matching("fiberhome-onu", old.firmware)] == ["CVE-2021-4464"]
    assert matching("fiberhome-onu", new.firmware) == []
    assert matching("fiberhome-hg6145f", old.firmware) == []  # the advisory names no HG6145F
    assert matching("fiberhome-onu", "RP2632") == [] and matching("fiberhome-onu", None) == []


def test_zte_legacy_firmware_is_flagged_and_thinklua_is_not() -> None:
    for profile in ZTE.profiles["zte-onu"]:
        dev = ZTE.new_device("zte-onu", random.Random(5), profile)
        assert matching("zte-onu", dev.firmware) == []
    gch = ZTE.new_device("zte-onu", random.Random(5), profile="gch")
    assert [a.advisory_id for a in matching("zte-onu", gch.firmware)] == ["CVE-2020-6879"]


# --- ledgers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("family", "module"),
    [("zte", "drivers.zte.guessed"), ("fiberhome", "drivers.fiberhome.guessed"),
     ("ixc", "inventory.ixc.fields")],
)
def test_ledger_has_one_fact_per_constant_and_sources_for_non_guesses(
    family: str, module: str
) -> None:
    facts = ledger_of(family)
    names = [f.name for f in facts]
    assert sorted(names) == sorted(constants_of(module))
    assert len(set(names)) == len(names)
    for fact in facts:
        assert fact.summary
        assert (fact.grade is Grade.GUESSED) or fact.sources
        assert fact.grade is not Grade.GUESSED or fact.note, f"{fact.name}: say why"


# --- the lab mixes the profiles ------------------------------------------------------------------


def test_lab_hands_zte_and_fiberhome_units_their_profiles_in_turn() -> None:
    assert model_profiles("zte-onu") == ("thinklua", "thinklua-activate")
    assert model_profiles("fiberhome-onu") == ("acs-random", "fixed-key")
    plans = make_plan(80, models=["zte-onu", "fiberhome-onu"])
    seen = {(p.model, p.profile) for p in plans}
    assert {("zte-onu", p) for p in model_profiles("zte-onu")} <= seen
    assert {("fiberhome-onu", p) for p in model_profiles("fiberhome-onu")} <= seen
    for plan in plans[:6]:
        family = ZTE if plan.model == "zte-onu" else FH
        dev = family.new_device(plan.model, random.Random(plan.index), profile=plan.profile)
        assert dev.extra["profile"] == plan.profile


def test_unknown_profile_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown ZTE profile"):
        ZTE.new_device("zte-onu", random.Random(6), profile="vue")
    with pytest.raises(ValueError, match="unknown Fiberhome profile"):
        FH.new_device("fiberhome-onu", random.Random(6), profile="cmcc")
