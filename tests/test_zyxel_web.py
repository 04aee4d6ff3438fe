"""Zyxel web (DAL) driver against its simulator: login variants, session rules, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from aiohttp import web
from pydantic import SecretStr

from cpe.errors import DeviceRejected, DeviceUnreachable, LockoutRisk, SessionBusy, Unsupported
from cpe.models import Band, Credential, Target, Transport
from drivers.base import LoginResult
from drivers.http import make_session
from drivers.sim import Fault, SimRunner
from drivers.zyxel.web import ZyxelWebDriver
from tests.conformance.harness import ADMIN_PASSWORD, FAST, RADIUS_PASSWORD
from tests.zyxel_helpers import Unit, make_unit


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


@pytest.fixture
def unit(runner: SimRunner) -> Unit:
    return make_unit(runner)


def web_driver(unit: Unit, session: requests.Session | None = None) -> ZyxelWebDriver:
    drv = unit.driver(session=session)
    assert isinstance(drv, ZyxelWebDriver)
    return drv


class Wire:
    """A requests.Session that keeps every request body and raw answer it sees."""

    def __init__(self) -> None:
        self.session = make_session()
        self.sent: list[bytes] = []
        self.received: list[bytes] = []
        self.session.hooks["response"].append(self._keep)

    def _keep(self, resp: requests.Response, *args: Any, **kwargs: Any) -> None:
        body = resp.request.body
        self.sent.append(body if isinstance(body, bytes) else str(body or "").encode())
        self.received.append(resp.content)

    def everything(self) -> bytes:
        return b"\n".join(self.sent + self.received)


def test_encrypted_login_keeps_every_body_sealed(unit: Unit) -> None:
    wire = Wire()
    drv = web_driver(unit, wire.session)
    with drv:
        assert drv.api.encrypted is True
        drv.set_wifi(Band.GHZ_2_4, "Casa Nova", "segredo-wifi-77")
        drv.get_status()
    assert unit.device.wifi[Band.GHZ_2_4].psk == "segredo-wifi-77"
    # Neither the admin password (base64 inside the sealed login) nor the PSK travel clear.
    everything = wire.everything()
    for secret in (b"segredo-wifi-77", ADMIN_PASSWORD.encode(), b"Y29uZi1hZG1pbi1QdzE"):
        assert secret not in everything
    puts = [json.loads(b) for b in wire.sent if b.startswith(b"{")]
    assert puts and all(set(p) <= {"content", "iv", "key"} for p in puts)


def test_plain_variant_when_the_key_is_None(runner: SimRunner) -> None:
    unit = make_unit(runner, lambda d: d.extra.update(encryption=False))
    wire = Wire()
    drv = web_driver(unit, wire.session)
    with drv:
        assert drv.api.encrypted is False
        drv.set_dns("1.1.1.1", "1.0.0.1")
        st = drv.get_status()
    assert [str(d) for d in st.dns] == ["1.1.1.1", "1.0.0.1"]
    assert unit.device.lan_dns == ["1.1.1.1", "1.0.0.1"]
    login = next(json.loads(b) for b in wire.sent if b"Input_Account" in b)
    assert login["Input_Account"] == "supervisor" and login["SHA512_password"] is False


def test_decrypt_fail_retries_the_other_encoding_without_a_failure(runner: SimRunner) -> None:
    unit = make_unit(runner, lambda d: d.extra.update(login_json_only=True))
    drv = web_driver(unit)
    with drv:
        assert drv.get_status().firmware
    assert unit.device.counters.failed_logins == 0
    assert unit.device.counters.logins == 1


def test_pem_with_escaped_slashes_is_fixed(runner: SimRunner) -> None:
    unit = make_unit(runner, lambda d: d.extra.update(pem_escaped=True))
    drv = web_driver(unit)
    with drv:
        assert drv.get_status().wifi


def test_expired_sessionkey_logs_in_again_once(unit: Unit) -> None:
    drv = web_driver(unit)
    with drv:
        drv.get_status()

        def expire() -> None:
            assert unit.device.session is not None
            unit.device.session.last_seen -= unit.device.knobs.session_idle_s + 1

        unit.sync(expire)
        st = drv.get_status()
    assert st.wan.pppoe_username == unit.device.pppoe_user
    assert unit.device.counters.logins == 2
    assert not unit.device.open_toolkit_session()


def test_expired_session_then_someone_else_is_busy_not_retried(unit: Unit) -> None:
    drv = web_driver(unit)
    with pytest.raises(SessionBusy), drv:
        unit.sync(lambda: unit.device.hold_session_elsewhere())  # our session is replaced
        drv.get_status()
    assert unit.device.counters.logins == 2  # first login + exactly one re-login


def test_http_500_clears_cookies_and_logs_in_again(unit: Unit) -> None:
    drv = web_driver(unit)
    with drv:
        unit.sync(lambda: unit.device.extra.update(http500_once=True))
        assert drv.get_status().firmware == unit.device.firmware
    assert unit.device.counters.logins == 2


def test_no_such_parameter_is_device_rejected_without_values(unit: Unit) -> None:
    drv = web_driver(unit)
    with drv:
        wan = drv.api.dal_get("wan")[0]
        with pytest.raises(DeviceRejected) as info:
            drv.api.dal_put("wan", {**wan, "X_Bogus": "valor-secreto"}, "set_dns")
    assert "ZCFG_NO_SUCH_PARAMETER" in str(info.value)
    assert "valor-secreto" not in str(info.value)
    assert RADIUS_PASSWORD not in str(info.value)


def test_invalid_value_is_device_rejected(unit: Unit) -> None:
    drv = web_driver(unit)
    with drv:
        lan = drv.api.dal_get("lan")[0]
        with pytest.raises(DeviceRejected) as info:
            drv.api.dal_put("lan", {**lan, "DNS_Type": "Static", "DNS_Servers1": "1.1.1"}, "x")
    assert "ZCFG_INVALID_PARAM_VALUE" in str(info.value)


def test_wifi_picked_by_main_ssid_and_band_not_index(runner: SimRunner) -> None:
    unit = make_unit(runner, lambda d: d.extra.update(wlan_5g_index=8))
    guest_before = dict(unit.device.extra["wlan_guest"][6])
    drv = web_driver(unit)
    with drv:
        drv.set_wifi(Band.GHZ_5, "Rede 5G", "chave-5g-nova")
    assert unit.device.wifi[Band.GHZ_5].ssid == "Rede 5G"
    assert unit.device.extra["wlan_guest"][6] == guest_before


def test_one_ssid_refuses_a_5ghz_write(runner: SimRunner) -> None:
    unit = make_unit(runner, lambda d: d.extra.update(one_ssid=True))
    drv = web_driver(unit)
    with pytest.raises(Unsupported), drv:
        drv.set_wifi(Band.GHZ_5, "Rede 5G", "chave-5g-nova")
    assert unit.device.counters.writes == 0


def test_reboot_mid_write_is_unreachable_and_half_applied(unit: Unit) -> None:
    drv = web_driver(unit)
    with pytest.raises(DeviceUnreachable), drv:
        unit.sync(lambda: setattr(unit.device.knobs, "fault", Fault.REBOOT_MID_WRITE))
        drv.set_wifi(Band.GHZ_2_4, "Meia Escrita", "chave-nova-123")
    state = unit.device.wifi[Band.GHZ_2_4]
    assert (state.ssid, state.psk) == ("Meia Escrita", "velha-senha-24")


def test_two_wrong_candidates_stop_before_the_third_locks(unit: Unit) -> None:
    """AccountRetryTime 3: after two failures one more would lock, so the policy stops."""
    drv = unit.driver(passwords=("errada-1", "errada-2", ADMIN_PASSWORD))
    with pytest.raises(LockoutRisk):
        drv.open()
    assert unit.device.counters.failed_logins == 2
    assert not unit.device.locked()


def test_refusal_reports_attempts_left(unit: Unit) -> None:
    drv = web_driver(unit)
    drv.open()  # probe key and detect
    drv.close()
    attempt = drv.api.login("supervisor", SecretStr("errada"))
    assert attempt.result is LoginResult.WRONG_PASSWORD
    assert attempt.attempts_left == 2


def test_non_zyxel_answer_is_unsupported_before_any_login(runner: SimRunner) -> None:
    app = web.Application()

    async def other_router(request: web.Request) -> web.Response:
        return web.Response(text="<html>outro roteador</html>")

    app.router.add_get("/", other_router)
    port = runner.add_app(app, "127.0.0.1", 0)
    target = Target(host="127.0.0.1", port=port, model="zyxel", transport=Transport.HTTP)
    drv = ZyxelWebDriver(target, Credential(passwords=(SecretStr("x"),)), timeouts=FAST)
    with pytest.raises(Unsupported) as info:
        drv.open()
    assert "não parece ser Zyxel" in str(info.value)
    assert drv.api.encrypted is None  # never reached the login
