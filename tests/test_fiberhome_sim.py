"""The Fiberhome simulator on the wire, driven by a plain HTTP client (no driver)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter

from cpe.models import Band
from drivers.fiberhome.crypto import FIXED_KEY, fhdecrypt, fhencrypt
from drivers.fiberhome.sim_views import device_key
from drivers.fiberhome.simulator import FiberhomeFamily
from drivers.sim import SimDevice, SimRunner, WifiState
from tests.conformance.harness import next_loopback

ADMIN = "sim-admin-Pw3"


class SourceAdapter(HTTPAdapter):
    """Connect from a chosen loopback address (a second 'client IP')."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


class Client:
    def __init__(self, host: str, port: int, source: str | None = None) -> None:
        self.base = f"http://{host}:{port}/cgi-bin/ajax"
        self.http = requests.Session()
        self.http.trust_env = False
        if source:
            self.http.mount("http://", SourceAdapter(source))

    def get(self, method: str) -> dict[str, Any]:
        r = self.http.get(self.base, params={"ajaxmethod": method, "_": "0.1"}, timeout=5)
        assert r.status_code == 200
        return r.json()  # type: ignore[no-any-return]

    def sid(self) -> str:
        return str(self.get("get_refresh_sessionid")["sessionid"])

    def post(self, method: str, sid: str | None = None, **fields: str) -> requests.Response:
        data = {"ajaxmethod": method, "sessionid": sid or self.sid(), "_": "0.2", **fields}
        return self.http.post(self.base, data=data, timeout=5)

    def login(self, dev: SimDevice, password: str = ADMIN) -> int:
        r = self.post("do_login", username="admin", loginpd=fhencrypt(password, device_key(dev)),
                      port="0")
        return int(r.json()["login_result"])


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


@pytest.fixture()
def dev() -> SimDevice:
    d = FiberhomeFamily().new_device("fiberhome-onu", random.Random(11))
    d.admin_password = ADMIN
    d.pppoe_user, d.pppoe_password = "cli.sim", "ppp-sim-1"
    d.wifi = {Band.GHZ_2_4: WifiState("Rede Sim", "psk-sim-123")}
    d.knobs.wan_restart_s = 0.2
    d.evaluate_wan()
    return d


def _client(runner: SimRunner, dev: SimDevice, source: str | None = None) -> Client:
    host, port = runner.add(dev, FiberhomeFamily(), next_loopback(), 0)
    return Client(host, port, source)


def test_unauthenticated_reads_show_nothing(runner: SimRunner, dev: SimDevice) -> None:
    c = _client(runner, dev)
    sid = c.get("get_refresh_sessionid")["sessionid"]
    assert isinstance(sid, str) and len(sid) == 8
    base = c.get("get_base_info")
    assert base["session_valid"] == 0 and "ModelName" not in base


def test_acs_random_only_on_new_firmware(runner: SimRunner, dev: SimDevice) -> None:
    c = _client(runner, dev)
    dev.extra["acs_random"] = True
    acs = c.get("get_acs_random")["acsRandom"]
    assert len(acs) == 29 and device_key(dev) == acs[6:22].encode()
    dev.extra["acs_random"] = False
    assert "acsRandom" not in c.get("get_acs_random")
    assert device_key(dev) == FIXED_KEY


def test_sessionid_is_single_use_and_must_be_latest(runner: SimRunner, dev: SimDevice) -> None:
    c = _client(runner, dev)
    assert c.post("do_login", sid="not-issued", username="admin", loginpd="00").status_code == 403
    old = c.sid()
    c.sid()  # a newer one replaces it
    assert c.post("do_logout", sid=old).status_code == 403
    assert c.login(dev) == 0
    used = c.sid()
    assert c.post("do_logout", sid=used).status_code == 200
    assert c.post("do_logout", sid=used).status_code == 403  # reused
    assert dev.extra["stale_posts"] == 3
    assert dev.counters.failed_logins == 0


def test_lockout_after_three_failures_reported_as_2(runner: SimRunner, dev: SimDevice) -> None:
    c = _client(runner, dev)
    assert [c.login(dev, "errada") for _ in range(3)] == [4, 4, 2]
    assert c.login(dev) == 2  # the right password is refused while locked
    assert dev.counters.lockouts_caused == 1 and dev.lock_remaining_s() > 30


def test_one_admin_session_per_client_ip(runner: SimRunner, dev: SimDevice) -> None:
    a = _client(runner, dev)
    host, port = runner.fleet.address_of(dev)
    b = Client(host, port, source="127.0.0.3")
    assert a.login(dev) == 0
    assert b.login(dev) == 1  # "another user is logged in elsewhere"
    assert dev.counters.failed_logins == 0
    assert a.get("get_base_info")["ModelName"] == "HG6145F"
    assert b.get("get_base_info")["session_valid"] == 0


def test_idle_session_expires(runner: SimRunner, dev: SimDevice) -> None:
    c = _client(runner, dev)
    assert c.login(dev) == 0

    def age() -> None:
        assert dev.session is not None
        dev.session.last_seen -= dev.knobs.session_idle_s + 1

    runner.run_sync(age)
    assert c.get("get_allwan_info")["session_valid"] == 0


def test_answers_encode_ips_and_encrypt_secrets(runner: SimRunner, dev: SimDevice) -> None:
    c = _client(runner, dev)
    assert c.login(dev) == 0
    wan = c.get("get_allwan_info")["wan"][0]
    assert "_point_" in wan["ExternalIPAddress"] and "." not in wan["ExternalIPAddress"]
    assert wan["AddressingType"] == "PPPOE" and wan["Username"] == "cli.sim"
    assert fhdecrypt(wan["Password"], device_key(dev)) == "ppp-sim-1"
    wifi = c.get("get_wifi_status")["wifi_status"]
    assert wifi[0]["SSID"] != "Rede Sim"
    assert fhdecrypt(wifi[0]["SSID"], device_key(dev)) == "Rede Sim"
    assert c.get("get_wifi_status_5G")["wifi_status5g"] == []  # this unit has no 5 GHz


def test_page_token_required_for_lan_and_wifi(runner: SimRunner, dev: SimDevice) -> None:
    c = _client(runner, dev)
    assert c.login(dev) == 0
    fields = {"IPInterfaceIPAddress": "192.168.1.1", "DNSProxyEnable": "0",
              "DNSManualEnable": "1", "DNSServers": "1.1.1.1,1.0.0.1"}
    assert c.post("set_ipv4_lan", token="wrong", **fields).status_code == 403
    token = c.get("get_operator")["token"]
    r = c.post("set_ipv4_lan", token=token, **fields)
    assert r.status_code == 200 and dev.lan_dns == ["1.1.1.1", "1.0.0.1"]
    servers = r.json()["lan_ipv4"]["DNSServers"]
    assert servers == "1_point_1_point_1_point_1,1_point_0_point_0_point_1"
    assert dev.counters.writes == 1


def test_pppoe_change_restarts_wan_and_dns_change_does_not(
    runner: SimRunner, dev: SimDevice
) -> None:
    c = _client(runner, dev)
    assert c.login(dev) == 0
    key = device_key(dev)
    form = {"wan_index": "1", "wan_session_index": "1", "ConnectionType": "PPPoE_Routed",
            "AddressingType": "PPPoE", "ServiceList": "INTERNET", "wan_iporppp_new": "2",
            "Username": "cli.sim", "WPd": fhencrypt("ppp-sim-1", key),
            "DnsOverrideEnable": "1", "DNSOverrideServer": "1.1.1.1,1.0.0.1"}
    assert c.post("wan_modify", **form).status_code == 200
    assert dev.dns == ["1.1.1.1", "1.0.0.1"] and dev.counters.wan_restarts == 0
    form.update(Username="cli.novo", WPd=fhencrypt("ppp-novo-2", key))
    answer = c.post("wan_modify", **form).json()
    assert answer["wan"][0]["Username"] == "cli.novo"
    assert (dev.pppoe_user, dev.pppoe_password) == ("cli.novo", "ppp-novo-2")
    assert dev.counters.wan_restarts == 1 and dev.counters.writes == 2
