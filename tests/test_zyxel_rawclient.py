"""Clients written only from the protocol notes (not from our driver) against the simulator:
if these work, a tool written for real Zyxel firmware works against the lab too."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import time
from collections.abc import Iterator
from typing import Any

import asyncssh
import pytest
import requests
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from cpe.models import Band
from drivers.sim import SimRunner
from tests.conformance.harness import ADMIN_PASSWORD
from tests.zyxel_helpers import make_unit


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


# --- notes §1.2-1.3, step by step ----------------------------------------------------------


def _aes(key: bytes, iv: bytes, plain: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv[:16])).encryptor()
    return enc.update(padder.update(plain) + padder.finalize()) + enc.finalize()


def _unaes(key: bytes, body: dict[str, str]) -> Any:
    iv = base64.b64decode(body["iv"])[:16]
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    raw = dec.update(base64.b64decode(body["content"])) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return json.loads(unpadder.update(raw) + unpadder.finalize())


class NotesClient:
    def __init__(self, base: str, iv_len: int, content_type: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.http.trust_env = False
        self.iv_len = iv_len
        self.content_type = content_type
        self.key = os.urandom(32)
        self.sessionkey = ""

    def login(self, user: str, password: str) -> dict[str, Any]:
        info = self.http.get(self.base + "/getBasicInformation", timeout=5).json()
        assert info["result"] == "ZCFG_SUCCESS" and info["ModelName"]
        pem = self.http.get(self.base + "/getRSAPublickKey", timeout=5).json()["RSAPublicKey"]
        public = serialization.load_pem_public_key(pem.replace("\\/", "/").encode())
        form = {
            "Input_Account": user,
            "Input_Passwd": base64.b64encode(password.encode()).decode(),
            "currLang": "en",
            "RememberPassword": 0,
            "SHA512_password": False,
        }
        iv = os.urandom(self.iv_len)
        body = {
            "content": base64.b64encode(
                _aes(self.key, iv, json.dumps(form, separators=(",", ":")).encode())
            ).decode(),
            "iv": base64.b64encode(iv).decode(),
            "key": base64.b64encode(
                public.encrypt(base64.b64encode(self.key), rsa_padding.PKCS1v15())  # type: ignore[union-attr]
            ).decode(),
        }
        resp = self.http.post(
            self.base + "/UserLogin",
            data=json.dumps(body),
            headers={"Content-Type": self.content_type},
            timeout=5,
        )
        assert resp.status_code == 200
        answer: dict[str, Any] = _unaes(self.key, resp.json())
        self.sessionkey = str(answer["sessionkey"])
        return answer

    def dal(self, method: str, oid: str, obj: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None
        if obj is not None:
            iv = os.urandom(16)
            sealed = _aes(self.key, iv, json.dumps(obj).encode())
            data = json.dumps(
                {"content": base64.b64encode(sealed).decode(), "iv": base64.b64encode(iv).decode()}
            )
        resp = self.http.request(
            method,
            f"{self.base}/cgi-bin/DAL?oid={oid}",
            data=data,
            headers={"CSRFToken": self.sessionkey, "Content-Type": "application/json"},
            timeout=5,
        )
        assert resp.status_code == 200
        result: dict[str, Any] = _unaes(self.key, resp.json())
        return result

    def logout(self) -> None:
        self.http.get(f"{self.base}/cgi-bin/UserLogout?sessionkey={self.sessionkey}", timeout=5)


@pytest.mark.parametrize(
    ("iv_len", "content_type"),
    [
        (32, "application/x-www-form-urlencoded; charset=UTF-8"),  # the browser / ha-zyxel
        (16, "application/json"),  # the ansible collection
    ],
)
def test_a_client_written_from_the_notes_works(
    runner: SimRunner, iv_len: int, content_type: str
) -> None:
    unit = make_unit(runner)
    client = NotesClient(unit.base_url, iv_len, content_type)
    answer = client.login("supervisor", ADMIN_PASSWORD)
    assert answer["result"] == "ZCFG_SUCCESS" and answer["loginAccount"] == "supervisor"
    status = client.dal("GET", "status")["Object"][0]
    assert status["DeviceInfo"]["ModelName"] == unit.device.model_name
    wlan = client.dal("GET", "wlan")["Object"]
    main24 = next(o for o in wlan if o["MainSSID"] and o["band"] == "2.4GHz")
    edit = {
        **main24,
        "SSID": "Pelo Manual",
        "psk_value": "chave-do-manual",
        "wpaMode": "wpa2psk",
        "encryp": "aes",
        "AutoGenPSK": False,
        "securityLevel": "MoreSecure",
    }
    assert client.dal("PUT", "wlan", edit)["result"] == "ZCFG_SUCCESS"
    bogus = client.dal("PUT", "wlan", {**main24, "NotAField": 1})
    assert bogus["result"] == "ZCFG_NO_SUCH_PARAMETER"
    client.logout()
    assert unit.device.wifi[Band.GHZ_2_4].ssid == "Pelo Manual"
    assert not unit.device.open_toolkit_session()


def test_a_write_without_the_sessionkey_is_refused(runner: SimRunner) -> None:
    unit = make_unit(runner)
    client = NotesClient(unit.base_url, 16, "application/json")
    client.login("supervisor", ADMIN_PASSWORD)
    resp = client.http.put(
        f"{client.base}/cgi-bin/DAL?oid=lan",
        data=json.dumps({"Name": "Default", "DNS_Type": "DNSProxy"}),
        headers={"CSRFToken": "1"},
        timeout=5,
    )
    assert resp.status_code == 403
    assert unit.device.counters.writes == 0


# --- ZySH with other clients than ours (asyncssh; raw telnet accepting echo) ---------------


def test_asyncssh_client_runs_zysh_commands(runner: SimRunner) -> None:
    unit = make_unit(runner, cli=True)

    async def run() -> str:
        async with asyncssh.connect(
            unit.host,
            int(unit.device.extra["ssh_port"]),
            username="supervisor",
            password=ADMIN_PASSWORD,
            known_hosts=None,
            client_keys=None,
            agent_path=None,
            preferred_auth="password",
            connect_timeout=5,
        ) as conn:
            result = await conn.run("cfg wlan get", timeout=5)
            return str(result.stdout)

    out = asyncio.run(run())
    assert "Command Successful." in out
    assert unit.device.wifi[Band.GHZ_2_4].ssid in out
    assert not unit.device.open_toolkit_session()


def _read_until(sock: socket.socket, marker: bytes, limit_s: float = 5.0) -> bytes:
    buf = b""
    deadline = time.monotonic() + limit_s
    while marker not in buf:
        assert time.monotonic() < deadline, f"no {marker!r} from the device"
        chunk = sock.recv(4096)
        assert chunk, "connection closed"
        buf += chunk
    return buf


def test_raw_telnet_client_with_server_echo(runner: SimRunner) -> None:
    unit = make_unit(runner, cli=True)
    with socket.create_connection((unit.host, int(unit.device.extra["telnet_port"])), 5) as s:
        s.settimeout(5)
        first = _read_until(s, b"Login: ")
        assert b"\xff\xfb\x01" in first  # IAC WILL ECHO
        s.sendall(b"\xff\xfd\x01\xff\xfd\x03")  # DO ECHO, DO SGA: let the server echo
        s.sendall(b"supervisor\r\n")
        echoed = _read_until(s, b"Password: ")
        assert b"supervisor" in echoed
        s.sendall(ADMIN_PASSWORD.encode() + b"\r\x00")
        after = _read_until(s, b"ZySH> ")
        assert ADMIN_PASSWORD.encode() not in after  # passwords are never echoed
        s.sendall(b"\n")  # a bare LF is an empty line (scrapli's Enter): the prompt again
        assert _read_until(s, b"ZySH> ").endswith(b"\r\nZySH> ")
        s.sendall(b"sys atsh\r\n")
        out = _read_until(s, b"ZySH> ")
        assert b"sys atsh" in out  # echo
        assert unit.device.serial.encode() in out
        s.sendall(b"exit\r\n")
    assert b"Serial Number" in out
