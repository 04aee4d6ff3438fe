"""Zyxel web payload encryption (notes 1.2-1.3), shared by the driver and the simulator.

Login: a random AES-256 key K encrypts the JSON (CBC, PKCS7); K travels as
b64(RSA-PKCS1v1.5(b64(K))) under the device's public key. Afterwards every body is
{"content": b64(ct), "iv": b64(iv)} under K, in both directions.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import os
from typing import Any

from cryptography.exceptions import InvalidKey, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding as asympad
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = [
    "CryptoError",
    "fix_pem",
    "is_sealed",
    "load_public_key",
    "new_iv",
    "new_key",
    "open_sealed",
    "seal",
    "unwrap_key",
    "wrap_key",
]


class CryptoError(ValueError):
    """A payload we cannot decrypt or decode (never carries the payload)."""


def new_key() -> bytes:
    return os.urandom(32)


def new_iv() -> bytes:
    # The browser makes 32 random bytes and AES uses the first 16 (notes 1.2.4).
    return os.urandom(32)


def _b64d(text: object) -> bytes:
    if not isinstance(text, str):
        raise CryptoError("base64 field is not a string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CryptoError("bad base64") from exc


def _b64e(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def is_sealed(body: object) -> bool:
    return isinstance(body, dict) and "content" in body and "iv" in body


def seal(key: bytes, obj: Any, iv: bytes | None = None) -> dict[str, str]:
    """Encrypt `obj` as compact JSON into {content, iv}."""
    iv = iv or new_iv()
    plain = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    fill = 16 - len(plain) % 16  # PKCS7 by hand: a padder object per body costs more
    data = plain + bytes((fill,)) * fill
    enc = Cipher(algorithms.AES(key), modes.CBC(iv[:16])).encryptor()
    return {"content": _b64e(enc.update(data) + enc.finalize()), "iv": _b64e(iv)}


def open_sealed(key: bytes, body: dict[str, Any]) -> Any:
    """Decrypt {content, iv} and parse the JSON inside. Some firmware pads with NULs
    instead of PKCS7 (notes 1.3), so fall back to stripping them."""
    iv = _b64d(body.get("iv"))
    ct = _b64d(body.get("content"))
    if len(iv) < 16 or not ct or len(ct) % 16:
        raise CryptoError("encrypted body has a bad size")
    dec = Cipher(algorithms.AES(key), modes.CBC(iv[:16])).decryptor()
    data = dec.update(ct) + dec.finalize()
    candidates = []
    fill = data[-1]
    if 1 <= fill <= 16 and data.endswith(bytes((fill,)) * fill):  # valid PKCS7
        candidates.append(data[:-fill])
    candidates.append(data.rstrip(b"\x00"))
    for plain in candidates:
        try:
            return json.loads(plain.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            continue
    raise CryptoError("decrypted body is not JSON (wrong key?)")


def fix_pem(text: str) -> str:
    """The device escapes '/' in the PEM as '\\/' (notes 1.2.2)."""
    return text.replace("\\/", "/").strip()


@functools.lru_cache(maxsize=1024)
def load_public_key(pem: str) -> RSAPublicKey:
    """Parsed once per PEM text: a unit serves the same key until it reboots, and a lab or
    a re-login asks for it again (cached by value, so a new key is parsed afresh)."""
    try:
        key = serialization.load_pem_public_key(fix_pem(pem).encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError, UnsupportedAlgorithm) as exc:
        raise CryptoError("the device's RSA public key is unreadable") from exc
    if not isinstance(key, RSAPublicKey):
        raise CryptoError("the device's public key is not RSA")
    return key


def wrap_key(public_key: RSAPublicKey, key: bytes) -> str:
    """b64(RSA-PKCS1v1.5(b64(K))): the RSA step encrypts the base64 TEXT of K."""
    return _b64e(public_key.encrypt(base64.b64encode(key), asympad.PKCS1v15()))


def unwrap_key(private_key: RSAPrivateKey, wrapped: object) -> bytes:
    """Simulator side of `wrap_key`."""
    try:
        text = private_key.decrypt(_b64d(wrapped), asympad.PKCS1v15())
    except (ValueError, InvalidKey) as exc:
        raise CryptoError("cannot decrypt the session key") from exc
    key = _b64d(text.decode("ascii", errors="replace"))
    if len(key) not in (16, 24, 32):
        raise CryptoError("session key has a bad size")
    return key
