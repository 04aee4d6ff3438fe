"""The TP-Link ONU simulator against a client written straight from the protocol notes
(§3/§4): its own raw RSA, AES and request shapes, nothing imported from the driver."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from requests.adapters import HTTPAdapter

from cpe.models import Band
from drivers.sim import SimRunner
from tests.conformance.harness import ADMIN_PASSWORD, Harness, Rig, rig

TIMEOUT = (2.0, 5.0)


class _FromAddress(HTTPAdapter):
    """Connect from another loopback address: "another client IP"."""

    def __init__(self, source_ip: str) -> None:
        self.source_ip = source_ip
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.source_ip, 0)
        super().init_poolmanager(*args, **kwargs)


class NotesClient:
    """getGDPRParm → encrypted /cgi/login act on /cgi_gdpr?9 → GET / token → acts."""

    def __init__(
        self, host: str, port: int, user: str, password: str, *,
        gcm: bool = False, source_ip: str | None = None,
    ) -> None:
        self.base = f"http://{host}:{port}"
        self.http = requests.Session()
        self.http.trust_env = False
        if source_ip:
            self.http.mount("http://", _FromAddress(source_ip))
        self.user, self.password, self.gcm = user, password, gcm
        digits = "".join(secrets.choice("0123456789") for _ in range(32))
        self.key = digits[:16].encode()
        self.iv = digits[16 : 28 if gcm else 32].encode()
        self.hash = hashlib.md5((user + password).encode(), usedforsecurity=False).hexdigest()
        self.token = ""
        self.jsessionid = ""

    def headers(self, referer: bool = True) -> dict[str, str]:
        out = {"Referer": self.base + "/"} if referer else {}
        if self.token:
            out["TokenID"] = self.token
        if self.jsessionid:
            out["Cookie"] = f"JSESSIONID={self.jsessionid}"
        return out

    def parm(self) -> str:
        r = self.http.post(self.base + "/cgi/getGDPRParm", headers=self.headers(), timeout=TIMEOUT)
        assert r.status_code == 200
        found = dict(re.findall(r'var (\w+)="([^"]*)";', r.text))
        self.n, self.e, self.seq = int(found["nn"], 16), int(found["ee"], 16), int(found["seq"])
        assert "$.ret=0;" in r.text
        return r.text

    def rsa(self, text: str) -> str:
        size = (self.n.bit_length() + 7) // 8
        raw = text.encode()
        return "".join(
            format(pow(int.from_bytes(raw[i : i + size].ljust(size, b"\0"), "big"), self.e, self.n),
                   f"0{size * 2}x")
            for i in range(0, len(raw), size)
        )

    def seal(self, text: str) -> tuple[str, str | None]:
        if self.gcm:
            sealed = AESGCM(self.key).encrypt(self.iv, text.encode(), None)
            return base64.b64encode(sealed[:-16]).decode(), base64.b64encode(sealed[-16:]).decode()
        padder = padding.PKCS7(128).padder()
        enc = Cipher(algorithms.AES(self.key), modes.CBC(self.iv)).encryptor()
        ct = enc.update(padder.update(text.encode()) + padder.finalize()) + enc.finalize()
        return base64.b64encode(ct).decode(), None

    def open(self, body: str) -> str:
        if self.gcm:
            raw = AESGCM(self.key).decrypt(
                self.iv, base64.b64decode(body[:-24]) + base64.b64decode(body[-24:]), None
            )
            return raw.decode()
        dec = Cipher(algorithms.AES(self.key), modes.CBC(self.iv)).decryptor()
        padded = dec.update(base64.b64decode(body)) + dec.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return (unpadder.update(padded) + unpadder.finalize()).decode()

    def post(
        self, plaintext: str, *, login: bool = False, s_offset: int = 0, referer: bool = True
    ) -> requests.Response:
        data, tag = self.seal(plaintext)
        if login:
            k, i = (
                (base64.b64encode(self.key).decode(), base64.b64encode(self.iv).decode())
                if self.gcm
                else (self.key.decode(), self.iv.decode())
            )
            sign_text = f"key={k}&iv={i}&h={self.hash}&s={self.seq + len(data) + s_offset}"
        else:
            sign_text = f"h={self.hash}&s={self.seq + len(data) + s_offset}"
        body = f"sign={self.rsa(sign_text)}\r\ndata={data}\r\n" + (f"tag={tag}\r\n" if tag else "")
        return self.http.post(
            self.base + "/cgi_gdpr?9", data=body, headers=self.headers(referer), timeout=TIMEOUT
        )

    def login(self, s_offset: int = 0) -> str:
        self.parm()

        def b64(value: str) -> str:
            return base64.b64encode(value.encode()).decode()

        act = {
            "data": {
                "UserName": b64(self.user), "Passwd": b64(self.password), "Action": "1",
                "stack": "0,0,0,0,0,0", "pstack": "0,0,0,0,0,0",
            },
            "operation": "cgi",
            "oid": "/cgi/login",
        }
        r = self.post(json.dumps(act), login=True, s_offset=s_offset)
        assert r.status_code == 200
        answer = self.open(r.text) if "$.ret" not in r.text else r.text
        if "$.ret=0;" in answer:
            self.jsessionid = r.cookies["JSESSIONID"]
            page = self.http.get(self.base + "/", headers=self.headers(), timeout=TIMEOUT).text
            match = re.search(r'var token="([^"]+)";', page)
            assert match
            self.token = match.group(1)
        return answer

    def act(self, operation: str, oid: str, **data: str) -> Any:
        body = {"data": {"stack": "0,0,0,0,0,0", "pstack": "0,0,0,0,0,0", **data},
                "operation": operation, "oid": oid}
        r = self.post(json.dumps(body))
        assert r.status_code == 200, r.status_code
        return json.loads(self.open(r.text)) if r.text else None


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as made:
        yield made


@pytest.fixture()
def onu(runner: SimRunner) -> Iterator[Rig]:
    with rig(Harness(id="tplink-sim", model="tplink-onu"), runner) as made:
        yield made


def _client(r: Rig, password: str = ADMIN_PASSWORD, **kw: Any) -> NotesClient:
    return NotesClient(r.host, r.port, "admin", password, **kw)


@pytest.mark.parametrize("gcm", [False, True])
def test_a_client_written_from_the_notes_logs_in_reads_and_logs_out(
    runner: SimRunner, gcm: bool
) -> None:
    custom = (lambda d: d.extra.update(profile="gcm")) if gcm else None
    with rig(Harness(id="notes", model="tplink-onu", customize=custom), runner) as r:
        client = _client(r, gcm=gcm)
        assert client.login() == "$.ret=0;"
        info = client.act("go", "DEV2_DEV_INFO", modelName="", softwareVersion="")
        assert info["success"] is True
        assert info["data"]["modelName"] == "XC220-G3v"
        assert info["data"]["softwareVersion"].startswith("1.2.0 0.8.0 v6062.0 Build")
        wans = client.act("gl", "DEV2_ADT_WAN", enable="", name="", connIPv4DnsServer="")
        assert isinstance(wans["data"], list) and len(wans["data"]) == 2
        assert any(w["connIPv4DnsServer"] == "8.8.8.8,8.8.4.4" for w in wans["data"])
        wifi = client.act("go", "DEV2_ADT_WIFI_COMMON", stack="2,0,0,0,0,0", primarySSID="")
        assert wifi["data"]["primarySSID"] == "Casa-Antiga-5G"
        assert client.act("cgi", "/cgi/logout") is None
        assert not r.device.open_toolkit_session()
        assert r.device.counters.logins == 1


def test_referer_is_required(onu: Rig) -> None:
    client = _client(onu)
    url = client.base + "/cgi/getGDPRParm"
    assert requests.post(url, timeout=TIMEOUT).status_code == 403
    foreign = {"Referer": "http://192.0.2.1:2389/"}
    assert requests.post(url, headers=foreign, timeout=TIMEOUT).status_code == 403
    client.parm()
    r = client.post('{"oid":"/cgi/login"}', login=True, referer=False)
    assert r.status_code == 403
    assert onu.device.counters.failed_logins == 0


def test_sequence_number_is_checked(onu: Rig) -> None:
    client = _client(onu)
    assert "$.ret=71234;" in client.login(s_offset=1)
    assert onu.device.counters.failed_logins == 0 and onu.device.session is None
    assert client.login() == "$.ret=0;"
    r = client.post(json.dumps({"data": {}, "operation": "go", "oid": "DEV2_DEV_INFO"}), s_offset=7)
    assert r.status_code == 400


def test_acts_need_tokenid_and_jsessionid(onu: Rig) -> None:
    client = _client(onu)
    client.login()
    token, client.token = client.token, ""
    assert client.post('{"data":{},"operation":"go","oid":"DEV2_DEV_INFO"}').status_code == 406
    client.token, client.jsessionid = token, "0" * 30
    assert client.post('{"data":{},"operation":"go","oid":"DEV2_DEV_INFO"}').status_code == 406


def test_idle_session_expires(onu: Rig) -> None:
    client = _client(onu)
    client.login()

    def age() -> None:
        assert onu.device.session is not None
        onu.device.session.last_seen = time.monotonic() - onu.device.knobs.session_idle_s - 1

    onu.runner.run_sync(age)
    assert client.post('{"data":{},"operation":"go","oid":"DEV2_DEV_INFO"}').status_code == 406


def test_wrong_password_answer_counts_down_then_forbids(onu: Rig) -> None:
    onu.device.knobs.lock_threshold = 3
    answers = [_client(onu, password=f"errada-{i}").login() for i in range(3)]
    assert answers[0] == "var currAuthTimes=2;\nvar currForbidTime=0;\n$.ret=71233;"
    assert answers[1].startswith("var currAuthTimes=1;")
    forbid = re.search(r"currForbidTime=(\d+);", answers[2])
    assert forbid and int(forbid.group(1)) > 0
    assert onu.device.locked()
    assert "$.ret=71233;" in _client(onu).login()  # right password, still locked


def test_another_client_ip_gets_user_conflict(onu: Rig) -> None:
    first = _client(onu)
    assert first.login() == "$.ret=0;"
    other = _client(onu, source_ip="127.0.0.2" if onu.host != "127.0.0.2" else "127.0.0.3")
    assert other.login() == "$.ret=71235;"
    busy = other.http.post(other.base + "/cgi/getBusy", headers=other.headers(), timeout=TIMEOUT)
    assert "var isLogined=1;" in busy.text
    assert onu.device.session is not None and onu.device.session.token == first.jsessionid


def test_a_cbc_client_against_gcm_firmware_is_refused_without_counting(runner: SimRunner) -> None:
    gcm = Harness(id="gcm", model="tplink-onu", customize=lambda d: d.extra.update(profile="gcm"))
    with rig(gcm, runner) as r:
        # The key exchange is the same for every profile: no marker says GCM.
        assert set(re.findall(r"var (\w+)=", _client(r).parm())) == {"ee", "nn", "seq"}
        assert _client(r).login() == "$.ret=71234;"
        assert r.device.counters.failed_logins == 0


def test_bridged_xz000_has_no_wifi_and_refuses_wan_writes(runner: SimRunner) -> None:
    with rig(Harness(id="xz", model="tplink-xz000-g3"), runner) as r:
        client = _client(r)
        client.login()
        assert client.act("go", "DEV2_ADT_WIFI_COMMON", stack="1,0,0,0,0,0") == {
            "success": False, "errorcode": 9005,
        }
        wans = client.act("gl", "DEV2_ADT_WAN")["data"]
        assert [w["name"] for w in wans if w["enable"] == "1"] == ["bridge_gpon_0_2"]
        refused = client.act("so", "DEV2_ADT_WAN", stack="2,0,0,0,0,0", PPPUserName="x")
        assert refused == {"success": False, "errorcode": 9007}
        assert r.device.counters.writes == 0


def test_guest_network_reads_show_and_writes_apply(onu: Rig) -> None:
    client = _client(onu)
    client.login()
    stack = "2,0,0,0,0,0"
    before = client.act("go", "DEV2_ADT_WIFI_COMMON", stack=stack)["data"]
    assert before["guestEnable"] == "0" and before["guestSSID"].endswith("_Convidados")
    short = client.act("so", "DEV2_ADT_WIFI_COMMON", stack=stack, guestPSK="curta")
    assert short == {"success": False, "errorcode": 9007}
    done = client.act(
        "so", "DEV2_ADT_WIFI_COMMON", stack=stack, guestEnable="1", guestSSID="Visitas",
        guestPSK="visitas-2024",
    )
    assert done == {"success": True}
    after = client.act("go", "DEV2_ADT_WIFI_COMMON", stack=stack, guestEnable="", guestSSID="")
    assert (after["data"]["guestEnable"], after["data"]["guestSSID"]) == ("1", "Visitas")
    assert onu.device.wifi[Band.GHZ_5].ssid == "Casa-Antiga-5G"  # the main network untouched


def test_objects_public_clients_poll_are_answered(onu: Rig) -> None:
    client = _client(onu)
    client.login()
    for oid, fields in (
        ("DEV2_ADT_LAN", ("MACAddress", "IPAddress", "IPSubnetMask", "DHCPv4Enable")),
        ("DEV2_HOST_ENTRY", ("active", "X_TP_LanConnType", "physAddress", "hostName")),
    ):
        got = client.act("gl", oid, **dict.fromkeys(fields, ""))
        assert got["success"] is True and got["data"]
        assert all(set(fields) <= set(entry) for entry in got["data"])
    mem = client.act("go", "DEV2_MEM_STATUS", total="", free="")["data"]
    assert 0 < int(mem["free"]) < int(mem["total"])
    assert 0 <= int(client.act("go", "DEV2_PROC_STATUS", CPUUsage="")["data"]["CPUUsage"]) <= 100


def test_oaep_firmware_drops_a_raw_sign_without_counting(runner: SimRunner) -> None:
    oaep = Harness(id="oaep", model="tplink-onu", customize=lambda d: d.extra.update(
        profile="gcm-oaep"))
    with rig(oaep, runner) as r:
        with pytest.raises(requests.ConnectionError):
            _client(r, gcm=True).login()
        assert r.device.counters.failed_logins == 0
