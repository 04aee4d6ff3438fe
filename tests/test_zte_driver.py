"""ZteDriver against the simulated F670L over loopback: optics, PON loss, the one-session
rule across client IPs, lock handling without extra attempts, the legacy `.gch` refusal,
re-login after a lost session, the DNS choice, mid-write reboots, and secrets kept out of
logs and messages."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from pydantic import SecretStr
from requests.adapters import HTTPAdapter

from cpe.errors import (
    DeviceRejected,
    DeviceUnreachable,
    LockoutRisk,
    SessionBusy,
    Unsupported,
)
from cpe.models import Band, Capability, Credential, WanError
from drivers.http import make_session
from drivers.sim import SimRunner
from drivers.zte import guessed as g
from drivers.zte.driver import DNS, ZteDriver
from drivers.zte.sim_family_state import LAN_IP
from drivers.zte.simulator import ZteFamily as ZteDriverFamily
from tests.conformance.harness import ADMIN_PASSWORD, FAST, RADIUS_PASSWORD, Harness, Rig, rig

H = Harness(id="zte-onu", model="zte-onu", garbage_content_type="text/xml")


class _FromAddress(HTTPAdapter):
    """Connect from a chosen loopback address: a second "client IP" on one host."""

    def __init__(self, source: str) -> None:
        self._source = source
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._source, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(source: str) -> requests.Session:
    s = make_session()
    s.mount("http://", _FromAddress(source))
    return s


def driver(r: Rig, *passwords: str, session: requests.Session | None = None) -> ZteDriver:
    cred = Credential(
        username=r.device.admin_user,
        passwords=tuple(SecretStr(p) for p in (passwords or (ADMIN_PASSWORD,))),
    )
    return ZteDriver(r.target(), cred, timeouts=FAST, session=session)


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as made:
        yield made


@pytest.fixture
def r(runner: SimRunner) -> Iterator[Rig]:
    with rig(H, runner) as made:
        yield made


# --- optics and WAN ------------------------------------------------------------------------------


def test_optical_power_is_in_the_status(r: Rig) -> None:
    assert Capability.OPTICAL in ZteDriver.capabilities
    r.device.rx_dbm, r.device.tx_dbm = -19.42, 2.13
    with driver(r) as drv:
        st = drv.get_status()
    assert st.optical is not None and st.optical.registered is True
    assert st.optical.rx_dbm == pytest.approx(-19.42)
    assert st.optical.tx_dbm == pytest.approx(2.13)
    assert st.model_name == "F670L" and st.firmware == "V9.0.11P1N12"
    assert st.lan_dns and str(st.lan_dns[0]) == LAN_IP


def test_pon_down_means_wan_down_and_not_registered(r: Rig) -> None:
    r.device.pon_registered = False
    r.device.evaluate_wan()
    with driver(r) as drv:
        st = drv.get_status()
    assert st.optical is not None and st.optical.registered is False
    assert st.wan.up is False and st.wan.error is WanError.LINK_DOWN and st.wan.ip is None


# --- the one admin session -----------------------------------------------------------------------


def test_exceed_max_user_from_another_ip_is_busy(r: Rig) -> None:
    holder = driver(r, session=session_from("127.0.0.2"))
    holder.open()
    try:
        with pytest.raises(SessionBusy):
            driver(r, session=session_from("127.0.0.3")).open()
        assert r.device.session is not None and r.device.session.client_ip == "127.0.0.2"
        assert holder.get_status().model == "zte-onu"  # not kicked out
    finally:
        holder.close()
    assert r.device.session is None


def test_preempt_offer_is_declined_and_busy(r: Rig) -> None:
    r.device.extra["login_policy"] = "preempt"
    r.device.hold_session_elsewhere()
    # The login itself is accepted; the page it lands on offers the preempt: declined.
    with pytest.raises(SessionBusy), driver(r) as drv:
        drv.get_status()
    assert r.device.session is not None and r.device.session.phantom  # nobody kicked
    assert not any(ws.preempt for ws in r.device.extra["web"].values())  # offer cancelled


def test_same_ip_preempts_and_the_old_driver_logs_in_again(r: Rig) -> None:
    first = driver(r, session=session_from("127.0.0.4"))
    first.open()
    try:
        with driver(r, session=session_from("127.0.0.4")) as second:
            assert second.get_status().wan.up
        # first's session was taken over: its next read times out, it logs in once more.
        assert first.get_status().wan.up
        assert r.device.counters.logins == 3
    finally:
        first.close()
    assert r.device.session is None


def test_lost_session_is_retried_once_then_reported(r: Rig) -> None:
    with driver(r) as drv:
        r.runner.run_sync(lambda: r.device.close_session())
        assert drv.get_status().wan.up  # re-login once, then the read
        assert r.device.counters.logins == 2
        r.runner.run_sync(lambda: r.device.hold_session_elsewhere())
        with pytest.raises(SessionBusy):
            drv.get_status()


# --- locks and legacy UI: refuse before any attempt -----------------------------------------------


def test_locked_onu_is_lockout_risk_without_an_attempt(r: Rig) -> None:
    dev = r.device
    for _ in range(dev.knobs.lock_threshold):
        dev.check_login("admin", "typo", "203.0.113.9")
    assert dev.locked()
    failed, logins = dev.counters.failed_logins, dev.counters.logins
    with pytest.raises(LockoutRisk) as info:
        driver(r).open()
    assert "locked" in str(info.value)
    assert dev.extra.get("login_posts", 0) == 0
    assert (dev.counters.failed_logins, dev.counters.logins) == (failed, logins)


def test_threshold_is_read_from_the_login_page(r: Rig) -> None:
    # The page says 5: three misses leave two, so the fourth candidate is still tried.
    r.device.knobs.lock_threshold = 5
    with driver(r, "x-1", "x-2", "x-3", ADMIN_PASSWORD) as drv:
        assert drv.get_status().wan.up
    assert r.device.counters.failed_logins == 3 and not r.device.locked()


def test_default_threshold_stops_before_the_lock(r: Rig) -> None:
    with pytest.raises(LockoutRisk):
        driver(r, "x-1", "x-2", "x-3", ADMIN_PASSWORD).open()
    assert r.device.counters.failed_logins == 2 and not r.device.locked()
    assert r.device.counters.lockouts_caused == 0


def test_legacy_gch_ui_is_unsupported_without_a_login(r: Rig) -> None:
    r.device.extra["gch"] = True
    with pytest.raises(Unsupported) as info:
        driver(r).open()
    assert ".gch" in str(info.value) and "F660" in str(info.value)
    assert r.device.extra.get("login_posts", 0) == 0
    assert r.device.counters.logins == 0 and r.device.counters.failed_logins == 0


# --- writes ---------------------------------------------------------------------------------------


def test_set_dns_also_fixes_manual_dhcp_servers(r: Rig) -> None:
    r.device.lan_dns = ["8.8.8.8", "8.8.4.4"]  # DHCP hands out fixed servers (drift)
    with driver(r) as drv:
        drv.set_dns("1.1.1.1", "1.0.0.1")
        st = drv.get_status()
    assert r.device.dns == ["1.1.1.1", "1.0.0.1"]
    assert r.device.lan_dns == ["1.1.1.1", "1.0.0.1"]
    assert [str(a) for a in st.lan_dns] == ["1.1.1.1", "1.0.0.1"]
    assert r.device.counters.writes == 2


def test_set_dns_leaves_the_proxy_dhcp_alone(r: Rig) -> None:
    with driver(r) as drv:
        drv.set_dns("1.1.1.1", "1.0.0.1")
    assert r.device.lan_dns == [LAN_IP] and r.device.counters.writes == 1


def test_set_pppoe_reposts_the_instance_with_an_encoded_password(r: Rig) -> None:
    r.device.radius = ("novo.login", "nova-senha-9")
    drv = driver(r)
    with drv:
        drv.set_pppoe("novo.login", "nova-senha-9")
    assert (r.device.pppoe_user, r.device.pppoe_password) == ("novo.login", "nova-senha-9")
    assert r.device.extra["wan_cfg"]["VLANID"] == "10"  # the rest re-posted unchanged
    assert r.device.counters.wan_restarts == 1


def test_device_refusal_names_the_field(r: Rig) -> None:
    drv = driver(r)
    with drv, pytest.raises(DeviceRejected) as info:
        drv._write(DNS, g.DNS_INST, [("SerIPAddress1", "not-an-ip")], "set_dns")
    assert "SerIPAddress1" in str(info.value)
    assert r.device.counters.writes == 0


def test_reboot_mid_write_is_unreachable_and_partial(r: Rig) -> None:
    from drivers.sim import Fault

    before = r.device.wifi[Band.GHZ_2_4].psk
    r.device.knobs.fault = Fault.REBOOT_MID_WRITE
    drv = driver(r)
    with pytest.raises(DeviceUnreachable), drv:
        drv.set_wifi(Band.GHZ_2_4, "Meio Caminho", "senha-nova-77")
    assert r.device.wifi[Band.GHZ_2_4].ssid == "Meio Caminho"
    assert r.device.wifi[Band.GHZ_2_4].psk == before
    assert r.device.counters.writes == 0


# --- secrets --------------------------------------------------------------------------------------


def test_no_secret_in_logs_messages_or_reprs(r: Rig, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    psk = "chave-secreta-55"
    drv = driver(r, "candidata-errada", ADMIN_PASSWORD)
    with drv:
        drv.set_wifi(Band.GHZ_5, "Casa Nova", psk)
        r.runner.run_sync(lambda: r.device.close_session())  # force the re-login path
        st = drv.get_status()
        token = drv._token
        shown = repr(drv) + repr(st) + st.model_dump_json()
    with pytest.raises(LockoutRisk) as info:
        r.device.knobs.lock_threshold = 2
        driver(r, "outra-errada", "mais-uma").open()
    text = caplog.text + shown + str(info.value) + info.value.pt()
    assert token and token not in text
    for secret in (ADMIN_PASSWORD, psk, RADIUS_PASSWORD, "candidata-errada", "outra-errada"):
        assert secret not in text


# --- firmware variants chosen by the answers --------------------------------------------------


def test_activate_profile_lands_cancels_the_prompt_and_reads(r: Rig) -> None:
    ZteDriverFamily.apply_profile(r.device, "thinklua-activate")
    with driver(r) as drv:
        st = drv.get_status()
        assert drv.profile == "thinklua-activate"
    assert st.model_name == "F6600R" and st.wan.up
    assert r.device.counters.logins == 1 and r.device.counters.failed_logins == 0
    assert not r.device.open_toolkit_session()


def test_default_profile_never_reloads_the_root_after_login(r: Rig) -> None:
    seen: list[str] = []
    session = make_session()
    session.hooks["response"].append(lambda resp, *a, **k: seen.append(resp.request.path_url))
    with driver(r, session=session) as drv:
        drv.get_status()
        assert drv.profile == "thinklua"
    assert seen.count("/") == 1  # only the unauthenticated look before the login


def test_unknown_login_token_shape_is_unsupported_without_a_login(r: Rig) -> None:
    session = make_session()
    session.mount(f"http://{r.host}:{r.port}", _NonNumericNonce())
    with pytest.raises(Unsupported) as info:
        driver(r, session=session).open()
    assert "desconhecida" in str(info.value) and "login_token" in str(info.value)
    assert r.device.extra.get("login_posts", 0) == 0


class _NonNumericNonce(HTTPAdapter):
    """Pass everything through, but answer login_token with a hex string (another scheme)."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        resp = super().send(request, *args, **kwargs)
        if "login_token" in (request.path_url or ""):
            resp._content = b"<ajax_response_xml_root>9f3ac01b</ajax_response_xml_root>"
        return resp
