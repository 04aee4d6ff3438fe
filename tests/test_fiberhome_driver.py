"""The Fiberhome driver against its simulator over loopback: the family's own cases."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator
from ipaddress import IPv4Address
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import requests.adapters
from pydantic import SecretStr

from cpe.errors import (
    AuthError,
    DeviceUnreachable,
    LockoutRisk,
    ParseError,
    SessionBusy,
    Unsupported,
)
from cpe.models import Band, Credential, Target, WanError
from drivers.fiberhome.crypto import FIXED_KEY, fhencrypt
from drivers.fiberhome.driver import FiberhomeDriver
from drivers.fiberhome.sim_views import device_key
from drivers.fiberhome.simulator import FiberhomeFamily
from drivers.sim import Fault, SimDevice, SimRunner, WifiState
from tests.conformance.harness import FAST, next_loopback

ADMIN = "fh-admin-Pw9"
PPP_PW = "ppp-segredo-7"
PSK = "wifi-segredo-24"


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


def _device(**extra: object) -> SimDevice:
    dev = FiberhomeFamily().new_device("fiberhome-onu", random.Random(3))
    dev.admin_password = ADMIN
    dev.pppoe_user, dev.pppoe_password = "cliente.fh", PPP_PW
    dev.radius = ("cliente.fh", PPP_PW)
    dev.dns, dev.manual_dns = ["8.8.8.8", "8.8.4.4"], False
    dev.wifi = {Band.GHZ_2_4: WifiState("Casa", PSK), Band.GHZ_5: WifiState("Casa-5G", PSK)}
    dev.knobs.wan_restart_s = dev.knobs.reboot_s = 0.3
    dev.extra.update(extra)
    dev.evaluate_wan()
    return dev


def _driver(runner: SimRunner, dev: SimDevice, *passwords: str) -> FiberhomeDriver:
    host, port = runner.add(dev, FiberhomeFamily(), next_loopback(), 0)
    secrets = tuple(SecretStr(p) for p in passwords or (ADMIN,))
    cred = Credential(username="admin", passwords=secrets)
    return FiberhomeDriver(Target(host=host, port=port, model="fiberhome-onu"), cred, timeouts=FAST)


@pytest.mark.parametrize(("acs", "source"), [(True, "acs_random"), (False, "fixed")])
def test_key_fallback_without_failed_logins(runner: SimRunner, acs: bool, source: str) -> None:
    dev = _device(acs_random=acs)
    drv = _driver(runner, dev)
    with drv:
        st = drv.get_status()
    assert drv.key_source == source
    assert st.wifi_for(Band.GHZ_2_4).ssid == "Casa"  # type: ignore[union-attr]
    assert dev.counters.failed_logins == 0 and dev.counters.logins == 1
    assert dev.extra["login_posts"] == 1


def test_status_reads_optical_wan_dns_and_lan(runner: SimRunner) -> None:
    dev = _device()
    with _driver(runner, dev) as drv:
        st = drv.get_status()
    assert st.model_name == "HG6145F" and st.firmware and st.hardware
    assert st.optical is not None and st.optical.registered
    assert st.optical.rx_dbm == dev.rx_dbm and st.optical.tx_dbm == dev.tx_dbm
    assert st.wan.up and st.wan.ip == IPv4Address(dev.wan_ip)
    assert [str(d) for d in st.dns] == ["8.8.8.8", "8.8.4.4"]
    assert [str(d) for d in st.lan_dns] == ["192.168.1.1"]  # DNS proxy: the ONU itself
    assert st.wifi_for(Band.GHZ_5).passphrase.get_secret_value() == PSK  # type: ignore[union-attr]


def test_every_post_uses_a_fresh_sessionid(runner: SimRunner) -> None:
    dev = _device()
    drv = _driver(runner, dev)
    with drv:
        drv.set_wifi(Band.GHZ_5, "Nova Rede", "nova-senha-55")
        drv.set_dns("1.1.1.1", "1.0.0.1")
        drv.get_status()
    posts = drv.ajax.posts
    assert posts >= 5  # login, Wi-Fi, WAN DNS, LAN DNS, logout
    assert dev.extra["posts"] == posts
    assert dev.extra.get("stale_posts", 0) == 0
    assert not dev.open_toolkit_session()


def test_set_dns_uses_wan_override_and_dhcp_without_restart(runner: SimRunner) -> None:
    dev = _device()
    with _driver(runner, dev) as drv:
        drv.set_dns("1.1.1.1", "1.0.0.1")
        st = drv.get_status()
    assert [str(d) for d in st.dns] == ["1.1.1.1", "1.0.0.1"]
    assert [str(d) for d in st.lan_dns] == ["1.1.1.1", "1.0.0.1"]
    assert dev.manual_dns and dev.dns == ["1.1.1.1", "1.0.0.1"]
    assert dev.lan_dns == ["1.1.1.1", "1.0.0.1"]
    # The WAN was re-sent whole: the PPPoE password survived and nothing redialled.
    assert (dev.pppoe_user, dev.pppoe_password) == ("cliente.fh", PPP_PW)
    assert dev.counters.wan_restarts == 0 and dev.wan_up
    writes = dev.counters.writes
    with _driver_again(runner, dev) as drv:
        drv.set_dns("1.1.1.1", "1.0.0.1")  # already in place: nothing written
    assert dev.counters.writes == writes


def _driver_again(runner: SimRunner, dev: SimDevice) -> FiberhomeDriver:
    host, port = runner.fleet.address_of(dev)
    cred = Credential(username="admin", passwords=(SecretStr(ADMIN),))
    return FiberhomeDriver(Target(host=host, port=port, model="fiberhome-onu"), cred, timeouts=FAST)


def test_set_pppoe_keeps_dns_override(runner: SimRunner) -> None:
    dev = _device()
    dev.manual_dns, dev.dns = True, ["1.1.1.1", "1.0.0.1"]
    dev.radius = ("novo.fh", "novo-ppp-1")
    drv = _driver(runner, dev)
    with drv:
        drv.set_pppoe("novo.fh", "novo-ppp-1")
    drv.wait_until_back()
    assert (dev.pppoe_user, dev.pppoe_password) == ("novo.fh", "novo-ppp-1")
    assert dev.manual_dns and dev.dns == ["1.1.1.1", "1.0.0.1"]
    assert dev.counters.wan_restarts == 1


def test_locked_onu_is_lockout_risk_without_a_counted_attempt(runner: SimRunner) -> None:
    dev = _device()
    for _ in range(3):
        dev.check_login("admin", "typo-do-tecnico", "203.0.113.5")
    assert dev.locked()
    failed, lockouts = dev.counters.failed_logins, dev.counters.lockouts_caused
    with pytest.raises(LockoutRisk):
        _driver(runner, dev, ADMIN, "second-candidate").open()
    # The unit refuses during the lock without counting; the 2nd candidate is never sent.
    assert dev.counters.failed_logins == failed
    assert dev.counters.lockouts_caused == lockouts
    assert dev.extra["login_posts"] == 1


def test_pon_down_shows_unregistered_optical_and_wan_link_down(runner: SimRunner) -> None:
    dev = _device()
    dev.pon_registered, dev.rx_dbm = False, None
    dev.evaluate_wan()
    with _driver(runner, dev) as drv:
        st = drv.get_status()
    assert st.optical is not None and st.optical.registered is False
    assert st.optical.rx_dbm is None
    assert st.wan.up is False and st.wan.error is WanError.LINK_DOWN


@pytest.mark.parametrize("stack", ["fhncapis", "goform"])
def test_other_stacks_are_unsupported_with_zero_login_attempts(
    runner: SimRunner, stack: str
) -> None:
    dev = _device(stack=stack)
    with pytest.raises(Unsupported) as info:
        _driver(runner, dev).open()
    assert "ainda não suportada" in str(info.value)
    assert dev.extra.get("login_posts", 0) == 0
    assert dev.counters.logins == dev.counters.failed_logins == 0


def test_busy_text_variant_is_session_busy(runner: SimRunner) -> None:
    dev = _device(busy_text=True)
    dev.hold_session_elsewhere()
    with pytest.raises(SessionBusy):
        _driver(runner, dev).open()
    assert dev.counters.failed_logins == 0


def _browser_takes_over(dev: SimDevice) -> Callable[[], None]:
    def run() -> None:
        dev.close_session()
        dev.hold_session_elsewhere()

    return run


def test_expired_session_logs_in_again_once(runner: SimRunner) -> None:
    dev = _device()
    drv = _driver(runner, dev)
    with drv:
        runner.run_sync(lambda: dev.close_session())  # idle expiry on the unit
        assert drv.get_status().wan.up
        assert dev.counters.logins == 2
        runner.run_sync(_browser_takes_over(dev))
        with pytest.raises(SessionBusy):
            drv.get_status()
    assert dev.counters.failed_logins == 0


def test_reboot_mid_write_is_unreachable_and_half_applied(runner: SimRunner) -> None:
    dev = _device()
    drv = _driver(runner, dev)
    with drv:
        dev.knobs.fault = Fault.REBOOT_MID_WRITE
        with pytest.raises(DeviceUnreachable):
            drv.set_wifi(Band.GHZ_2_4, "Meio Caminho", "senha-nova-99")
    assert dev.wifi[Band.GHZ_2_4].ssid == "Meio Caminho"
    assert dev.wifi[Band.GHZ_2_4].psk == PSK  # the second half never landed


def test_no_secret_in_logs_or_errors(runner: SimRunner, caplog: pytest.LogCaptureFixture) -> None:
    dev = _device()
    caplog.set_level(logging.DEBUG)
    drv = _driver(runner, dev, "wrong-first-pw", ADMIN)
    with drv:
        drv.set_wifi(Band.GHZ_2_4, "Casa Nova", "outra-senha-77")
        st = drv.get_status()
    key = device_key(dev)
    secrets = [ADMIN, "wrong-first-pw", PPP_PW, PSK, "outra-senha-77"]
    secrets += [fhencrypt(s, key) for s in list(secrets)]
    text = caplog.text + st.model_dump_json() + repr(st) + repr(drv.credential)
    for s in secrets:
        assert s not in text
    assert key.decode("latin-1") not in text


# -- the key decision against canned answers (a fixture adapter on the session) ----------


class CannedOnu(requests.adapters.BaseAdapter):
    """Answers /cgi-bin/ajax from a table; records the do_login forms it receives."""

    def __init__(self, acs_status: int, acs_body: str) -> None:
        super().__init__()
        self.acs = (acs_status, acs_body)
        self.logins: list[dict[str, list[str]]] = []

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        url = urlsplit(request.url or "")
        query = parse_qs(url.query)
        method = query.get("ajaxmethod", [""])[0]
        status, body = 404, "Not Found"
        if request.method == "GET" and method == "get_refresh_sessionid":
            status, body = 200, '{"sessionid":"Ab12Cd34","session_valid":0}'
        elif request.method == "GET" and method == "get_acs_random":
            status, body = self.acs
        elif request.method == "POST":
            form = parse_qs(str(request.body or ""))
            if form.get("ajaxmethod") == ["do_login"]:
                self.logins.append(form)
                status, body = 200, '{"login_result":4,"session_valid":0}'
        resp = requests.Response()
        resp.status_code, resp._content, resp.url = status, body.encode(), request.url or ""
        resp.request = request
        return resp

    def close(self) -> None:
        pass


def _canned(acs_status: int, acs_body: str) -> tuple[FiberhomeDriver, CannedOnu]:
    onu = CannedOnu(acs_status, acs_body)
    http = requests.Session()
    http.mount("http://", onu)
    cred = Credential(username="admin", passwords=(SecretStr(ADMIN),))
    target = Target(host="127.0.0.1", port=2389, model="fiberhome-onu")
    return FiberhomeDriver(target, cred, timeouts=FAST, session=http), onu


@pytest.mark.parametrize(
    ("status", "body", "key"),
    [
        (404, "Not Found", FIXED_KEY),
        (200, '{"sessionid":"x","session_valid":0}', FIXED_KEY),
        (200, '{"acsRandom":"xxxxxx6HTTa1234567bLVLxxxxxxx"}', b"6HTTa1234567bLVL"),
    ],
)
def test_one_login_under_the_key_the_unit_announced(status: int, body: str, key: bytes) -> None:
    drv, onu = _canned(status, body)
    with pytest.raises(AuthError):
        drv.open()
    assert len(onu.logins) == 1  # never the same password under a second key
    assert onu.logins[0]["loginpd"] == [fhencrypt(ADMIN, key)]


def test_unreadable_acs_answer_stops_before_login() -> None:
    drv, onu = _canned(200, "<html>erro</html>")
    with pytest.raises(ParseError):
        drv.open()
    assert onu.logins == []
