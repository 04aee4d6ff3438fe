"""fhencrypt: known vectors computed independently (OpenSSL CLI), round trips, keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.fiberhome.crypto import FIXED_KEY, fhdecrypt, fhencrypt, key_from_acs_random
from drivers.fiberhome.protocol import decode_ip, encode_ip, split_ips

# printf 'admin1234' | openssl enc -aes-128-cbc -K <hex(key)> -iv <hex(key)> | xxd -p
VECTORS = [
    (FIXED_KEY, "admin1234", "43BD78F543CE5FBA796ACFEA2BB01584"),
    (FIXED_KEY, "Casa-Antiga", "2988FA0F45999AD1FFD0DFB39D7BB1CF"),
    (b"6HTTa1234567bLVL", "admin1234", "0FC307EEDCBEA4EBFCC7C730AF333490"),
]


def test_fixed_key_is_opqrstuvwxyz() -> None:
    assert FIXED_KEY == b"opqrstuvwxyz{|}~"


@pytest.mark.parametrize(("key", "plain", "cipher"), VECTORS)
def test_known_vectors(key: bytes, plain: str, cipher: str) -> None:
    assert fhencrypt(plain, key) == cipher
    assert fhdecrypt(cipher, key) == plain
    assert fhdecrypt(cipher.lower(), key) == plain


def test_acs_random_key_is_characters_6_to_21() -> None:
    acs = "xxxxxx6HTTa1234567bLVLxxxxxxx"
    assert len(acs) == 29
    assert key_from_acs_random(acs) == b"6HTTa1234567bLVL"
    with pytest.raises(ValueError):
        key_from_acs_random("short")


@given(st.text(max_size=80), st.binary(min_size=16, max_size=16))
def test_round_trip(plain: str, key: bytes) -> None:
    cipher = fhencrypt(plain, key)
    assert cipher == cipher.upper() and len(cipher) % 32 == 0
    assert fhdecrypt(cipher, key) == plain


def test_wrong_key_or_garbage_fails_without_leaking() -> None:
    cipher = fhencrypt("segredo-do-cliente", FIXED_KEY)
    for bad in (cipher[:-2], "XYZ", ""):
        with pytest.raises(ValueError) as info:
            fhdecrypt(bad, FIXED_KEY)
        assert "segredo" not in str(info.value)
    try:
        fhdecrypt(cipher, b"6HTTa1234567bLVL")
    except ValueError as exc:
        assert "segredo" not in str(exc)
    else:  # a wrong key may unpad by chance; it must not give the plaintext back
        assert fhdecrypt(cipher, b"6HTTa1234567bLVL") != "segredo-do-cliente"


def test_point_encoding() -> None:
    assert decode_ip("192_point_168_point_1_point_1") == "192.168.1.1"
    assert encode_ip("1.1.1.1,1.0.0.1") == "1_point_1_point_1_point_1,1_point_0_point_0_point_1"
    assert split_ips("8_point_8_point_8_point_8, 8_point_8_point_4_point_4") == [
        "8.8.8.8", "8.8.4.4",
    ]
    assert split_ips("") == [] and decode_ip(None) == ""
