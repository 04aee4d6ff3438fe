"""Zyxel pieces without sockets: crypto, ZySH quoting and parsing, DAL readers."""

from __future__ import annotations

import random
import shlex

import pytest
from cryptography.hazmat.primitives import padding as sympad
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from cpe.models import Band, Transport, WanError
from drivers.base import LoginResult
from drivers.sim import WifiState
from drivers.zyxel import crypto, dal, guessed, sim_zysh, zysh
from drivers.zyxel.sim_views import get_objects, status_object
from drivers.zyxel.simulator import ZyxelFamily, rsa_private_key


def test_seal_open_round_trip_and_key_wrap() -> None:
    key = crypto.new_key()
    obj = {"SSID": "Casa do João", "n": 3, "ok": True}
    assert crypto.open_sealed(key, crypto.seal(key, obj)) == obj
    wrapped = crypto.wrap_key(rsa_private_key().public_key(), key)
    assert crypto.unwrap_key(rsa_private_key(), wrapped) == key


def test_open_falls_back_to_nul_padding() -> None:
    key, iv = crypto.new_key(), crypto.new_iv()
    plain = b'{"result":"ZCFG_SUCCESS"}'
    padded = plain + b"\x00" * (16 - len(plain) % 16)
    enc = Cipher(algorithms.AES(key), modes.CBC(iv[:16])).encryptor()
    ct = enc.update(padded) + enc.finalize()
    body = {"content": crypto._b64e(ct), "iv": crypto._b64e(iv)}
    assert crypto.open_sealed(key, body) == {"result": "ZCFG_SUCCESS"}


def test_open_with_the_wrong_key_is_a_crypto_error() -> None:
    sealed = crypto.seal(crypto.new_key(), {"a": 1})
    with pytest.raises(crypto.CryptoError):
        crypto.open_sealed(crypto.new_key(), sealed)


def test_pem_escapes_are_fixed() -> None:
    text = (
        rsa_private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    assert "/" in text
    assert crypto.load_public_key(text.replace("/", "\\/")).key_size == 2048


def test_pkcs7_is_what_we_send() -> None:
    key, iv = crypto.new_key(), crypto.new_iv()
    body = crypto.seal(key, {"x": "y"}, iv)
    dec = Cipher(algorithms.AES(key), modes.CBC(iv[:16])).decryptor()
    raw = dec.update(crypto._b64d(body["content"])) + dec.finalize()
    unpadder = sympad.PKCS7(128).unpadder()
    assert unpadder.update(raw) + unpadder.finalize() == b'{"x":"y"}'


@pytest.mark.parametrize(
    "value", ["simple", "Casa do João", 'a "b" c', "back\\slash", "$x `y` #z", "--Index", ""]
)
def test_quote_round_trips_through_the_shell_parser(value: str) -> None:
    line = f"cfg wlan edit --SSID {zysh.quote(value)}"
    assert shlex.split(line)[-1] == value


def test_status_text_round_trip() -> None:
    """Simulator prints `cfg status get`; the driver parses it back to the same object."""
    dev = ZyxelFamily().new_device("zyxel", random.Random(3))
    dev.pppoe_user, dev.rx_dbm, dev.tx_dbm = "cliente", -19.5, 2.1
    dev.wifi[Band.GHZ_2_4] = WifiState("Sala : Casa", "k" * 10)
    obj = status_object(dev)
    lines = sim_zysh.render(list(sim_zysh.flatten(obj)))
    back = zysh.parse_objects(lines)[0]
    assert back["DeviceInfo"]["ModelName"] == dev.model_name
    assert back["WiFiInfo"][0]["SSID"] == "Sala : Casa"
    st = dal.build_status(
        model="zyxel", transport=Transport.SSH, status=back,
        wans=get_objects(dev, "wan") or [], lans=get_objects(dev, "lan") or [],
    )  # fmt: skip
    assert st.optical is not None and st.optical.rx_dbm == -19.5
    assert st.wifi_for(Band.GHZ_2_4).ssid == "Sala : Casa"  # type: ignore[union-attr]
    assert st.wan.pppoe_username == "cliente"


def test_objects_are_split_on_blank_lines() -> None:
    lines = ["Index : 1", "SSID  : A B", "", "Index : 5", "SSID  : ", "Empty :"]
    assert zysh.parse_objects(lines) == [
        {"Index": "1", "SSID": "A B"},
        {"Index": "5", "SSID": "", "Empty": ""},
    ]


@pytest.mark.parametrize(
    ("text", "result", "left"),
    [
        (f"{guessed.LOGIN_INCORRECT} 1 attempt(s) left before lockout.\n", "wrong", 1),
        (f"{guessed.LOGIN_INCORRECT}\n", "wrong", None),
        ("Account is locked. Try again in 299 seconds.\n", "locked", 0),
        (guessed.BUSY_LINE, "busy", None),
        ("ZySH> ", None, None),
    ],
)
def test_refusal_texts(text: str, result: str | None, left: int | None) -> None:
    attempt = zysh.attempt_from_text(text)
    if result is None:
        assert attempt is None
        return
    assert attempt is not None
    assert attempt.result is {"wrong": LoginResult.WRONG_PASSWORD, "locked": LoginResult.LOCKED,
                              "busy": LoginResult.BUSY}[result]  # fmt: skip
    assert attempt.attempts_left == left


@pytest.mark.parametrize(
    ("text", "dbm"),
    [("-19.52 dBm", -19.52), ("-21", -21.0), ("1 mW", 0.0), ("10 uW", -20.0), ("", None)],
)
def test_power_strings(text: str, dbm: float | None) -> None:
    assert dal.parse_power(text) == dbm


def test_wan_error_mapping() -> None:
    dev = ZyxelFamily().new_device("zyxel", random.Random(1))
    dev.pppoe_user, dev.pppoe_password = "u", "p"
    dev.radius = ("u", "other")
    dev.evaluate_wan()
    st = dal.build_status(
        model="zyxel", transport=Transport.HTTP, status=status_object(dev),
        wans=get_objects(dev, "wan") or [], lans=get_objects(dev, "lan") or [],
    )  # fmt: skip
    assert st.wan.up is False and st.wan.error is WanError.PPPOE_AUTH
    assert st.wan.error_detail == "ERROR_AUTHENTICATION_FAILURE"


def test_masked_ppp_password_is_never_written_back() -> None:
    body = dal.merged({"Name": "Internet", "pppPassword": "********"}, {"DNSServer": "1.1.1.1"})
    assert "pppPassword" not in body
    keep = dal.merged({"Name": "Internet", "pppPassword": "real"}, {"DNSServer": "1.1.1.1"})
    assert keep["pppPassword"] == "real"


def test_new_device_is_cheap_and_shares_the_rsa_key() -> None:
    fam = ZyxelFamily()
    a, b = (fam.new_device("zyxel", random.Random(i)) for i in range(2))
    assert a.knobs.lock_threshold == 3 and a.knobs.lock_seconds == 300
    assert a.extra["cli"] is False  # no listeners unless a lab asks
    assert rsa_private_key() is rsa_private_key()
    assert a.serial != b.serial


def test_wan_restarting_reads_as_connecting() -> None:
    dev = ZyxelFamily().new_device("zyxel", random.Random(2))
    dev.pppoe_user, dev.pppoe_password = "u", "p"
    dev.wan_up, dev.wan_error = False, WanError.CONNECTING
    st = dal.build_status(
        model="zyxel", transport=Transport.HTTP, status=status_object(dev),
        wans=get_objects(dev, "wan") or [], lans=get_objects(dev, "lan") or [],
    )  # fmt: skip
    assert st.wan.error is WanError.CONNECTING and st.wan.ip is None
