"""The vault file's byte layout, version 1 (every future version keeps the magic and the
trailer):

    b"CPEVAULT" | version (1 byte) | header length (2 bytes, big endian) | header (JSON:
    kdf, salt, kdf params, key check, nonce) | AES-256-GCM ciphertext of the JSON payload,
    with everything before it as associated data | SHA-256 of everything before it

GCM authenticates the whole file. The key check (16 bytes of the KDF output that are
not the encryption key) tells "wrong key" apart from "tampered"; the unkeyed SHA-256
trailer tells plain corruption (a truncated copy, a disk error) apart from both.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from cpe.errors import VaultError

MAGIC = b"CPEVAULT"
FORMAT_VERSION = 1
_TRAILER = 32  # SHA-256
#: AES-GCM nonce length; a fresh one in the header for every save.
NONCE = 12
_PREFIX = len(MAGIC) + 1 + 2


def encode_prefix(header: dict[str, Any]) -> bytes:
    raw = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("ascii")
    return MAGIC + bytes([FORMAT_VERSION]) + len(raw).to_bytes(2, "big") + raw


def parse(blob: bytes, path: Path) -> tuple[dict[str, Any], bytes, bytes]:
    """Split and check the file; returns (header, associated data, ciphertext)."""
    if not blob.startswith(MAGIC):
        raise VaultError(f"{path} não é um cofre do cpe (ou está corrompido)", operation="vault")
    corrupt = VaultError(
        f"o cofre {path} está corrompido ou foi adulterado (soma de verificação não confere); "
        "restaure um backup",
        operation="vault open",
    )
    if len(blob) < _PREFIX + _TRAILER:
        raise corrupt
    body, trailer = blob[:-_TRAILER], blob[-_TRAILER:]
    if not hmac.compare_digest(hashlib.sha256(body).digest(), trailer):
        raise corrupt
    version = body[len(MAGIC)]
    if version != FORMAT_VERSION:
        raise VaultError(
            f"versão {version} do cofre não é suportada por esta versão do cpe "
            f"(suportada: {FORMAT_VERSION}); atualize o cpe-toolkit",
            operation="vault open",
        )
    hlen = int.from_bytes(body[len(MAGIC) + 1 : _PREFIX], "big")
    aad = body[: _PREFIX + hlen]
    ciphertext = body[_PREFIX + hlen :]
    try:
        header = json.loads(aad[_PREFIX:].decode("ascii"))
    except ValueError:
        raise corrupt from None
    if not isinstance(header, dict) or len(aad) != _PREFIX + hlen or len(ciphertext) < 16:
        raise corrupt
    return header, aad, ciphertext


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def unb64(value: Any, path: Path | None) -> bytes:
    try:
        if not isinstance(value, str):
            raise ValueError
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (ValueError, binascii.Error):
        where = f" {path}" if path else ""
        raise VaultError(
            f"cabeçalho do cofre{where} inválido; restaure um backup", operation="vault open"
        ) from None
