"""The shared conformance suite: every driver against its simulator, over real sockets.

A new family gets every test here by adding one `Harness` to `harnesses.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address

import pytest

from cpe.errors import (
    AuthError,
    DeviceError,
    DeviceUnreachable,
    InputError,
    LockoutRisk,
    SessionBusy,
    Timeout,
    Unsupported,
)
from cpe.models import Band, Capability, Timeouts, WanError
from drivers.sim import Fault, SimRunner
from tests.conformance.harness import (
    ADMIN_PASSWORD,
    FAST,
    RADIUS_PASSWORD,
    RADIUS_USER,
    Rig,
    rig,
)
from tests.conformance.harnesses import HARNESSES


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


@pytest.fixture(params=HARNESSES, ids=[h.id for h in HARNESSES])
def r(request: pytest.FixtureRequest, runner: SimRunner) -> Iterator[Rig]:
    with rig(request.param, runner) as made:
        yield made


def _needs(r: Rig, cap: Capability) -> None:
    if cap not in r.harness.expects:
        pytest.skip(f"{r.harness.id} does not offer {cap}")


def test_status_reads_what_the_device_holds(r: Rig) -> None:
    with r.driver() as drv:
        st = drv.get_status()
    dev = r.device
    assert st.model == r.harness.model
    assert st.firmware
    assert st.uptime_s is not None and st.uptime_s >= 0
    if Capability.PPPOE in r.harness.expects:
        assert st.wan.up is True
        want_user = RADIUS_USER if r.harness.pppoe_wan else None
        assert st.wan.pppoe_username == want_user
    if Capability.DNS in r.harness.expects:
        assert [str(d) for d in st.dns[:2]] == dev.dns[:2]
    if Capability.WIFI in r.harness.expects:
        bands = {w.band: w.ssid for w in st.wifi}
        assert bands[Band.GHZ_2_4] == dev.wifi[Band.GHZ_2_4].ssid
        assert bands[Band.GHZ_5] == dev.wifi[Band.GHZ_5].ssid
    assert not dev.open_toolkit_session(), "driver must log out"


def test_status_never_shows_secrets(r: Rig) -> None:
    with r.driver() as drv:
        st = drv.get_status()
    dumped = st.model_dump_json()
    for secret in (ADMIN_PASSWORD, RADIUS_PASSWORD, "velha-senha-24", "velha-senha-5g"):
        assert secret not in dumped
        assert secret not in repr(st)


def test_set_dns_reads_back(r: Rig) -> None:
    _needs(r, Capability.DNS)
    with r.driver() as drv:
        drv.set_dns("1.1.1.1", "1.0.0.1")
        st = drv.get_status()
    assert list(st.dns[:2]) == [IPv4Address("1.1.1.1"), IPv4Address("1.0.0.1")]
    assert r.device.dns[:2] == ["1.1.1.1", "1.0.0.1"]
    assert not r.device.open_toolkit_session()


@pytest.mark.parametrize("band", [Band.GHZ_2_4, Band.GHZ_5])
def test_set_wifi_reads_back(r: Rig, band: Band) -> None:
    _needs(r, Capability.WIFI)
    other = Band.GHZ_5 if band is Band.GHZ_2_4 else Band.GHZ_2_4
    before_other = r.device.wifi[other].ssid
    with r.driver() as drv:
        drv.set_wifi(band, "SejaFibra Nova", "nova-senha-123")
        st = drv.get_status()
    assert st.wifi_for(band) is not None
    assert st.wifi_for(band).ssid == "SejaFibra Nova"  # type: ignore[union-attr]
    assert r.device.wifi[band].ssid == "SejaFibra Nova"
    assert r.device.wifi[band].psk == "nova-senha-123"
    assert r.device.wifi[other].ssid == before_other, "the other band must be left alone"


def test_set_pppoe_restarts_wan_and_reconnects(r: Rig) -> None:
    _needs(r, Capability.PPPOE)
    r.device.radius = ("novo.login", "novo-pw-1")
    drv = r.driver()
    with drv:
        drv.set_pppoe("novo.login", "novo-pw-1")
        assert drv.wan_restarting
    drv.wait_until_back()
    with r.driver() as again:
        st = again.get_status()
    assert r.device.counters.wan_restarts == 1
    assert st.wan.pppoe_username == "novo.login"
    assert st.wan.up is True
    assert not r.device.open_toolkit_session()


def test_wrong_pppoe_password_shows_auth_error(r: Rig) -> None:
    _needs(r, Capability.PPPOE)
    drv = r.driver()
    with drv:
        drv.set_pppoe(RADIUS_USER, "wrong-ppp-password")
    drv.wait_until_back()
    with r.driver() as again:
        st = again.get_status()
    assert st.wan.up is False
    assert st.wan.error is WanError.PPPOE_AUTH


def test_wrong_first_candidate_then_right_one(r: Rig) -> None:
    with r.driver(passwords=("not-this-one", ADMIN_PASSWORD)) as drv:
        drv.get_status()
    assert r.device.counters.failed_logins == 1
    assert r.device.counters.lockouts_caused == 0


def test_all_candidates_wrong_is_auth_error(r: Rig) -> None:
    r.device.knobs.lock_threshold = 10
    with pytest.raises(AuthError) as info:
        r.driver(passwords=("nope-1", "nope-2")).open()
    assert "nope" not in str(info.value)
    assert r.device.counters.failed_logins == 2


def test_never_locks_the_device(r: Rig) -> None:
    """Threshold 2: after one failure one more would lock, so the driver must stop."""
    r.device.knobs.lock_threshold = r.harness.hidden_lock_threshold or 2
    with pytest.raises(LockoutRisk):
        r.driver(passwords=("bad-1", "bad-2", ADMIN_PASSWORD)).open()
    assert r.device.counters.lockouts_caused == 0
    assert not r.device.locked()


def test_already_locked_device(r: Rig) -> None:
    r.device.knobs.lock_threshold = 1
    r.device.check_login(None, "someone-else-typo", "203.0.113.5")
    assert r.device.locked()
    with pytest.raises(LockoutRisk):
        r.driver().open()
    assert r.device.counters.lockouts_caused == 1  # the planted one, none by us


def test_busy_session_is_reported_not_kicked(r: Rig) -> None:
    r.device.hold_session_elsewhere()
    with pytest.raises(SessionBusy):
        r.driver().open()
    assert r.device.session is not None and r.device.session.phantom


def test_logout_always_happens_even_on_error(r: Rig) -> None:
    drv = r.driver()
    # A model without Wi-Fi refuses the call before validating it (Unsupported).
    expected = InputError if Capability.WIFI in r.harness.expects else Unsupported
    with pytest.raises(expected), drv:
        drv.set_wifi(Band.GHZ_2_4, "x" * 40, "short")
    assert not r.device.open_toolkit_session()


@pytest.mark.parametrize(
    ("ssid", "psk"),
    [("", "valid-pass-1"), ("Casa", "curta"), ("x" * 33, "valid-pass-1"), ("Ok", "é" * 10)],
)
def test_bad_input_leaves_device_unchanged(r: Rig, ssid: str, psk: str) -> None:
    _needs(r, Capability.WIFI)
    before = (r.device.wifi[Band.GHZ_2_4].ssid, r.device.wifi[Band.GHZ_2_4].psk)
    writes = r.device.counters.writes
    with pytest.raises(InputError), r.driver() as drv:
        drv.set_wifi(Band.GHZ_2_4, ssid, psk)
    assert (r.device.wifi[Band.GHZ_2_4].ssid, r.device.wifi[Band.GHZ_2_4].psk) == before
    assert r.device.counters.writes == writes


def test_unsupported_operations_say_so(r: Rig) -> None:
    missing = {Capability.PPPOE, Capability.DNS, Capability.WIFI} - r.harness.expects
    if not missing:
        pytest.skip("supports every write")
    with r.driver() as drv:
        for cap in missing:
            with pytest.raises(Unsupported):
                if cap is Capability.PPPOE:
                    drv.set_pppoe("a", "b")
                elif cap is Capability.DNS:
                    drv.set_dns("1.1.1.1", "1.0.0.1")
                else:
                    drv.set_wifi(Band.GHZ_2_4, "abc", "abcdefgh")


def test_fault_hang_is_timeout(r: Rig) -> None:
    r.device.knobs.fault = Fault.HANG
    r.device.knobs.hang_s = 3.0
    short = Timeouts(connect_s=1.0, read_s=1.0, wan_restart_s=5.0, wan_settle_s=0.1)
    with pytest.raises(Timeout):
        r.driver(timeouts=short).open()


def test_fault_reset_is_unreachable(r: Rig) -> None:
    r.device.knobs.fault = Fault.RESET
    with pytest.raises(DeviceUnreachable):
        r.driver().open()


def test_fault_garbage_is_a_clear_device_error(r: Rig) -> None:
    r.device.knobs.fault = Fault.GARBAGE
    with pytest.raises(DeviceError) as info:
        r.driver().open()
    assert info.value.operation
    assert r.device.counters.lockouts_caused == 0


def test_latency_knob_still_works(r: Rig) -> None:
    r.device.knobs.latency_ms = 30
    with r.driver(timeouts=FAST) as drv:
        assert drv.get_status().model == r.harness.model


def test_unreachable_port(r: Rig) -> None:
    from cpe.models import Target

    t = Target(host="127.0.0.1", port=9, model=r.harness.model, transport=r.harness.transport)
    drv = type(r.driver())(t, r.driver().credential, timeouts=FAST)
    with pytest.raises(DeviceUnreachable):
        drv.open()
