"""TplinkOnuDriver / TplinkBridgeDriver against the TP-Link simulator over loopback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from ipaddress import IPv4Address

import pytest
from pydantic import SecretStr

from cpe.errors import (
    AuthError,
    DeviceRejected,
    DeviceUnreachable,
    LockoutRisk,
    ParseError,
    Unsupported,
)
from cpe.models import Band
from drivers.base import LoginResult
from drivers.sim import Fault, SimDevice, SimRunner
from drivers.tplink import guessed
from drivers.tplink.driver import BRIDGE_PT, TplinkOnuDriver
from tests.conformance.harness import (
    ADMIN_PASSWORD,
    RADIUS_PASSWORD,
    RADIUS_USER,
    Harness,
    Rig,
    rig,
)

Custom = Callable[[SimDevice], None] | None
Make = Callable[..., Rig]


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as made:
        yield made


@pytest.fixture()
def make(runner: SimRunner) -> Iterator[Make]:
    with ExitStack() as stack:

        def _make(model: str = "tplink-onu", customize: Custom = None) -> Rig:
            harness = Harness(id="tplink-test", model=model, customize=customize)
            return stack.enter_context(rig(harness, runner))

        yield _make


def _gcm(dev: SimDevice) -> None:
    dev.extra["profile"] = "gcm"


@pytest.mark.parametrize(("customize", "mode"), [(None, "cbc"), (_gcm, "gcm")])
def test_round_trip_reads_and_writes(make: Make, customize: Custom, mode: str) -> None:
    r = make(customize=customize)
    r.device.rx_dbm, r.device.tx_dbm = -21.3, 2.4
    drv = r.driver()
    assert isinstance(drv, TplinkOnuDriver)
    with drv:
        assert drv.cipher_mode == mode
        st = drv.get_status()
        assert (st.model, st.model_name) == ("tplink-onu", "XC220-G3v")
        assert st.firmware and st.firmware.startswith("1.2.0 0.8.0 v6062.0")
        assert st.wan.up and st.wan.connection_type == "pppoe"
        assert st.wan.pppoe_username == RADIUS_USER and st.wan.ip == IPv4Address("100.64.0.2")
        assert [str(a) for a in st.dns] == ["8.8.8.8", "8.8.4.4"]
        wifi5 = st.wifi_for(Band.GHZ_5)
        assert wifi5 is not None and wifi5.passphrase is not None
        assert wifi5.passphrase.get_secret_value() == "velha-senha-5g"
        assert st.optical is not None and st.optical.registered
        assert (st.optical.rx_dbm, st.optical.tx_dbm) == (-21.3, 2.4)
        assert not st.bridge_mode
        drv.set_dns("1.1.1.1", "1.0.0.1")
        drv.set_wifi(Band.GHZ_5, "SejaFibra 5G", "nova-senha-5g")
        after = drv.get_status()
    assert [str(a) for a in after.dns] == ["1.1.1.1", "1.0.0.1"]
    assert after.wifi_for(Band.GHZ_5).ssid == "SejaFibra 5G"  # type: ignore[union-attr]
    assert r.device.wifi[Band.GHZ_5].psk == "nova-senha-5g"
    assert r.device.manual_dns and r.device.counters.writes == 2
    assert not r.device.open_toolkit_session()


def test_1024_bit_firmware_key_works(make: Make) -> None:
    r = make(customize=lambda d: d.extra.update(rsa_bits=1024))
    with r.driver() as drv:
        assert drv.get_status().model_name == "XC220-G3v"


def test_71233_attempts_left_stops_before_the_lock(make: Make) -> None:
    r = make()
    r.device.knobs.lock_threshold = 3
    probe = r.driver()
    assert isinstance(probe, TplinkOnuDriver)
    first = probe._attempt_login("admin", SecretStr("errada-0"))
    assert (first.result, first.attempts_left) == (LoginResult.WRONG_PASSWORD, 2)
    with pytest.raises(LockoutRisk):
        r.driver(passwords=("errada-1", "errada-2", ADMIN_PASSWORD)).open()
    assert r.device.counters.failed_logins == 2  # errada-0 and errada-1; errada-2 never sent
    assert not r.device.locked() and r.device.counters.lockouts_caused == 0


def test_forbid_time_means_locked(make: Make) -> None:
    r = make()
    r.device.knobs.lock_threshold = 1
    r.device.check_login("admin", "typo-do-cliente", "203.0.113.9")
    drv = r.driver()
    assert isinstance(drv, TplinkOnuDriver)
    attempt = drv._attempt_login("admin", SecretStr(ADMIN_PASSWORD))
    assert attempt.result is LoginResult.LOCKED
    assert attempt.locked_for_s is not None and attempt.locked_for_s > 0


def test_xz000_bridge_profile(make: Make) -> None:
    r = make(model="tplink-xz000-g3")
    r.device.rx_dbm = -19.5
    with r.driver() as drv:
        st = drv.get_status()
        assert st.bridge_mode and st.model_name == "XZ000-G3"
        assert (st.wan.up, st.wan.connection_type) == (False, "bridge")
        assert st.wifi == () and st.dns == ()
        assert st.optical is not None and st.optical.rx_dbm == -19.5
        assert st.uptime_s is not None
        calls: tuple[Callable[[], None], ...] = (
            lambda: drv.set_pppoe(RADIUS_USER, RADIUS_PASSWORD),
            lambda: drv.set_dns("1.1.1.1", "1.0.0.1"),
            lambda: drv.set_wifi(Band.GHZ_2_4, "Casa", "senha-boa-1"),
        )
        for call in calls:
            with pytest.raises(Unsupported) as info:
                call()
            assert info.value.pt() == BRIDGE_PT
            assert RADIUS_PASSWORD not in str(info.value)
    assert r.device.counters.writes == 0
    assert not r.device.open_toolkit_session()


def test_a_bridged_xc220_refuses_wan_writes_but_keeps_wifi(make: Make) -> None:
    r = make(customize=lambda d: setattr(d, "wan_type", "bridge"))
    with r.driver() as drv:
        assert drv.get_status().bridge_mode
        with pytest.raises(Unsupported) as info:
            drv.set_pppoe(RADIUS_USER, RADIUS_PASSWORD)
        assert info.value.pt() == BRIDGE_PT
        drv.set_wifi(Band.GHZ_2_4, "Casa Nova", "senha-nova-24")
    assert r.device.wifi[Band.GHZ_2_4].ssid == "Casa Nova"
    assert r.device.counters.wan_restarts == 0


def test_session_expiry_logs_in_again_once(make: Make) -> None:
    r = make()
    with r.driver() as drv:
        r.runner.run_sync(r.device.close_session)  # the device forgot us (idle timeout)
        assert drv.get_status().wan.up
        assert r.device.counters.logins == 2
        r.runner.run_sync(r.device.close_session)
        r.device.admin_password = "trocada-pelo-tecnico"
        with pytest.raises(AuthError):
            drv.get_status()
    assert r.device.counters.failed_logins == 1


def test_garbage_after_login_is_parse_error(make: Make) -> None:
    r = make()
    with r.driver() as drv:
        r.device.knobs.fault = Fault.GARBAGE
        with pytest.raises(ParseError) as info:
            drv.get_status()
        assert info.value.operation == "get_status"
        r.device.knobs.fault = None


def test_errorcode_on_a_write_is_device_rejected(make: Make) -> None:
    r = make(customize=lambda d: d.wifi.pop(Band.GHZ_5))  # a single-band unit
    with r.driver() as drv:
        assert [w.band for w in drv.get_status().wifi] == [Band.GHZ_2_4]
        with pytest.raises(DeviceRejected) as info:
            drv.set_wifi(Band.GHZ_5, "SejaFibra", "senha-boa-55")
        assert str(guessed.ERR_NO_INSTANCE) in info.value.message
        assert "senha-boa-55" not in str(info.value)
    assert r.device.counters.writes == 0


def test_reboot_mid_write_is_unreachable_and_half_applied(make: Make) -> None:
    r = make()
    drv = r.driver()
    drv.open()
    r.device.knobs.fault = Fault.REBOOT_MID_WRITE
    with pytest.raises(DeviceUnreachable):
        drv.set_wifi(Band.GHZ_2_4, "Meio Caminho", "senha-nunca-aplicada")
    drv.close()
    assert r.device.wifi[Band.GHZ_2_4].ssid == "Meio Caminho"
    assert r.device.wifi[Band.GHZ_2_4].psk == "velha-senha-24"
    assert r.device.counters.writes == 0


def test_reboot_mid_dns_write_applies_only_the_first_server(make: Make) -> None:
    r = make()
    drv = r.driver()
    drv.open()
    r.device.knobs.fault = Fault.REBOOT_MID_WRITE
    with pytest.raises(DeviceUnreachable):
        drv.set_dns("1.1.1.1", "1.0.0.1")
    drv.close()
    assert r.device.dns == ["1.1.1.1", "8.8.4.4"]
    assert r.device.counters.writes == 0


def test_no_pon_signal_reads_as_unregistered(make: Make) -> None:
    r = make(customize=lambda d: setattr(d, "pon_registered", False))
    with r.driver() as drv:
        st = drv.get_status()
    assert st.optical is not None and not st.optical.registered and st.optical.rx_dbm is None
    assert not st.wan.up


def test_pinned_cipher_profile_against_other_firmware_is_unsupported(
    make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(guessed.PROFILE_BY_MODEL, "tplink-onu", "cbc")
    r = make(customize=_gcm)
    with pytest.raises(Unsupported):
        r.driver().open()
    assert r.device.counters.failed_logins == 0


def test_secrets_stay_out_of_logs_reprs_and_errors(
    make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    r = make()
    drv = r.driver(passwords=("primeira-errada", ADMIN_PASSWORD))
    assert isinstance(drv, TplinkOnuDriver)
    with drv:
        link = drv._link
        assert link is not None and link.token and link.jsessionid
        secrets_seen = [
            ADMIN_PASSWORD, "primeira-errada", "velha-senha-24", link.token, link.jsessionid,
            link.cipher.key.decode(), link.cipher.iv.decode(), link.hash,
        ]
        r.runner.run_sync(r.device.close_session)
        st = drv.get_status()  # logs the re-login
        text = repr(vars(drv)) + repr(st) + st.model_dump_json() + caplog.text
    for secret in secrets_seen:
        assert secret not in text
