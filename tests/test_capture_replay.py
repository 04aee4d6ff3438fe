"""`cpe capture`: record a simulated device, prove the fixture holds no secret, replay it.

Canaries are planted on the simulator (admin password, PPPoE password, Wi-Fi keys) and
only the admin password is told to the scrubber: the device-side secrets must be found
by the family profiles themselves, as with a real unit whose Wi-Fi key IXC does not know.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from pydantic import SecretStr

from cpe.capture import run
from cpe.capture.fixture import Fixture, ReadOnlyViolation, ReplayMismatch
from cpe.capture.profiles import HttpProfile, profile_for
from cpe.capture.scrub import variants
from cpe.models import Band, Credential, DnsSettings, Transport
from drivers.registry import driver_class
from drivers.sim import SimRunner, WifiState
from tests.conformance.harness import FAST, Harness, Rig, rig
from tests.conformance.harnesses import HARNESSES

CANARY_ADMIN = "Canary-Admin-7Qx"
CANARY_PPP = "Canary-PPP-4Zk"
CANARY_WIFI = {Band.GHZ_2_4: "Canary-Wifi24-9Lm", Band.GHZ_5: "Canary-Wifi5-3Rt"}
CANARIES = (CANARY_ADMIN, CANARY_PPP, *CANARY_WIFI.values())

#: Mercusys (the brief's must), every ONU family, and Zyxel over web and CLI.
CAPTURED = [
    "mercusys-ac12g", "mercusys-mr30g", "fiberhome-onu", "fiberhome-onu-fixed-key",
    "zte-onu", "tplink-onu", "tplink-onu-gcm", "tplink-xz000-g3", "zyxel-web", "zyxel-ssh",
]
BY_ID = {h.id: h for h in HARNESSES}


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


@contextmanager
def canary_rig(h: Harness, runner: SimRunner) -> Iterator[Rig]:
    with rig(h, runner) as made:
        dev = made.device
        dev.admin_password = CANARY_ADMIN
        dev.pppoe_password = CANARY_PPP
        dev.radius = (dev.pppoe_user, CANARY_PPP)
        if dev.wifi:
            dev.wifi = {b: WifiState(w.ssid, CANARY_WIFI[b]) for b, w in dev.wifi.items()}
        dev.evaluate_wan()
        yield made


@pytest.fixture(params=CAPTURED)
def canary(request: pytest.FixtureRequest, runner: SimRunner) -> Iterator[Rig]:
    with canary_rig(BY_ID[request.param], runner) as made:
        yield made


def _credential(r: Rig) -> Credential:
    return Credential(username=r.device.admin_user, passwords=(SecretStr(CANARY_ADMIN),))


def _everything_in(folder: Path) -> str:
    """Every file of the folder, plus every body decrypted with the pinned keys."""
    texts = [p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file()]
    fixture = Fixture.read(folder)
    profile = profile_for(
        driver_class(fixture.meta.model, Transport(fixture.meta.transport)),
        fixture.meta.transport != "http",
    )
    if isinstance(profile, HttpProfile):
        texts += profile.plaintexts(fixture.http(), fixture.meta.pins)
    return "\n".join(texts)


def test_capture_replays_to_the_same_status_without_any_secret(
    canary: Rig, tmp_path: Path
) -> None:
    result = run.record(canary.target(), _credential(canary), source="simulator", timeouts=FAST)
    folder = run.save(result, tmp_path, "caso")
    assert folder == tmp_path / canary.harness.model / "caso"
    assert not canary.device.open_toolkit_session(), "the capture must log out"
    assert canary.device.counters.writes == 0

    corpus = _everything_in(folder)
    for secret in CANARIES:
        for encoded, _ in variants(secret, ""):
            assert encoded not in corpus, f"{secret!r} leaked as {encoded!r}"

    replayed, expected = run.replay_folder(folder)
    assert replayed.model_dump(mode="json") == expected
    assert expected == result.status.model_dump(mode="json")
    assert json.loads((folder / "capture.json").read_text())["source"] == "simulator"
    if canary.harness.model.startswith(("mercusys", "zyxel", "zte", "fiberhome")):
        assert replayed.wan.pppoe_username == canary.device.pppoe_user


def test_replay_notices_a_driver_that_asks_for_something_else(
    tmp_path: Path, runner: SimRunner
) -> None:
    with canary_rig(BY_ID["mercusys-ac12g"], runner) as r:
        folder = run.save(run.record(r.target(), _credential(r), timeouts=FAST), tmp_path, "c")
    fixture = Fixture.read(folder)
    fixture.http()[2].request.target = "POST /?code=2&asyn=0&id=scrubbedToken1"
    with pytest.raises(ReplayMismatch):
        run.replay(fixture)
    short = Fixture.read(folder)
    short.exchanges = short.exchanges[:2]
    with pytest.raises(ReplayMismatch):
        run.replay(short)


@pytest.mark.parametrize("hid", ["mercusys-ac12g", "zte-onu", "fiberhome-onu", "tplink-onu",
                                 "zyxel-web", "zyxel-telnet"])
def test_read_only_refuses_writes(hid: str, runner: SimRunner) -> None:
    with canary_rig(BY_ID[hid], runner) as r, run.recording_driver(
        r.target(), _credential(r), timeouts=FAST
    ) as seam:
        dns_before = list(r.device.dns)
        drv = seam.driver
        with pytest.raises(ReadOnlyViolation):
            drv.set_dns("1.1.1.1", "1.0.0.1")  # the driver's public write: refused outright
        with drv, pytest.raises(ReadOnlyViolation):
            # Bypass the public method: the family's guard must refuse it on the wire.
            drv._set_dns(DnsSettings(primary=IPv4Address("1.1.1.1"),
                                     secondary=IPv4Address("1.0.0.1")))
    assert r.device.counters.writes == 0
    assert r.device.dns == dns_before
    assert not r.device.open_toolkit_session()
