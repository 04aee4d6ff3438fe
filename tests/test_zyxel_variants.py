"""Zyxel firmware variants: the driver's profile follows what each unit answers, unknown
variants stop before any password, the probe says the same, advisories match by version."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from aiohttp import web
from pydantic import SecretStr

from cpe.errors import Unsupported
from cpe.lab.plan import make_plan, model_profiles
from cpe.models import Credential, Target, Transport
from drivers.advisories import matching
from drivers.base import LoginResult
from drivers.evidence import Grade, constants_of, ledger_of
from drivers.http import make_session
from drivers.sim import SimRunner
from drivers.zyxel import guessed
from drivers.zyxel.probe import probe
from drivers.zyxel.sim_profiles import PROFILE_NAMES, SIM_PROFILES, apply_profile
from drivers.zyxel.web import ZyxelWebDriver
from tests.conformance.harness import ADMIN_PASSWORD, FAST
from tests.zyxel_helpers import Unit, make_unit


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


def _unit(runner: SimRunner, profile: str) -> Unit:
    return make_unit(runner, lambda dev: apply_profile(dev, profile))


def _web(unit: Unit) -> ZyxelWebDriver:
    drv = unit.driver()
    assert isinstance(drv, ZyxelWebDriver)
    return drv


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_the_driver_profile_follows_the_answers(runner: SimRunner, name: str) -> None:
    unit = _unit(runner, name)
    drv = _web(unit)
    with drv:
        status = drv.get_status()
    assert drv.api.profile is not None
    assert drv.api.profile.name == SIM_PROFILES[name].driver_profile
    expected_oid = "status" if SIM_PROFILES[name].status_oid else "cardpage_status"
    assert drv.api.status_oid == expected_oid
    assert status.firmware == unit.device.firmware
    assert unit.device.counters.failed_logins == 0


def test_rotating_sessionkey_is_adopted_and_the_old_one_is_dead(runner: SimRunner) -> None:
    unit = _unit(runner, "aes-rotating")
    drv = _web(unit)
    with drv:
        first = drv.api.sessionkey
        drv.set_dns("9.9.9.9", "149.112.112.112")  # two PUTs, each rotates the key
        assert drv.api.sessionkey not in (None, first)
        assert drv.api.http.session.headers["CSRFToken"] == drv.api.sessionkey
        stale = dict(drv.api.http.session.headers, CSRFToken=str(first))
        resp = drv.api.http.session.put(
            f"{unit.base_url}/cgi-bin/DAL?oid=lan&sessionkey={first}",
            data=b"{}", headers=stale, timeout=5,
        )  # fmt: skip
        assert resp.status_code == 403
    assert unit.device.dns == ["9.9.9.9", "149.112.112.112"]


def test_a_login_without_the_prelogin_cookie_is_retried_not_counted(runner: SimRunner) -> None:
    unit = _unit(runner, "aes-rotating")
    drv = _web(unit)
    drv.api.preflight()
    drv.api.http.session.cookies.clear()  # lose the GetInfoNoLogin cookie
    attempt = drv.api.login("supervisor", SecretStr(ADMIN_PASSWORD))
    assert attempt.result is LoginResult.OK
    assert unit.device.counters.failed_logins == 0
    drv.api.logout()


def test_an_expired_session_logs_in_again_with_the_key_already_read(runner: SimRunner) -> None:
    unit = _unit(runner, "aes")
    drv = _web(unit)
    with drv:
        key = drv.api.public_key
        unit.sync(lambda: unit.device.close_session())  # the unit forgets the session
        assert drv.get_status().firmware == unit.device.firmware
        assert drv.api.public_key is key
    assert unit.device.counters.failed_logins == 0
    other = _web(_unit(runner, "aes"))
    with other:  # a second unit serving the same PEM: parsed once (lru cache by value)
        assert other.api.public_key is key


def test_login_check_and_prelogin_cookie_answers(runner: SimRunner) -> None:
    plain = _unit(runner, "aes")
    rotating = _unit(runner, "aes-rotating")
    with make_session() as http:
        check = http.get(f"{plain.base_url}{guessed.LOGIN_CHECK_PATH}", timeout=5)
        assert (check.status_code, check.json()["result"]) == (200, guessed.ZCFG_NOT_LOGIN)
        assert (
            guessed.SESSION_COOKIE
            not in http.get(f"{plain.base_url}{guessed.PRELOGIN_PATH}", timeout=5).cookies
        )
        info = http.get(f"{rotating.base_url}{guessed.PRELOGIN_PATH}", timeout=5)
        assert info.json()["ModelName"] == "EX3301-T0"
        assert guessed.SESSION_COOKIE in info.cookies
    drv = _web(plain)
    with drv:
        alive = drv.api.http.request("GET", guessed.LOGIN_CHECK_PATH, operation="t")
        assert alive.json()["result"] == "ZCFG_SUCCESS"


# --- variants no profile knows ----------------------------------------------------------


class _OddRouter:
    """A Zyxel-looking login page whose key answer no profile knows; counts logins."""

    def __init__(self, key_status: int, key_body: str) -> None:
        self.logins = 0
        self.key_status, self.key_body = key_status, key_body
        self.app = web.Application()
        self.app.router.add_get(guessed.PRELOGIN_PATH, self.info)
        self.app.router.add_get(guessed.BASIC_INFO_PATH, self.info)
        self.app.router.add_get(guessed.PUBLIC_KEY_PATH, self.key)
        self.app.router.add_post(guessed.LOGIN_PATH, self.login)

    async def info(self, request: web.Request) -> web.Response:
        return web.json_response({"result": "ZCFG_SUCCESS", "ModelName": "EX3301-T0",
                                  "SoftwareVersion": "V5.50(ABVY.9.9)C0"})  # fmt: skip

    async def key(self, request: web.Request) -> web.Response:
        return web.Response(text=self.key_body, status=self.key_status)

    async def login(self, request: web.Request) -> web.Response:
        self.logins += 1
        return web.json_response({"result": "Invalid Username or Password"}, status=401)


@pytest.mark.parametrize(
    ("status", "body", "mark"),
    [
        (500, "oops", "other-status (HTTP 500)"),
        (200, "<html>key</html>", "not-json (HTTP 200)"),
        (200, '{"RSAPublicKey": "-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END"}', "unreadable-pem"),
    ],
)
def test_unknown_variant_is_unsupported_with_its_fingerprint_and_no_login(
    runner: SimRunner, status: int, body: str, mark: str
) -> None:
    odd = _OddRouter(status, body)
    port = runner.add_app(odd.app, "127.0.0.1", 0)
    drv = ZyxelWebDriver(
        Target(host="127.0.0.1", port=port, model="zyxel"),
        Credential(passwords=(SecretStr("x"), SecretStr("y"))),
        timeouts=FAST,
    )
    with pytest.raises(Unsupported) as info:
        drv.open()
    assert "variante de firmware Zyxel desconhecida" in str(info.value)
    assert mark in str(info.value)
    assert odd.logins == 0
    seen = probe(requests.Session(), "127.0.0.1", port, 2.0)
    assert seen is not None and seen.profile is None and not seen.supported
    assert seen.firmware == "V5.50(ABVY.9.9)C0"


# --- probe -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_probe_names_model_firmware_and_the_driver_profile(runner: SimRunner, name: str) -> None:
    unit = _unit(runner, name)
    seen = probe(requests.Session(), unit.host, unit.port, 2.0)
    assert seen is not None and seen.supported
    assert (seen.family, seen.model_key) == ("zyxel", "zyxel")
    assert (seen.model_name, seen.firmware) == ("EX3301-T0", unit.device.firmware)
    assert seen.profile == SIM_PROFILES[name].driver_profile
    assert seen.details["prelogin_cookie"] is SIM_PROFILES[name].prelogin_cookie
    assert unit.device.counters.logins == 0 and unit.device.counters.failed_logins == 0


def test_probe_is_none_quickly_for_another_router(runner: SimRunner) -> None:
    hits: list[str] = []
    app = web.Application()

    async def other(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(text="<html>outro</html>", status=404)

    app.router.add_route("*", "/{tail:.*}", other)
    port = runner.add_app(app, "127.0.0.1", 0)
    assert probe(requests.Session(), "127.0.0.1", port, 2.0) is None
    assert hits == [guessed.PRELOGIN_PATH, guessed.BASIC_INFO_PATH]


# --- advisories, lab, ledger -------------------------------------------------------------


def test_advisories_match_by_version_only() -> None:
    ids = {a.advisory_id for a in matching("zyxel", "V5.50(ABVY.7.2)C0")}
    assert ids == {"CVE-2026-79614", "CVE-2026-6952"}
    assert [a.advisory_id for a in matching("zyxel", "V5.50(ABVY.5.5)b6_Y0")] == ["CVE-2026-79614"]
    assert [a.advisory_id for a in matching("zyxel", "V5.50(ABVY.8.3)C0")] == ["CVE-2026-79614"]
    assert matching("zyxel", "V5.50(ABVY.8.4)C0") == []
    assert matching("zyxel", "V5.50(ABVY.10.1)C0") == []
    assert matching("mercusys-ac12g", "V5.50(ABVY.7.2)C0") == []
    flagged = {n for n, p in SIM_PROFILES.items() if matching("zyxel", p.firmware)}
    assert "aes" not in flagged and "aes-rotating" in flagged  # one patched, one vulnerable


def test_the_lab_mixes_every_profile() -> None:
    assert model_profiles("zyxel") == PROFILE_NAMES
    plans = [p for p in make_plan(40, models=["zyxel"]) if p.model == "zyxel"]
    assert {p.profile for p in plans} == set(PROFILE_NAMES)


def test_every_constant_has_one_fact_with_sources_unless_guessed() -> None:
    facts = ledger_of("zyxel")
    names = [f.name for f in facts]
    assert sorted(names) == sorted(constants_of("drivers.zyxel.guessed"))
    assert len(names) == len(set(names))
    for fact in facts:
        assert fact.summary
        assert fact.grade is Grade.GUESSED or fact.sources


def test_zysh_reads_cardpage_status_where_the_table_lacks_status(runner: SimRunner) -> None:
    unit = make_unit(runner, lambda dev: apply_profile(dev, "cardpage"), cli=True)
    drv = unit.driver(Transport.TELNET)
    with drv:
        status = drv.get_status()
    assert getattr(drv, "status_oid", None) == "cardpage_status"
    assert status.firmware == unit.device.firmware
