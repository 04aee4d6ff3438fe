"""Fuzzing the Zyxel drivers: the DAL web API (plain and AES-sealed answers), the ZySH CLI
output parser, and the DAL readers both share.

Drivers/zyxel is being written by others: bugs found here are reported, not fixed, and
listed in support.KNOWN_BUGS so these fuzzers keep looking for new ones.
"""

from __future__ import annotations

import base64
import json
import random
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError

from cpe.errors import CpeError
from cpe.models import Band, Credential, Target, Timeouts, Transport
from drivers.sim import SimDevice
from drivers.zyxel import crypto, dal, guessed, sim_dal, zysh
from drivers.zyxel.cli import ZyxelSshDriver
from drivers.zyxel.dal import ZCFG_SUCCESS
from drivers.zyxel.sim_zysh import ZyshShell
from drivers.zyxel.simulator import ZyxelFamily, rsa_private_key
from drivers.zyxel.web import ZyxelWebDriver
from tests.fuzz import bodies as b
from tests.fuzz.support import (
    Answer,
    FakeDevice,
    Fuzz,
    fuzz_settings,
    only_contract_errors,
    only_cpe_errors,
    session_for,
)

PASSWORD = "zy-admin-Pw1"
JSON = {"Content-Type": "application/json"}
PEM = (
    rsa_private_key()
    .public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def new_device() -> SimDevice:
    dev = ZyxelFamily().new_device("zyxel", random.Random(7))
    dev.admin_password = PASSWORD
    dev.pppoe_user, dev.pppoe_password = "cliente.teste", "ppp-secret-9"
    dev.radius = (dev.pppoe_user, dev.pppoe_password)
    dev.evaluate_wan()
    return dev


class ZyxelWeb:
    """The router's happy path; `encrypted` picks the AES-sealed firmware."""

    def __init__(self, encrypted: bool) -> None:
        self.dev = new_device()
        self.encrypted = encrypted
        self.key: bytes | None = None

    def seal(self, answer: Answer) -> Answer:
        """Seal the answer's bytes as the firmware does (hostile text stays hostile)."""
        if self.key is None:
            return answer
        padder = padding.PKCS7(128).padder()
        data = padder.update(answer.raw()) + padder.finalize()
        iv = bytes(16)
        enc = Cipher(algorithms.AES(self.key), modes.CBC(iv)).encryptor()
        sealed = {
            "content": base64.b64encode(enc.update(data) + enc.finalize()).decode(),
            "iv": base64.b64encode(iv).decode(),
        }
        return replace(answer, body=json.dumps(sealed))

    def reply(self, name: str, obj: Any) -> tuple[str, Answer]:
        return name, self.seal(Answer(200, json.dumps(obj), JSON))

    def route(self, request: requests.PreparedRequest) -> tuple[str, Answer]:
        url = urlsplit(request.url or "")
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/getBasicInformation":
            info = {"result": ZCFG_SUCCESS, "ModelName": self.dev.model_name}
            return "basic", Answer(200, json.dumps(info), JSON)
        if url.path == "/getRSAPublickKey":
            return "pubkey", Answer(
                200, json.dumps({"RSAPublicKey": PEM if self.encrypted else "None"}), JSON
            )
        if url.path == "/UserLogin":
            body = json.loads(request.body or b"{}")
            if self.encrypted:
                try:
                    self.key = crypto.unwrap_key(rsa_private_key(), body.get("key"))
                except crypto.CryptoError:  # a fuzzed key exchange: the firmware's answer
                    return "login", Answer(
                        401, json.dumps({"result": guessed.LOGIN_DECRYPT_FAIL}), JSON
                    )
            return self.reply("login", {"result": ZCFG_SUCCESS, "sessionkey": 4242})
        if url.path == "/cgi-bin/DAL":
            oid = query.get("oid", "")
            if request.method == "GET":
                objects = sim_dal.get_objects(self.dev, oid) or []
                return self.reply(f"dal_get:{oid}", {"result": ZCFG_SUCCESS, "Object": objects})
            return self.reply(f"dal_put:{oid}", {"result": ZCFG_SUCCESS})
        return self.reply(url.path, {"result": ZCFG_SUCCESS})


def web_driver(
    fuzz: Fuzz | None, encrypted: bool, sealed: bool = False
) -> tuple[ZyxelWebDriver, FakeDevice]:
    device = ZyxelWeb(encrypted)
    if fuzz is not None and sealed:
        fuzz.transform = device.seal
    fake = FakeDevice(device.route, fuzz)
    target = Target(host="127.0.0.1", model="zyxel", label="zy-fuzz")
    cred = Credential(username="supervisor", passwords=(SecretStr(PASSWORD),))
    timeouts = Timeouts(connect_s=1, read_s=1, wan_restart_s=1, wan_settle_s=0)
    return ZyxelWebDriver(target, cred, timeouts=timeouts, session=session_for(fake)), fake


@pytest.mark.parametrize("encrypted", [False, True])
def test_the_fake_router_serves_a_working_zyxel(encrypted: bool) -> None:
    drv, fake = web_driver(None, encrypted)
    with drv:
        got = drv.get_status()
        drv.set_wifi("2.4GHz", "Casa Nova", "senha-nova-123")
    assert got.wan.up and len(got.wifi) == 2
    assert "dal_put:wlan" in fake.calls


VALID = {
    oid: sim_dal.get_objects(new_device(), oid) or [] for oid in ("status", "wan", "lan", "wlan")
}


# --- (a) pure readers ------------------------------------------------------------------------


@fuzz_settings()
@given(
    status=b.mutated_json(VALID["status"][0]),
    wans=b.mutated_json(VALID["wan"]),
    lans=b.mutated_json(VALID["lan"]),
    wlans=b.mutated_json(VALID["wlan"]),
)
def test_dal_readers(status: Any, wans: Any, lans: Any, wlans: Any) -> None:
    """Only what the drivers catch around them: DalShapeError and ValidationError."""

    def objects(value: Any) -> list[dict[str, Any]]:
        return [o for o in value if isinstance(o, dict)] if isinstance(value, list) else []

    def read() -> None:
        dal.build_status(
            model="zyxel",
            transport=Transport.HTTP,
            status=status if isinstance(status, dict) else {},
            wans=objects(wans),
            lans=objects(lans),
        )
        obj = dal.select_wlan(objects(wlans), Band.GHZ_2_4)
        dal.merged(obj, {"SSID": "x"})

    only_contract_errors("zyxel.dal.build_status", read, (dal.DalShapeError, ValidationError))


@fuzz_settings()
@given(
    body=st.one_of(
        b.json_values,
        st.builds(
            lambda c, iv: {"content": c, "iv": iv},
            st.text(max_size=40) | st.sampled_from(b.VALUES),
            st.text(max_size=40) | st.just(base64.b64encode(b"\0" * 32).decode()),
        ),
        b.mutated_json(crypto.seal(b"k" * 32, {"result": ZCFG_SUCCESS})),
    )
)
def test_open_sealed(body: Any) -> None:
    only_contract_errors(
        "zyxel.crypto.open_sealed",
        lambda: crypto.open_sealed(
            b"k" * 32, body if isinstance(body, dict) else {"content": body}
        ),
        (crypto.CryptoError,),
    )


@fuzz_settings()
@given(pem=b.bodies_like(PEM))
def test_load_public_key(pem: str | bytes) -> None:
    text = pem.decode("utf-8", "replace") if isinstance(pem, bytes) else pem
    only_contract_errors(
        "zyxel.crypto.load_public_key", lambda: crypto.load_public_key(text), (crypto.CryptoError,)
    )


def _zysh_lines(oid: str) -> str:
    return "\n".join(ZyshShell(new_device()).execute(f"cfg {oid} get").lines)


ZYSH = {oid: _zysh_lines(oid) for oid in ("status", "wan", "lan", "wlan")}
ATSH = "\n".join(ZyshShell(new_device()).execute("sys atsh").lines)


@st.composite
def zysh_like(draw: st.DrawFn, text: str) -> str:
    """ZySH `key : value` output with hostile paths, indexes and values."""
    out = []
    for line in text.split("\n"):
        key, sep, value = line.partition(guessed.KV_SEPARATOR)
        fate = draw(st.sampled_from(("keep",) * 5 + ("value", "path", "drop")))
        if fate == "drop":
            continue
        if fate == "value" and sep:
            line = key + sep + draw(st.sampled_from(b.VALUES) | st.text(max_size=12))
        elif fate == "path" and sep:
            path = draw(
                st.sampled_from(
                    (
                        "A[0].B",
                        "A.B[1]",
                        "A[x]",
                        "[0]",
                        "A[2]",
                        "A[1000]",
                        "A..B",
                        "A[0][1]",
                        "A[" + "9" * 5000 + "]",
                        "",
                    )
                )
            )
            line = path + sep + value
        out.append(line)
    return "\n".join(out)


@fuzz_settings()
@given(text=b.bodies_like(ZYSH["status"], zysh_like(ZYSH["status"])))
def test_zysh_output_parsing(text: str | bytes) -> None:
    """The CLI driver calls parse_objects and check_result without a try."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = text.split("\n")

    def read() -> None:
        try:
            zysh.check_result(lines, "cfg status get", "status")
        except CpeError:
            pass
        objects = zysh.parse_objects(lines)
        dal.build_status(
            model="zyxel",
            transport=Transport.SSH,
            status=objects[0] if objects else {},
            wans=objects,
            lans=objects,
        )

    only_contract_errors(
        "zyxel.zysh.parse_objects+build_status", read, (dal.DalShapeError, ValidationError)
    )


REFUSAL = "Login incorrect.\n2 attempt(s) left before lockout.\n"


@fuzz_settings()
@given(
    text=st.one_of(
        b.bodies_like(REFUSAL),
        st.sampled_from(b.VALUES[:60]).map(lambda v: f"account is locked for {v} seconds"),
        st.sampled_from(b.VALUES[:60]).map(lambda v: f"{v} attempt(s) left"),
    )
)
def test_login_refusal_text(text: str | bytes) -> None:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    only_contract_errors("zyxel.zysh.attempt_from_text", lambda: zysh.attempt_from_text(text), ())


@fuzz_settings(deadline=timedelta(milliseconds=200), max_examples=1)
@given(text=st.just("account is locked " + "1" * 8_000))
def test_refusal_regexes_take_linear_time(text: str) -> None:
    zysh.attempt_from_text(text)


# --- (b) the whole web driver --------------------------------------------------------------------


@st.composite
def web_fuzz(draw: st.DrawFn) -> tuple[Fuzz, bool, bool]:
    call = draw(
        st.sampled_from(
            ("basic", "pubkey", "login", "dal_get:status", "dal_get:wan", "dal_get:lan")
        )
    )
    if call == "basic":
        valid: Any = {"result": ZCFG_SUCCESS, "ModelName": "EX5601-T0"}
    elif call == "pubkey":
        valid = {"RSAPublicKey": PEM}
    elif call == "login":
        valid = draw(
            st.sampled_from(
                (
                    {"result": ZCFG_SUCCESS, "sessionkey": 4242},
                    {
                        "result": guessed.LOGIN_RESULT_WRONG,
                        guessed.LOGIN_RETRY_KEY: 3,
                        guessed.LOGIN_FAIL_COUNT_KEY: 1,
                    },
                    {"result": guessed.LOGIN_RESULT_LOCKED, guessed.LOGIN_LOCK_REMAIN_KEY: 300},
                )
            )
        )
    else:
        valid = {"result": ZCFG_SUCCESS, "Object": VALID[call.split(":")[1]]}
    encrypted = draw(st.booleans())
    sealed = encrypted and call not in ("basic", "pubkey") and draw(st.booleans())
    fuzz = Fuzz(call, draw(b.answers(b.json_bodies(valid))), every=draw(st.booleans()))
    return fuzz, encrypted, sealed


@fuzz_settings()
@given(case=web_fuzz())
def test_web_driver_get_status(case: tuple[Fuzz, bool, bool]) -> None:
    fuzz, encrypted, sealed = case

    def run() -> None:
        drv, _ = web_driver(fuzz, encrypted, sealed)
        with drv:
            drv.get_status()

    only_cpe_errors("zyxel.web.get_status", run)


# --- (b) the whole CLI driver, through an injected channel factory ------------------------------


class FakeChannel:
    """A ZySH session answering from the simulator's shell, one command's output fuzzed."""

    def __init__(self, fuzz: tuple[str, str] | None) -> None:
        self.shell = ZyshShell(new_device())
        self.fuzz = fuzz

    def __call__(self, params: zysh.ZyshParams, password: SecretStr) -> FakeChannel:
        return self

    def run(self, command: str, operation: str) -> list[str]:
        if self.fuzz is not None and command.startswith(self.fuzz[0]):
            return self.fuzz[1].split("\n")
        return self.shell.execute(command).lines

    def close(self) -> None:
        pass


def cli_driver(fuzz: tuple[str, str] | None) -> ZyxelSshDriver:
    target = Target(
        host="127.0.0.1", model="zyxel", transport=Transport.SSH, cli_port=22, label="zy-cli"
    )
    cred = Credential(username="supervisor", passwords=(SecretStr(PASSWORD),))
    return ZyxelSshDriver(target, cred, session=FakeChannel(fuzz))


def test_the_fake_channel_serves_a_working_zyxel() -> None:
    with cli_driver(None) as drv:
        got = drv.get_status()
        drv.set_dns("1.1.1.1", "1.0.0.1")
    assert got.wan.up and len(got.wifi) == 2


@st.composite
def cli_fuzz(draw: st.DrawFn) -> tuple[str, str]:
    command = draw(
        st.sampled_from(
            ("sys atsh", "cfg status get", "cfg wan get", "cfg lan get", "cfg wan edit")
        )
    )
    valid = ATSH if command == "sys atsh" else ZYSH.get(command.split()[1], guessed.CMD_OK)
    text = draw(b.bodies_like(valid, zysh_like(valid)))
    return command, text.decode("utf-8", "replace") if isinstance(text, bytes) else text


@fuzz_settings()
@given(fuzz=cli_fuzz())
def test_cli_driver(fuzz: tuple[str, str]) -> None:
    def run() -> None:
        with cli_driver(fuzz) as drv:
            if fuzz[0].endswith("edit"):
                drv.set_dns("1.1.1.1", "1.0.0.1")
            else:
                drv.get_status()

    only_cpe_errors("zyxel.cli.get_status/set_dns", run)


# --- bugs the fuzzers found (reported to the Zyxel authors) ------------------------------------

_ODD_KEY = "-----BEGIN PUBLIC KEY-----\nMBQwBQYDKgMEAwsAAQEBAQEBAQEBAQ==\n-----END PUBLIC KEY-----"
WEB_REGRESSIONS = [
    ("dal_get:status", "[" * 100_000, False),  # RecursionError in json.loads
    ("login", "[" * 100_000, True),  # ... and inside a sealed answer
    ("login", '{"result": 1' + "0" * 5000 + "}", True),  # int() digit limit, sealed
    ("login", '{"result": "Account Locked", "lockRemainTime": 1e999}', False),  # int(inf)
    ("login", '{"result": "Account Locked", "lockRemainTime": ' + "9" * 400 + "}", False),
    (
        "dal_get:status",
        json.dumps({"result": ZCFG_SUCCESS, "Object": [{"DeviceInfo": {"UpTime": "inf"}}]}),
        False,
    ),
    ("pubkey", json.dumps({"RSAPublicKey": _ODD_KEY}), False),  # UnsupportedAlgorithm
]


@pytest.mark.parametrize(("call", "body", "encrypted"), WEB_REGRESSIONS)
def test_web_regressions(call: str, body: str, encrypted: bool) -> None:
    def run() -> None:
        drv, _ = web_driver(Fuzz(call, Answer(200, body, JSON)), encrypted, sealed=encrypted)
        with drv:
            drv.get_status()

    only_cpe_errors("zyxel.regressions", run)


CLI_REGRESSIONS = [
    ("cfg status get", "A[" + "9" * 5000 + "] : x\nCommand Successful."),  # int() digit limit
    ("cfg status get", "DeviceInfo.UpTime : inf\nCommand Successful."),  # as_int: int(inf)
    ("cfg status get", " : x\nCommand Successful."),  # no path segment: zip(strict=True)
]


@pytest.mark.parametrize(("command", "text"), CLI_REGRESSIONS)
def test_cli_regressions(command: str, text: str) -> None:
    def run() -> None:
        with cli_driver((command, text)) as drv:
            drv.get_status()

    only_cpe_errors("zyxel.regressions", run)


def test_a_huge_index_does_not_allocate_a_huge_list() -> None:
    objects = zysh.parse_objects(["A[1000000].B : x"])  # a 10**12 index would exhaust memory
    assert len(objects[0]["A"]) <= 10_000
