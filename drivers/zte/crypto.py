"""ThinkLua web crypto, isolated so the driver and the simulator share one definition.

* Read values listed in `<encode>` are AES-256-CBC with zero padding, key = SHA256(current
  sess_token), IV = SHA256(reversed sess_token)[:16], base64.            (§3.B)
* Writes: a random pair of 16-digit strings (ck, ci) encrypts the sensitive fields the same
  way with key = SHA256(ck), IV = SHA256(ci)[:16]; `encode` = base64(RSA-PKCS1v1.5(pub,
  ck + "+" + ci)).                                                           (§3.C)
* Header `Check` = base64(RSA-PKCS1v1.5(pub, hex(sha256(exact body)))).       (§3.C)
* Tokens in pages are JavaScript strings of `\\xNN` escapes.                 (§3.B)

Nothing here logs, and no repr shows a key or a token.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
import secrets
from dataclasses import dataclass, field

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from drivers.zte import guessed

_BLOCK = 16


class CryptoError(ValueError):
    """An encoded value, signature or key we cannot use (never carries the value)."""


def random_digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


def _sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _aes_encrypt(plain: str, key: bytes, iv: bytes) -> str:
    data = plain.encode("utf-8")
    # Zero padding as the firmware's CryptoJS.pad.ZeroPadding: nothing added when aligned.
    data += b"\0" * (-len(data) % _BLOCK)
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(enc.update(data) + enc.finalize()).decode("ascii")


def _aes_decrypt(encoded: str, key: bytes, iv: bytes) -> str:
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CryptoError("encoded value is not base64") from exc
    if len(raw) % _BLOCK:
        raise CryptoError("encoded value is not a whole number of AES blocks")
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    plain = (dec.update(raw) + dec.finalize()).rstrip(b"\0")
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CryptoError("encoded value does not decrypt to text (wrong key?)") from exc


# --- read side: keyed by the session token ------------------------------------------------


def _token_key_iv(sess_token: str) -> tuple[bytes, bytes]:
    return _sha256(sess_token), _sha256(sess_token[::-1])[:_BLOCK]


def encode_read_value(value: str, sess_token: str) -> str:
    """What the device does to an `<encode>` field before sending it."""
    return _aes_encrypt(value, *_token_key_iv(sess_token))


def decode_read_value(encoded: str, sess_token: str) -> str:
    """Undo `encode_read_value` with the token the page that produced it was keyed on."""
    return _aes_decrypt(encoded, *_token_key_iv(sess_token))


# --- write side: random ck/ci wrapped with the page's RSA key ----------------------------


@dataclass(frozen=True)
class FieldCipher:
    """The (ck, ci) pair of one write. Hidden from repr: it decrypts the secrets."""

    ck: str = field(repr=False)
    ci: str = field(repr=False)

    @classmethod
    def fresh(cls) -> FieldCipher:
        return cls(random_digits(guessed.FIELD_KEY_DIGITS), random_digits(guessed.FIELD_KEY_DIGITS))

    def _key_iv(self) -> tuple[bytes, bytes]:
        return _sha256(self.ck), _sha256(self.ci)[:_BLOCK]

    def encrypt(self, value: str) -> str:
        return _aes_encrypt(value, *self._key_iv())

    def decrypt(self, encoded: str) -> str:
        return _aes_decrypt(encoded, *self._key_iv())

    def wrap(self, public_key: rsa.RSAPublicKey) -> str:
        """The form field `encode`."""
        return rsa_encrypt_b64(public_key, f"{self.ck}+{self.ci}")

    @classmethod
    def unwrap(cls, private_key: rsa.RSAPrivateKey, encode_field: str) -> FieldCipher:
        ck, sep, ci = rsa_decrypt_b64(private_key, encode_field).partition("+")
        if not sep or not ck or not ci:
            raise CryptoError("`encode` does not hold a key pair")
        return cls(ck, ci)


def rsa_encrypt_b64(public_key: rsa.RSAPublicKey, text: str) -> str:
    return base64.b64encode(public_key.encrypt(text.encode("utf-8"), padding.PKCS1v15())).decode(
        "ascii"
    )


def rsa_decrypt_b64(private_key: rsa.RSAPrivateKey, encoded: str) -> str:
    try:
        raw = base64.b64decode(encoded, validate=True)
        return private_key.decrypt(raw, padding.PKCS1v15()).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise CryptoError("RSA block does not decrypt") from exc


# --- body signature ----------------------------------------------------------------------


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def check_header(public_key: rsa.RSAPublicKey, body: bytes) -> str:
    """Header `Check` for exactly these body bytes."""
    return rsa_encrypt_b64(public_key, body_digest(body))


def check_matches(private_key: rsa.RSAPrivateKey, header: str, body: bytes) -> bool:
    """What the device verifies: the header decrypts to the digest of the body it got."""
    try:
        signed = rsa_decrypt_b64(private_key, header)
    except CryptoError:
        return False
    return secrets.compare_digest(signed.encode(), body_digest(body).encode())


# --- keys in page JavaScript ---------------------------------------------------------------

_PEM_BEGIN = "-----BEGIN PUBLIC KEY-----"
_PEM_END = "-----END PUBLIC KEY-----"
_JS_ESCAPES = re.compile(r"\\[nrt]")
_JS_CONCAT = re.compile(r"[\"'`]\s*\+\s*[\"'`]")
_NOT_B64 = re.compile(r"[^A-Za-z0-9+/=]")


def public_key_pem(public_key: rsa.RSAPublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def public_key_from_js(script: str) -> rsa.RSAPublicKey:
    """The PEM inside a page's `asyEncode()` however the JS string splits it: `\\n` escapes,
    real newlines, or `"..." +` concatenation."""
    start = script.find("asyEncode")
    # str.find, not a lazy regex: that rescanned to the end for every BEGIN without an
    # END (quadratic: a 200 KB hostile page took 14 s).
    begin = script.find(_PEM_BEGIN, max(start, 0))
    end = script.find(_PEM_END, begin + len(_PEM_BEGIN)) if begin >= 0 else -1
    if end < 0:
        raise CryptoError("no public key in the page's asyEncode()")
    pem_body = script[begin + len(_PEM_BEGIN) : end]
    # Drop JS escapes and `" + "` joints first: '+' and 'n' are base64 characters too.
    body = _JS_ESCAPES.sub("", _JS_CONCAT.sub("", pem_body))
    return _load_public_key(_NOT_B64.sub("", body))


@functools.lru_cache(maxsize=8)
def _load_public_key(body: str) -> rsa.RSAPublicKey:
    """A model's units all carry the same key: parse each one once per process."""
    try:
        key = serialization.load_der_public_key(base64.b64decode(body))
    except (binascii.Error, ValueError, UnsupportedAlgorithm) as exc:  # e.g. an unknown OID
        raise CryptoError("the page's public key does not load") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise CryptoError("the page's public key is not RSA")
    return key


def js_hex_escape(text: str) -> str:
    """`"123"` → `\\x31\\x32\\x33`, as the firmware writes `_sessionTmpToken`."""
    return "".join(f"\\x{b:02x}" for b in text.encode("utf-8"))


_HEX_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})")


def js_hex_unescape(text: str) -> str:
    return _HEX_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
