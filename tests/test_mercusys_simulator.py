"""The Mercusys simulator spoken to like a third-party client would (plain `requests`)."""

from __future__ import annotations

import random
import re
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
from drivers.mercusys.wire import ChallengeLayout, ClientState, parse_challenge, parse_reply
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

    def __init__(
        self, runner: SimRunner, model: str = "mercusys-ac12g", profile: str | None = None
    ) -> None:
        self.device: SimDevice = FAMILY.new_device(model, random.Random(3), profile=profile)
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


@pytest.fixture()
def mr30g(runner: SimRunner) -> Client:
    return Client(runner, "mercusys-mr30g")


def test_ac12g_challenge_has_six_lines_and_no_counter(client: Client) -> None:
    """The layout of the CVE-2026-36609 PoC: line [2] and line [5] are always 00000."""
    resp = client.challenge()
    assert resp.status_code == 401
    lines = resp.text.split("\r\n")
    assert lines[0] == "00007" and lines[2] == "00000" and lines[5] == "00000"
    assert len(lines) == 7 and lines[6] == ""  # six lines, each CRLF-terminated
    ch = parse_challenge(resp.text)
    assert (ch.layout, ch.state, ch.counter) == (ChallengeLayout.CONSTANT, ClientState.NORMAL, None)
    assert len(ch.nonce) == g.NONCE_LENGTH == 32
    assert len(ch.dictionary) == g.DICTIONARY_LENGTH
    client.login("wrong-pw")  # a failure does not show either
    assert client.challenge().text.split("\r\n")[2] == "00000"


def test_mr30g_challenge_has_five_lines_with_the_counter(mr30g: Client) -> None:
    resp = mr30g.challenge()
    lines = resp.text.split("\r\n")
    assert (resp.status_code, len(lines), lines[0]) == (401, 6, "00007")
    ch = parse_challenge(resp.text)
    assert (ch.layout, ch.state) == (ChallengeLayout.COUNTER, ClientState.NORMAL)
    assert ch.counter == g.LOCK_THRESHOLD  # attempts left


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


def test_wrong_passwords_count_down_then_lock(mr30g: Client) -> None:
    for left in range(g.LOCK_THRESHOLD - 1, 0, -1):
        ch = parse_challenge(mr30g.login("wrong-pw").text)
        assert (ch.state, ch.counter) == (ClientState.PSWERR, left)
    ch = parse_challenge(mr30g.login("wrong-pw").text)
    assert ch.state == ClientState.LOCK
    assert mr30g.device.counters.lockouts_caused == 1
    # Even the right password is refused while locked, and not counted.
    failed = mr30g.device.counters.failed_logins
    assert parse_challenge(mr30g.login().text).state == ClientState.LOCK
    assert mr30g.device.counters.failed_logins == failed


def test_the_six_line_unit_locks_unseen_after_five_failures(client: Client) -> None:
    for _ in range(g.LOCK_THRESHOLD - 1):
        ch = parse_challenge(client.login("wrong-pw").text)
        assert (ch.state, ch.counter) == (ClientState.PSWERR, None)
    assert parse_challenge(client.login("wrong-pw").text).state == ClientState.LOCK
    assert client.device.lock_remaining_s() > 7000  # about 2 hours (S4)


def test_an_expired_lock_shows_a_fresh_counter(mr30g: Client) -> None:
    mr30g.device.knobs.lock_threshold = 1
    mr30g.login("wrong-pw")
    assert parse_challenge(mr30g.challenge().text).state == ClientState.LOCK
    mr30g.device.locked_until -= mr30g.device.knobs.lock_seconds + 1
    ch = parse_challenge(mr30g.challenge().text)
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
    body = "id 33|2,0,0\r\ncSsid Nova%205G\r\ncPskSecret nova-chave-5g\r\nuAuthType 3\r\n"
    assert client.call(1, body).text == "00000\r\n"
    assert client.device.wifi[Band.GHZ_5].ssid == "Nova 5G"
    assert client.device.wifi[Band.GHZ_5].psk == "nova-chave-5g"
    assert client.device.counters.writes == 1
    reread = parse_reply(client.call(2, "33|2,0,0").text).blocks[0]
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


@pytest.mark.parametrize("body", ["23|1,0,0", "68|1,0,0", "85|1,0,0", "23|1,0,0#85|1,0,0"])
def test_open_read_mr30g_answers_the_poc_ids_without_a_token(
    runner: SimRunner, body: str
) -> None:
    """The S5 PoC's three reads (asyn=0, no id) on the vulnerable firmware..."""
    leaky = Client(runner, "mercusys-mr30g", "mr30g-v1-open-read")
    resp = leaky.post("code=2&asyn=0", body)
    assert resp.status_code == 200
    reply = parse_reply(resp.text)
    assert reply.code == 0 and [str(b.ref) for b in reply.blocks] == body.split("#")


def test_patched_mr30g_and_ac12g_answer_nothing_without_login(
    runner: SimRunner, mr30g: Client
) -> None:
    leaky, ac12g = Client(runner, "mercusys-mr30g", "mr30g-v1-open-read"), Client(runner)
    for who, body in ((mr30g, "23|1,0,0"), (mr30g, "68|1,0,0"), (ac12g, "23|1,0,0"),
                      (leaky, "23|1,0,0#26|1,0,0"), (leaky, "0|1,0,0")):
        resp = who.post("code=2&asyn=0", body)
        assert resp.status_code == 401 and resp.text.startswith("00007")


@pytest.mark.parametrize(
    ("profile", "main", "guest"),
    [("mr30g-v1-current", "1,0,0", "1,1,0"), ("ac12g-v1-200909", "1,1,0", "1,2,0")],
)
def test_each_numbering_keeps_main_and_guest_apart(
    runner: SimRunner, profile: str, main: str, guest: str
) -> None:
    model = "mercusys-mr30g" if profile.startswith("mr30g") else "mercusys-ac12g"
    unit = Client(runner, model, profile)
    unit.login()
    shown = parse_reply(unit.call(2, f"33|{main}#33|{guest}").text).blocks
    assert shown[0].get("cSsid") == unit.device.wifi[Band.GHZ_2_4].ssid
    assert shown[1].get("cSsid") != shown[0].get("cSsid") and shown[1].get("bEnable") == "0"
    # A write into the guest stays there: the main SSID does not move.
    assert unit.call(1, f"id 33|{guest}\r\ncSsid Visitas\r\n").text == "00000\r\n"
    assert unit.device.wifi[Band.GHZ_2_4].ssid != "Visitas"
    assert parse_reply(unit.call(2, f"33|{guest}").text).blocks[0].get("cSsid") == "Visitas"
    other = "1,0,0" if main != "1,0,0" else "1,2,0"
    assert unit.call(2, f"33|{other}").text.startswith("00002")


def test_new_device_is_cheap_and_has_the_model_identity() -> None:
    rng = random.Random(11)
    ac, mr = FAMILY.new_device("mercusys-ac12g", rng), FAMILY.new_device("mercusys-mr30g", rng)
    assert (ac.model_name, mr.model_name) == ("AC12G", "MR30G")
    assert re.fullmatch(r"1\.0\.2 Build 210128 Rel\.\d{5}n", ac.firmware)
    assert mr.firmware == g.MR30G_FIRMWARE_CURRENT
    # Nothing protocol-related is computed up front: a seed for the nonces, the profile.
    assert set(ac.extra) == {"seed", "profile"}
    assert (ac.knobs.lock_threshold, ac.knobs.lock_seconds) == (5, g.LOCK_SECONDS)
    with pytest.raises(ValueError):
        FAMILY.new_device("zyxel", rng)
    with pytest.raises(ValueError):
        FAMILY.new_device("mercusys-ac12g", rng, profile="mr30g-v1-current")


def test_profiles_table_matches_the_lab_contract() -> None:
    assert FAMILY.profiles["mercusys-ac12g"][0] == "ac12g-v1-210128"
    for model, names in FAMILY.profiles.items():
        for name in names:
            dev = FAMILY.new_device(model, random.Random(1), profile=name)
            assert dev.extra["profile"] == name and dev.model == model
    dhcp = FAMILY.new_device("mercusys-ac12g", random.Random(1), "ac12g-v1-210128-dhcp-wan")
    assert dhcp.wan_type == "dhcp"


def test_login_script_is_served_without_login(client: Client) -> None:
    resp = client.http.get(client.base + g.LOGIN_SCRIPT, timeout=5)
    assert resp.status_code == 200
    assert "securityEncode" in resp.text and "RDpbLfCPsJZ7fiv" in resp.text


def test_login_page(client: Client) -> None:
    resp = client.http.get(client.base + "/", timeout=5)
    assert resp.status_code == 200 and "AC12G" in resp.text
