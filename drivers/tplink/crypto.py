"""The `/cgi_gdpr` wire crypto, both ends (protocol note §3/§4, public clients S1 mr.py/ex.py).

- The device hands out a small RSA public key (`nn`, `ee`; 512-bit on the XC220-G3v).
- The client picks an AES-128 key and IV made of ASCII digits (CBC: 16 + 16; GCM: 16 +
  a 12-digit nonce) and encrypts every request body with them.
- Every body carries `sign`: RSA over the sign string, cut into chunks, each result
  written as fixed-width hex. At login the string is `key=..&iv=..&h=<md5(user+pass)>&s=
  <seq+len>` (GCM: key and iv base64-encoded), afterwards only `h=..&s=..`. Two paddings:
  - "raw" (XC220-G3v, EX220/EX510, XX230v): no padding, chunks of the modulus length,
    each zero-padded on the right (S1 encryption.py, ikholmatov/tplink-wan main.go);
  - "oaep" (EX920 fw 3.2.2, VX220-G2v): RSA-OAEP with SHA-1, chunks of modulus - 42
    bytes, the firmware's /js/tpEncrypt.js `rsaEncrypt = $.rsa.encryptOAEP`
    (home-assistant-tplink-router #393, S1 EncryptionWrapperMRGCMOAEP).
- GCM answers carry the 16-byte tag after the ciphertext, either as a second base64
  string (S1 `aes_decrypt`: "last 24 characters are the tag") or inside one base64 string
  (VX220-G2v, TP-Link-Archer-C6U PR #143); `decrypt` reads both.

This is the firmware's scheme, weak by design (raw RSA, a reused nonce under GCM); we
reproduce it, we do not endorse it. Keys and IVs never leave this module in a repr.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "GCM_TAG_B64_LEN",
    "OAEP_OVERHEAD",
    "CipherError",
    "CipherMode",
    "CipherProfile",
    "DevicePublicKey",
    "RsaKeyPair",
    "RsaPadding",
    "SessionCipher",
    "cipher_from_sign",
    "generate_rsa",
    "md5_hex",
    "new_session_cipher",
    "rsa_sign",
    "rsa_unsign",
    "shared_rsa_key",
]

CipherMode = Literal["cbc", "gcm"]
RsaPadding = Literal["raw", "oaep"]

#: A 16-byte GCM tag is 24 base64 characters; replies append it to the ciphertext.
GCM_TAG_B64_LEN = 24
_GCM_TAG_BYTES = 16
#: OAEP with SHA-1 costs 2 * 20 + 2 bytes of each block (22-byte chunks on 512 bits).
OAEP_OVERHEAD = 42
_PUBLIC_EXPONENT = 0x10001
_OAEP = asym_padding.OAEP(
    mgf=asym_padding.MGF1(algorithm=hashes.SHA1()),  # noqa: S303 - the firmware's choice
    algorithm=hashes.SHA1(),  # noqa: S303
    label=None,
)


class CipherError(ValueError):
    """A body or sign that does not decrypt (bad base64, padding, tag or RSA block)."""


@dataclass(frozen=True)
class CipherProfile:
    """One firmware's crypto: the AES mode of the bodies and the padding of the sign."""

    name: str
    aes: CipherMode
    rsa: RsaPadding


def md5_hex(text: str) -> str:
    """The `h=` value: md5(username + password), as the firmware's JavaScript computes it."""
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def _digits(n: int) -> str:
    # One draw instead of n: uniform over all n-digit strings, leading zeros kept.
    return str(secrets.randbelow(10**n)).zfill(n)


# --- AES session cipher --------------------------------------------------------------------


@dataclass(frozen=True)
class SessionCipher:
    """The AES key and IV/nonce one login chose, and how to use them."""

    mode: CipherMode
    key: bytes = field(repr=False)
    iv: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"SessionCipher(mode={self.mode!r}, key=<hidden>)"

    def sign_prefix(self) -> str:
        """`key=..&iv=..` of the login sign (GCM sends both base64-encoded)."""
        if self.mode == "gcm":
            key = base64.b64encode(self.key).decode()
            iv = base64.b64encode(self.iv).decode()
        else:
            key, iv = self.key.decode(), self.iv.decode()
        return f"key={key}&iv={iv}"

    @functools.cached_property
    def _aead(self) -> AESGCM:
        # Built once per session (frozen dataclass: cached_property writes __dict__).
        return AESGCM(self.key)

    @functools.cached_property
    def _aes(self) -> algorithms.AES:
        return algorithms.AES(self.key)

    def encrypt(self, plaintext: str) -> tuple[str, str | None]:
        """(base64 data, base64 tag or None) for a request body."""
        raw = plaintext.encode("utf-8")
        if self.mode == "gcm":
            sealed = self._aead.encrypt(self.iv, raw, None)
            ct, tag = sealed[:-_GCM_TAG_BYTES], sealed[-_GCM_TAG_BYTES:]
            return base64.b64encode(ct).decode(), base64.b64encode(tag).decode()
        padder = padding.PKCS7(128).padder()
        padded = padder.update(raw) + padder.finalize()
        enc = Cipher(self._aes, modes.CBC(self.iv)).encryptor()
        return base64.b64encode(enc.update(padded) + enc.finalize()).decode(), None

    def seal_reply(self, plaintext: str, *, joined_tag: bool = False) -> str:
        """A device answer: GCM appends the tag, as its own base64 string or (VX220-G2v
        firmware) inside one base64 string with the ciphertext."""
        if self.mode == "gcm" and joined_tag:
            sealed = self._aead.encrypt(self.iv, plaintext.encode("utf-8"), None)
            return base64.b64encode(sealed).decode()
        data, tag = self.encrypt(plaintext)
        return data + (tag or "")

    def decrypt(self, data_b64: str, tag_b64: str | None = None) -> str:
        """Decrypt a body. Requests carry the GCM tag on their own `tag=` line (pass
        `tag_b64`); answers append it (both layouts of `seal_reply` are read)."""
        try:
            if self.mode == "gcm":
                return self._open_gcm(data_b64, tag_b64)
            ct = base64.b64decode(data_b64, validate=True)
            if not ct or len(ct) % 16:
                raise CipherError("CBC body is not a whole number of blocks")
            dec = Cipher(self._aes, modes.CBC(self.iv)).decryptor()
            padded = dec.update(ct) + dec.finalize()
            unpadder = padding.PKCS7(128).unpadder()
            return (unpadder.update(padded) + unpadder.finalize()).decode("utf-8")
        except (binascii.Error, InvalidTag, ValueError) as exc:
            if isinstance(exc, CipherError):
                raise
            raise CipherError(f"body does not decrypt ({type(exc).__name__})") from None

    def _open_gcm(self, data_b64: str, tag_b64: str | None) -> str:
        if tag_b64 is not None:
            tag = base64.b64decode(tag_b64, validate=True)
            if len(tag) != _GCM_TAG_BYTES:
                raise CipherError("GCM tag is not 16 bytes")
            sealed = base64.b64decode(data_b64, validate=True) + tag
            return self._aead.decrypt(self.iv, sealed, None).decode("utf-8")
        # An answer: tag as the last 24 base64 characters, else inside one string.
        try:
            head, tail = data_b64[:-GCM_TAG_B64_LEN], data_b64[-GCM_TAG_B64_LEN:]
            sealed = base64.b64decode(head, validate=True) + base64.b64decode(tail, validate=True)
            if len(sealed) >= _GCM_TAG_BYTES:
                return self._aead.decrypt(self.iv, sealed, None).decode("utf-8")
        except (binascii.Error, InvalidTag, ValueError):
            pass
        sealed = base64.b64decode(data_b64, validate=True)
        if len(sealed) < _GCM_TAG_BYTES:
            raise CipherError("GCM answer is shorter than its tag")
        return self._aead.decrypt(self.iv, sealed, None).decode("utf-8")


def new_session_cipher(mode: CipherMode) -> SessionCipher:
    """Fresh digits for one login: 16-digit key, 16-digit IV (CBC) or 12-digit nonce (GCM)."""
    iv_len = 12 if mode == "gcm" else 16
    return SessionCipher(mode, _digits(16).encode(), _digits(iv_len).encode())


def cipher_from_sign(mode: CipherMode, key_field: str, iv_field: str) -> SessionCipher:
    """The device side: rebuild the client's cipher from the login sign's key/iv fields."""
    try:
        if mode == "gcm":
            key = base64.b64decode(key_field, validate=True)
            iv = base64.b64decode(iv_field, validate=True)
        else:
            key, iv = key_field.encode("ascii"), iv_field.encode("ascii")
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise CipherError("key/iv in the sign are not in the expected form") from exc
    if len(key) != 16 or len(iv) != (12 if mode == "gcm" else 16):
        raise CipherError("key/iv in the sign have the wrong length")
    return SessionCipher(mode, key, iv)


# --- the RSA sign --------------------------------------------------------------------------


@dataclass(frozen=True)
class DevicePublicKey:
    """The device's `nn`/`ee`, parsed once per key exchange and reused for every sign of
    the session (the OAEP key object is built on first use)."""

    n: int
    e: int

    @classmethod
    def from_hex(cls, nn_hex: str, ee_hex: str) -> DevicePublicKey:
        return cls(int(nn_hex, 16), int(ee_hex, 16))

    @property
    def size(self) -> int:
        return (self.n.bit_length() + 7) // 8

    @functools.cached_property
    def _oaep_key(self) -> rsa.RSAPublicKey:
        return rsa.RSAPublicNumbers(self.e, self.n).public_key()

    def sign(self, text: str, pad: RsaPadding = "raw") -> str:
        """The `sign` value: `text` in chunks, each encrypted, as fixed-width hex."""
        size = self.size
        width = f"0{size * 2}x"
        data = text.encode("utf-8")
        out = []
        if pad == "oaep":
            step = size - OAEP_OVERHEAD
            if step <= 0:
                raise CipherError("RSA key too small for OAEP")
            for pos in range(0, len(data), step):
                block = self._oaep_key.encrypt(data[pos : pos + step], _OAEP)
                out.append(block.hex().rjust(size * 2, "0"))
            return "".join(out)
        n, e = self.n, self.e
        for pos in range(0, len(data), size):
            chunk = data[pos : pos + size].ljust(size, b"\0")
            out.append(format(pow(int.from_bytes(chunk, "big"), e, n), width))
        return "".join(out)


def rsa_sign(text: str, nn_hex: str, ee_hex: str, pad: RsaPadding = "raw") -> str:
    """RSA over `text` in chunks (raw: modulus-sized, zero-padded), as fixed-width hex."""
    return DevicePublicKey.from_hex(nn_hex, ee_hex).sign(text, pad)


@dataclass(frozen=True)
class RsaKeyPair:
    n: int
    e: int
    d: int = field(repr=False)

    @property
    def size(self) -> int:
        return (self.n.bit_length() + 7) // 8

    @property
    def nn_hex(self) -> str:
        return format(self.n, f"0{self.size * 2}x")

    @property
    def ee_hex(self) -> str:
        return format(self.e, "06x")

    def __repr__(self) -> str:
        return f"RsaKeyPair(bits={self.n.bit_length()})"


@functools.cache
def _private_key(key: RsaKeyPair) -> rsa.RSAPrivateKey:
    p, q = rsa.rsa_recover_prime_factors(key.n, key.e, key.d)
    numbers = rsa.RSAPrivateNumbers(
        p, q, key.d, rsa.rsa_crt_dmp1(key.d, p), rsa.rsa_crt_dmq1(key.d, q),
        rsa.rsa_crt_iqmp(p, q), rsa.RSAPublicNumbers(key.e, key.n),
    )
    # The firmware's keys are 512-bit: below what OpenSSL's validation accepts.
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)


def rsa_unsign(sign_hex: str, key: RsaKeyPair, pad: RsaPadding = "raw") -> str:
    """The device side: recover the sign string (raw: trailing zero padding removed)."""
    width = key.size * 2
    if not sign_hex or len(sign_hex) % width:
        raise CipherError("sign is not a whole number of RSA blocks")
    out = bytearray()
    try:
        for pos in range(0, len(sign_hex), width):
            c = int(sign_hex[pos : pos + width], 16)
            if c >= key.n:
                raise CipherError("sign block out of range")
            if pad == "oaep":
                out += _private_key(key).decrypt(c.to_bytes(key.size, "big"), _OAEP)
            else:
                out += pow(c, key.d, key.n).to_bytes(key.size, "big").rstrip(b"\0")
        return out.decode("ascii")
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, CipherError):
            raise
        raise CipherError("sign does not decode") from None


def _is_probable_prime(n: int, rounds: int = 32) -> bool:
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(rounds):
        x = pow(secrets.randbelow(n - 3) + 2, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int) -> int:
    while True:
        # Top two bits set so p*q has exactly 2*bits bits; odd.
        candidate = secrets.randbits(bits) | (3 << (bits - 2)) | 1
        if (candidate - 1) % _PUBLIC_EXPONENT and _is_probable_prime(candidate):
            return candidate


def generate_rsa(bits: int = 512) -> RsaKeyPair:
    """A small RSA key like the firmware's. Hand-rolled because `cryptography` refuses keys
    under 1024 bits, and the real XC220-G3v serves 512-bit ones (public clients assert
    a 128-hex-digit `nn`)."""
    if bits not in (512, 1024):
        raise ValueError("the firmware uses 512- or 1024-bit keys")
    while True:
        p, q = _prime(bits // 2), _prime(bits // 2)
        if p != q:
            break
    d = pow(_PUBLIC_EXPONENT, -1, (p - 1) * (q - 1))
    return RsaKeyPair(p * q, _PUBLIC_EXPONENT, d)


@functools.cache
def shared_rsa_key(bits: int = 512) -> RsaKeyPair:
    """One key per size per process: a lab starts thousands of simulated devices."""
    return generate_rsa(bits)
