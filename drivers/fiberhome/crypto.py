"""`fhencrypt`: the Fiberhome web UI's field cipher, both ways.

AES-128-CBC with PKCS7 padding, key = IV, output as UPPERCASE hex [C]. The key is either
`acsRandom[6:22]` from the unauthenticated `get_acs_random` (RP4552+ firmware) or the
fixed `opqrstuvwxyz{|}~` (bytes 0x6F..0x7E) on older firmware [C].

The ciphertext of a password under a known key is as good as the password: never log
it, never put it in an error.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = ["ACS_KEY_SLICE", "FIXED_KEY", "fhdecrypt", "fhencrypt", "key_from_acs_random"]

FIXED_KEY = bytes(range(0x6F, 0x7F))  # b"opqrstuvwxyz{|}~"
ACS_KEY_SLICE = slice(6, 22)


def key_from_acs_random(acs_random: str) -> bytes:
    """The 16-byte key inside `acsRandom` (characters 6 to 21)."""
    part = acs_random[ACS_KEY_SLICE]
    raw = part.encode("ascii", errors="strict") if part.isascii() else b""
    if len(raw) != 16:
        raise ValueError("acsRandom too short or not ASCII")
    return raw


def fhencrypt(plain: str, key: bytes) -> str:
    padder = padding.PKCS7(128).padder()
    data = padder.update(plain.encode("utf-8")) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(key)).encryptor()
    return (enc.update(data) + enc.finalize()).hex().upper()


def fhdecrypt(cipher_hex: str, key: bytes) -> str:
    """Inverse of `fhencrypt`; ValueError (without the value) when it does not decrypt."""
    try:
        raw = bytes.fromhex(cipher_hex)
    except ValueError:
        raise ValueError("not hex") from None
    if not raw or len(raw) % 16:
        raise ValueError("not a whole number of AES blocks")
    dec = Cipher(algorithms.AES(key), modes.CBC(key)).decryptor()
    padded = dec.update(raw) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        data = unpadder.update(padded) + unpadder.finalize()
        return data.decode("utf-8")
    except ValueError:
        # Wrong key or corrupted field; the message must not carry any of it.
        raise ValueError("bad padding or encoding (wrong key?)") from None
