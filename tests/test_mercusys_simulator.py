"""The Mercusys simulator spoken to like a third-party client would (plain `requests`)."""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from ipaddress import IPv4Address

import pytest
import requests

from cpe.models import Band
from drivers.mercusys import guessed as g
from drivers.mercusys.encoding import encode_uri_component, login_token
from drivers.mercusys.sim_auth import challenge_dictionary, nonce_for
from drivers.mercusys.simulator import MercusysFamily
from drivers.mercusys.wire import ClientState, parse_challenge, parse_reply
from drivers.sim import SimDevice, SimRunner

PASSWORD = "sim-admin-Pw7"
FAMILY = MercusysFamily()
_hosts = iter(range(2, 250))
_PW_CHARS = string.ascii_letters + string.digits + "-_."


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


class Client:
    """What mercusys-cli does: challenge, token, then `&id=` on every call."""

    def __init__(self, runner: SimRunner, model: str = "mercusys-ac12g") -> None:
        self.device: SimDevice = FAMILY.new_device(model, random.Random(3))
        self.device.admin_password = PASSWORD
        self.device.evaluate_wan()
        host, port = runner.add(self.device, FAMILY, f"127.0.31.{next(_hosts)}", 0)
        self.base = f"http://{host}:{port}"
        self.http = requests.Session()
        self.http.trust_env = False
        self.token: str | None = None

    def post(self, query: str, body: str | bytes = "") -> requests.Response:
        return self.http.post(f"{self.base}/?{query}", data=body, timeout=5)

    def call(self, code: int, body: str = "", asyn: int = 0) -> requests.Response:
        assert self.token is not None
        return self.post(f"code={code}&asyn={asyn}&id={encode_uri_component(self.token)}", body)

    def challenge(self) -> requests.Response:
        return self.post("code=7&asyn=0")

    def login(self, password: str = PASSWORD) -> requests.Response:
        ch = parse_challenge(self.challenge().text)
        token = login_token(password, ch.nonce, ch.dictionary)
        resp = self.post(f"code=7&asyn=0&id={encode_uri_component(token)}")
        if resp.status_code == 200:
            self.token = token
        return resp


@pytest.fixture()
def client(runner: SimRunner) -> Client:
    return Client(runner)


def test_challenge_has_the_five_lines(client: Client) -> None:
    resp = client.challenge()
    assert resp.status_code == 401
    lines = resp.text.split("\r\n")
    assert lines[0] == "00007"
    ch = parse_challenge(resp.text)
    assert ch.state == ClientState.NORMAL
    assert ch.counter == g.LOCK_THRESHOLD  # attempts left
    assert len(ch.nonce) == g.NONCE_LENGTH
    assert len(ch.dictionary) == 255


def test_nonce_is_static_per_boot_and_source_ip(client: Client) -> None:
    first = parse_challenge(client.challenge().text).nonce
    assert parse_challenge(client.challenge().text).nonce == first
    dev = client.device
    assert nonce_for(dev, "127.0.0.1") == first
    assert nonce_for(dev, "127.0.0.9") != first
    dev.booted_at += 100.0  # as after a reboot
    assert nonce_for(dev, "127.0.0.1") != first


def test_login_and_read(client: Client) -> None:
    resp = client.login()
    assert (resp.status_code, resp.text) == (200, "00000\r\n")
    reply = parse_reply(client.call(2, "0|1,0,0#33|1,1,0", asyn=1).text)
    assert reply.code == 0
    blocks = reply.by_ref()
    device_block = next(iter(blocks.values()))
    assert device_block.get("modelName") == "AC12G"
    assert client.device.open_toolkit_session()


def test_a_raw_unencoded_token_with_url_specials_fails(client: Client) -> None:
    """The dictionary carries URL-special characters, so skipping encodeURIComponent
    breaks as soon as the token holds one of them."""
    ch = parse_challenge(client.challenge().text)
    assert set("&#%") & set(ch.dictionary) and ch.dictionary == challenge_dictionary()
    rng = random.Random(5)
    candidates = ("".join(rng.choices(_PW_CHARS, k=12)) for _ in range(3000))
    client.device.admin_password = next(
        pw for pw in candidates if set("&#") & set(login_token(pw, ch.nonce, ch.dictionary))
    )
    token = login_token(client.device.admin_password, ch.nonce, ch.dictionary)
    assert client.post(f"code=7&asyn=0&id={token}").status_code == 401
    assert client.post(f"code=7&asyn=0&id={encode_uri_component(token)}").status_code == 200


def test_wrong_passwords_count_down_then_lock(client: Client) -> None:
    for left in range(g.LOCK_THRESHOLD - 1, 0, -1):
        ch = parse_challenge(client.login("wrong-pw").text)
        assert (ch.state, ch.counter) == (ClientState.PSWERR, left)
    ch = parse_challenge(client.login("wrong-pw").text)
    assert ch.state == ClientState.LOCK
    assert client.device.counters.lockouts_caused == 1
    # Even the right password is refused while locked, and not counted.
    failed = client.device.counters.failed_logins
    assert parse_challenge(client.login().text).state == ClientState.LOCK
    assert client.device.counters.failed_logins == failed


def test_an_expired_lock_shows_a_fresh_counter(client: Client) -> None:
    client.device.knobs.lock_threshold = 1
    client.login("wrong-pw")
    assert parse_challenge(client.challenge().text).state == ClientState.LOCK
    client.device.locked_until -= client.device.knobs.lock_seconds + 1
    ch = parse_challenge(client.challenge().text)
    assert (ch.state, ch.counter) == (ClientState.NORMAL, 1)


def test_someone_else_logged_in_is_full_and_not_counted(client: Client) -> None:
    client.device.hold_session_elsewhere()
    assert parse_challenge(client.challenge().text).state == ClientState.FULL
    assert parse_challenge(client.login().text).state == ClientState.FULL
    assert client.device.counters.failed_logins == 0
    assert client.device.session is not None and client.device.session.phantom


def test_same_ip_preempts_its_own_session(client: Client, runner: SimRunner) -> None:
    client.login()
    old = client.token
    client.device.admin_password = "another-Pw9"  # new token for the same nonce
    assert client.login("another-Pw9").status_code == 200
    client.token = old
    resp = client.call(2, "0|1,0,0")
    assert resp.status_code == 401
    assert parse_challenge(resp.text).state == ClientState.TIMEOUT


def test_idle_session_expires_with_timeout_state(client: Client) -> None:
    client.login()
    client.device.knobs.session_idle_s = -1
    resp = client.call(2, "0|1,0,0")
    assert resp.status_code == 401
    assert parse_challenge(resp.text).state == ClientState.TIMEOUT


def test_logout_ends_the_session(client: Client) -> None:
    client.login()
    assert client.call(11).text == "00000\r\n"
    assert not client.device.open_toolkit_session()
    assert client.call(2, "0|1,0,0").status_code == 401


def _snapshot(dev: SimDevice) -> object:
    wifi = {b: (w.ssid, w.psk, w.enabled) for b, w in dev.wifi.items()}
    return wifi, list(dev.dns), dev.manual_dns, dev.pppoe_user, dev.pppoe_password, dev.wan_type


def test_reboot_code_drops_the_session(client: Client) -> None:
    client.login()
    assert client.call(6).text == "00000\r\n"
    assert client.device.session is None
    assert client.device.uptime_s() <= 0  # booted_at moved to the end of the reboot


@pytest.mark.parametrize(
    ("query", "body", "code"),
    [
        ("asyn=0", "", "00005"),  # no code
        ("code=2&asyn=7", "0|1,0,0", "00002"),  # bad asyn
        ("code=99&asyn=0", "", "00005"),  # unknown code
        ("code=2&asyn=1", "garbage here", "00003"),
        ("code=2&asyn=1", "", "00003"),
        ("code=2&asyn=1", "99|1,0,0", "00002"),  # unknown id
        ("code=2&asyn=1", "33|3,1,0", "00002"),  # unknown stack
        ("code=1&asyn=0", "cSsid x\r\n", "00003"),  # no header
        ("code=1&asyn=0", "", "00003"),
        ("code=1&asyn=0", "id 23|1,0,0\r\nip 1.2.3.4\r\n", "00006"),  # read-only
        ("code=1&asyn=0", "id 33|1,1,0\r\nnoSuchKey 1\r\n", "00002"),
        ("code=1&asyn=0", "id 33|1,1,0\r\ncSsid " + "x" * 33 + "\r\n", "00070"),
        ("code=1&asyn=0", "id 33|1,1,0\r\ncPskSecret short\r\n", "00077"),
        ("code=1&asyn=0", "id 26|1,0,0\r\ndns 0 1.1.1.300\r\n", "00046"),
        ("code=1&asyn=0", "id 26|1,0,0\r\ndns 1 nope\r\n", "00047"),
        ("code=1&asyn=0", "id 26|1,0,0\r\nname \r\n", "00100"),
        ("code=1&asyn=0", "id 22|1,0,0\r\nlinkType 9\r\n", "00021"),
        ("code=1&asyn=0", b"id 33|1,1,0\r\ncSsid \xff\xfe\r\n", "00003"),  # not UTF-8
    ],
)
def test_malformed_requests_get_a_proper_error_code(
    client: Client, query: str, body: str | bytes, code: str
) -> None:
    client.login()
    writes = client.device.counters.writes
    before = _snapshot(client.device)
    resp = client.post(f"{query}&id={encode_uri_component(client.token or '')}", body)
    assert resp.status_code == 200
    assert resp.text.split("\r\n")[0] == code
    assert client.device.counters.writes == writes
    assert _snapshot(client.device) == before


def test_accepted_write_updates_the_device_and_counts_once(client: Client) -> None:
    client.login()
    body = "id 33|2,1,0\r\ncSsid Nova%205G\r\ncPskSecret nova-chave-5g\r\nuAuthType 3\r\n"
    assert client.call(1, body).text == "00000\r\n"
    assert client.device.wifi[Band.GHZ_5].ssid == "Nova 5G"
    assert client.device.wifi[Band.GHZ_5].psk == "nova-chave-5g"
    assert client.device.counters.writes == 1
    reread = parse_reply(client.call(2, "33|2,1,0").text).blocks[0]
    assert reread.get("cSsid") == "Nova 5G"


def test_dns_write_sets_manual_dns(client: Client) -> None:
    client.login()
    client.device.manual_dns = False
    pppoe = parse_reply(client.call(2, "26|1,0,0").text).blocks[0]
    assert (pppoe.get("manualDns"), pppoe.get("dns", 0)) == ("0", str(IPv4Address(0)))
    body = "id 26|1,0,0\r\nmanualDns 1\r\ndns 0 1.1.1.1\r\ndns 1 1.0.0.1\r\n"
    assert client.call(1, body).text == "00000\r\n"
    assert client.device.manual_dns and client.device.dns == ["1.1.1.1", "1.0.0.1"]
    status = parse_reply(client.call(2, "23|1,0,0").text).blocks[0]
    assert (status.get("dns", 0), status.get("dns", 1)) == ("1.1.1.1", "1.0.0.1")


def test_mr30g_answers_link_status_without_a_token(runner: SimRunner) -> None:
    mr30g, ac12g = Client(runner, "mercusys-mr30g"), Client(runner)
    resp = mr30g.post("code=2&asyn=0", "23|1,0,0")
    assert resp.status_code == 200
    assert parse_reply(resp.text).blocks[0].get("status") == "1"
    # ... but nothing else, and the AC12G answers none of it.
    assert mr30g.post("code=2&asyn=0", "23|1,0,0#26|1,0,0").status_code == 401
    assert ac12g.post("code=2&asyn=0", "23|1,0,0").status_code == 401


def test_mr30g_keeps_main_ssids_in_its_own_stack(runner: SimRunner) -> None:
    mr30g = Client(runner, "mercusys-mr30g")
    mr30g.login()
    assert parse_reply(mr30g.call(2, "33|1,0,0").text).blocks[0].get("cSsid")
    assert mr30g.call(2, "33|1,1,0").text.startswith("00002")


def test_new_device_is_cheap_and_has_the_model_identity() -> None:
    rng = random.Random(11)
    ac, mr = FAMILY.new_device("mercusys-ac12g", rng), FAMILY.new_device("mercusys-mr30g", rng)
    assert (ac.model_name, mr.model_name) == ("AC12G", "MR30G")
    assert ac.firmware.startswith("1.0.1 Build 200909 Rel.")
    # Nothing protocol-related is computed up front: only a seed for the nonces.
    assert set(ac.extra) == {"seed"}
    assert (ac.knobs.lock_threshold, ac.knobs.lock_seconds) == (5, g.LOCK_SECONDS)
    with pytest.raises(ValueError):
        FAMILY.new_device("zyxel", rng)


def test_login_page(client: Client) -> None:
    resp = client.http.get(client.base + "/", timeout=5)
    assert resp.status_code == 200 and "AC12G" in resp.text
