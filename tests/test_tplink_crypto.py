"""The /cgi_gdpr crypto: sign string, RSA chunking, AES-CBC and AES-GCM, checked against
independent computations (plain pow() and the `cryptography` primitives)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from drivers.tplink import protocol as p
from drivers.tplink.crypto import (
    OAEP_OVERHEAD,
    CipherError,
    DevicePublicKey,
    SessionCipher,
    cipher_from_sign,
    generate_rsa,
    md5_hex,
    new_session_cipher,
    rsa_sign,
    rsa_unsign,
    shared_rsa_key,
)

KEY = b"1234567890123456"
IV = b"6543210987654321"
NONCE = b"123456789012"
HASH = hashlib.md5(b"adminsegredo", usedforsecurity=False).hexdigest()


def _raw_blocks(sign_hex: str, n: int, d: int) -> list[bytes]:
    size = (n.bit_length() + 7) // 8
    width = size * 2
    assert len(sign_hex) % width == 0
    return [
        pow(int(sign_hex[i : i + width], 16), d, n).to_bytes(size, "big")
        for i in range(0, len(sign_hex), width)
    ]


def test_md5_is_the_hex_digest_of_user_plus_password() -> None:
    assert md5_hex("admin" + "segredo") == HASH


def test_sign_strings_at_login_and_after() -> None:
    cbc = SessionCipher("cbc", KEY, IV)
    login = p.sign_string(HASH, 742334261 + 88, cbc.sign_prefix())
    assert login == f"key={KEY.decode()}&iv={IV.decode()}&h={HASH}&s=742334349"
    assert p.sign_string(HASH, 5) == f"h={HASH}&s=5"
    gcm = SessionCipher("gcm", KEY, NONCE)
    assert gcm.sign_prefix() == (
        f"key={base64.b64encode(KEY).decode()}&iv={base64.b64encode(NONCE).decode()}"
    )
    assert p.parse_sign_string(login)["s"] == "742334349"


def test_512_bit_login_sign_is_two_zero_padded_64_byte_blocks() -> None:
    key = generate_rsa(512)
    assert key.n.bit_length() == 512 and len(key.nn_hex) == 128 and key.ee_hex == "010001"
    text = p.sign_string(HASH, 742334349, SessionCipher("cbc", KEY, IV).sign_prefix())
    assert 64 < len(text) <= 128
    sign = rsa_sign(text, key.nn_hex, key.ee_hex)
    assert len(sign) == 256  # what public clients assert for a 512-bit key
    blocks = _raw_blocks(sign, key.n, key.d)
    assert blocks[0] == text[:64].encode()
    assert blocks[1] == text[64:].encode().ljust(64, b"\0")
    assert rsa_unsign(sign, key) == text


def test_command_sign_is_one_block_and_1024_bit_keys_use_128_byte_chunks() -> None:
    key = shared_rsa_key(512)
    assert len(rsa_sign(p.sign_string(HASH, 999), key.nn_hex, key.ee_hex)) == 128
    big = generate_rsa(1024)
    text = p.sign_string(HASH, 1, SessionCipher("cbc", KEY, IV).sign_prefix())
    sign = rsa_sign(text, big.nn_hex, big.ee_hex)
    assert len(sign) == 256
    assert _raw_blocks(sign, big.n, big.d) == [text.encode().ljust(128, b"\0")]


def test_shared_key_is_generated_once_per_process() -> None:
    assert shared_rsa_key(512) is shared_rsa_key(512)
    assert "d=" not in repr(shared_rsa_key(512))


def test_unsign_rejects_broken_blocks() -> None:
    key = shared_rsa_key(512)
    with pytest.raises(CipherError):
        rsa_unsign("ab" * 10, key)
    with pytest.raises(CipherError):
        rsa_unsign("f" * 128, key)  # not below the modulus / not ASCII


def test_cbc_matches_aes_128_cbc_pkcs7_of_the_ascii_digits() -> None:
    cipher = SessionCipher("cbc", KEY, IV)
    data, tag = cipher.encrypt('{"x":"é"}')
    assert tag is None
    padder = padding.PKCS7(128).padder()
    padded = padder.update('{"x":"é"}'.encode()) + padder.finalize()
    enc = Cipher(algorithms.AES(KEY), modes.CBC(IV)).encryptor()
    assert base64.b64decode(data) == enc.update(padded) + enc.finalize()
    assert cipher.decrypt(data) == '{"x":"é"}'
    with pytest.raises(CipherError):
        cipher.decrypt(data[:-4] + "AAA=")
    with pytest.raises(CipherError):
        cipher.decrypt("<html>")


def test_gcm_tag_line_and_reply_form() -> None:
    cipher = SessionCipher("gcm", KEY, NONCE)
    data, tag = cipher.encrypt("$.ret=0;")
    assert tag is not None and len(tag) == 24
    sealed = AESGCM(KEY).encrypt(NONCE, b"$.ret=0;", None)
    assert base64.b64decode(data) + base64.b64decode(tag) == sealed
    assert cipher.decrypt(data, tag) == "$.ret=0;"  # request form: separate tag= line
    assert cipher.decrypt(data + tag) == "$.ret=0;"  # reply form: tag appended
    bad_tag = base64.b64encode(bytes(16)).decode()
    with pytest.raises(CipherError):
        cipher.decrypt(data, bad_tag)


def test_new_session_ciphers_are_digits_of_the_right_length() -> None:
    cbc, gcm = new_session_cipher("cbc"), new_session_cipher("gcm")
    assert cbc.key.isdigit() and len(cbc.key) == 16 and len(cbc.iv) == 16
    assert gcm.key.isdigit() and len(gcm.key) == 16 and len(gcm.iv) == 12
    assert cbc.key.decode() not in repr(cbc)
    rebuilt = cipher_from_sign("gcm", *(x.partition("=")[2] for x in gcm.sign_prefix().split("&")))
    assert rebuilt == gcm
    with pytest.raises(CipherError):
        cipher_from_sign("cbc", "short", "digits")


def test_login_payload_is_the_documented_json() -> None:
    body = p.login_payload("admin", "pw")
    assert body == (
        '{"data":{"UserName":"YWRtaW4=","Passwd":"cHc=","Action":"1",'
        '"stack":"0,0,0,0,0,0","pstack":"0,0,0,0,0,0"},"operation":"cgi","oid":"/cgi/login"}'
    )
    assert p.parse_body(p.format_body("ab", "cd==", "ef=")) == {
        "sign": "ab",
        "data": "cd==",
        "tag": "ef=",
    }


# --- OAEP signs and GCM tag layouts (EX920 / VX220-G2v firmware) ------------------------------


def test_oaep_login_sign_is_five_blocks_on_512_bits_and_opens_on_the_device() -> None:
    """HA #393's capture: a GCM login sign is 640 hex (5 OAEP blocks of 22 bytes)."""
    key = shared_rsa_key(512)
    gcm = SessionCipher("gcm", KEY, NONCE)
    text = p.sign_string(HASH, 742334349, gcm.sign_prefix())
    sign = DevicePublicKey(key.n, key.e).sign(text, "oaep")
    assert len(sign) == 640 and len(text) <= 5 * (64 - OAEP_OVERHEAD)
    assert rsa_unsign(sign, key, "oaep") == text
    assert sign != DevicePublicKey(key.n, key.e).sign(text, "oaep")  # OAEP is randomized
    with pytest.raises(CipherError):
        rsa_unsign(sign, key, "raw")  # a raw-RSA device reads garbage
    with pytest.raises(CipherError):
        rsa_unsign(rsa_sign(text, key.nn_hex, key.ee_hex), key, "oaep")  # and vice versa


def test_the_public_clients_signs_open_with_our_device_side() -> None:
    """S1's own EncryptionWrapperMR / ...GCMOAEP (tplinkrouterc6u) against rsa_unsign:
    the same sign string, byte for byte, from an independent implementation."""
    from tplinkrouterc6u.common.encryption import EncryptionWrapperMR, EncryptionWrapperMRGCMOAEP

    key = shared_rsa_key(512)
    for wrapper, pad in ((EncryptionWrapperMR(), "raw"), (EncryptionWrapperMRGCMOAEP(), "oaep")):
        sign = wrapper.get_signature(4242, True, HASH, key.nn_hex, key.ee_hex)
        fields = p.parse_sign_string(rsa_unsign(sign, key, pad))  # type: ignore[arg-type]
        assert (fields["h"], fields["s"]) == (HASH, "4242")
        mode = "gcm" if pad == "oaep" else "cbc"
        cipher = cipher_from_sign(mode, fields["key"], fields["iv"])
        if pad == "oaep":
            data, tag = wrapper.aes_encrypt("$.ret=0;")
            assert cipher.decrypt(data, tag) == "$.ret=0;"
            assert wrapper.aes_decrypt(cipher.seal_reply("ok")) == "ok"
        else:
            assert cipher.decrypt(wrapper.aes_encrypt("$.ret=0;")) == "$.ret=0;"
    raw = rsa_sign(p.sign_string(HASH, 4242), key.nn_hex, key.ee_hex)
    assert raw == EncryptionWrapperMR().get_signature(4242, False, HASH, key.nn_hex, key.ee_hex)


@pytest.mark.parametrize("text", ["a", "$.ret=0;", '{"success":true,"data":{"x":"é"}}'])
def test_gcm_answers_read_with_the_tag_split_or_joined(text: str) -> None:
    cipher = SessionCipher("gcm", KEY, NONCE)
    split, joined = cipher.seal_reply(text), cipher.seal_reply(text, joined_tag=True)
    sealed = AESGCM(KEY).encrypt(NONCE, text.encode(), None)
    assert base64.b64decode(joined) == sealed
    assert cipher.decrypt(split) == cipher.decrypt(joined) == text
    with pytest.raises(CipherError):
        cipher.decrypt(joined[:-4] + "AAA=")
    with pytest.raises(CipherError):
        SessionCipher("gcm", b"6" * 16, NONCE).decrypt(joined)
