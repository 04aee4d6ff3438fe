"""The vault's key: where it comes from and how it becomes the encryption key.

`CPE_VAULT_KEY` (any string of 16+ characters, stretched with scrypt) wins; otherwise
`CPE_HOME/vault.key` (32 random bytes, base64, mode 0600, expanded with HKDF), created
by `Vault.init`. The KDF is recorded in the file's header, so the same key material
opens the vault from either place (e.g. `export CPE_VAULT_KEY=$(cat ~/.cpe/vault.key)`).
Key material never leaves this module and cpe.vault, and is never printed or logged.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from cpe.errors import VaultError
from cpe.settings import Settings
from cpe.vault_format import b64, unb64
from cpe.vault_storage import fsync_dir

_CHECK = 16
_SALT = 16

#: Shortest CPE_VAULT_KEY accepted when creating a vault (it is a passphrase).
MIN_ENV_KEY = 16

# scrypt cost for CPE_VAULT_KEY: ~32 MiB and ~0.1 s, paid once per process.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
# A tampered header must not make us allocate gigabytes before the tag check fails.
_SCRYPT_MAX_MEM = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Key:
    """Key material and where it came from; the material never leaves the vault."""

    material: bytes
    source: Literal["env", "file"]

    def __repr__(self) -> str:
        return f"Key(source={self.source!r})"


def env_key(settings: Settings) -> Key | None:
    if settings.vault_key is None:
        return None
    material = settings.vault_key.get_secret_value().strip().encode("utf-8")
    # An empty CPE_VAULT_KEY= counts as unset rather than as a (useless) empty key.
    return Key(material, "env") if material else None


def load_key(settings: Settings) -> Key:
    env = env_key(settings)
    if env is not None:
        return env
    path = settings.key_file
    try:
        st = path.stat()
    except FileNotFoundError:
        raise VaultError(
            f"chave do cofre não encontrada: defina CPE_VAULT_KEY ou restaure {path}",
            operation="vault open",
        ) from None
    if st.st_mode & 0o077:
        # Same rule as ssh: a key others can read is no longer a key.
        raise VaultError(
            f"o arquivo de chave {path} pode ser lido por outros usuários; "
            f"corrija com: chmod 600 {path}",
            operation="vault open",
        )
    return Key(_read_key_file(path), "file")


def _read_key_file(path: Path) -> bytes:
    try:
        material = path.read_bytes().strip()
    except OSError as exc:
        raise VaultError(
            f"não foi possível ler a chave {path}: {exc.strerror}", operation="vault"
        ) from exc
    if not material:
        raise VaultError(f"o arquivo de chave {path} está vazio", operation="vault")
    return material


def create_or_read_key_file(path: Path) -> bytes:
    material = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key_file(path)
    try:
        os.fchmod(fd, 0o600)  # the umask may only remove bits, but be explicit
        os.write(fd, material + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(path.parent)
    return material


def new_header(kdf: Literal["scrypt", "hkdf"]) -> dict[str, Any]:
    header: dict[str, Any] = {"kdf": kdf, "salt": b64(secrets.token_bytes(_SALT))}
    if kdf == "scrypt":
        header |= {"n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}
    return header


def derive(material: bytes, header: dict[str, Any]) -> tuple[bytes, bytes]:
    """(AES-256 key, key check). Both come from one KDF output, in disjoint bytes."""
    salt = unb64(header.get("salt"), None)
    kdf = header.get("kdf")
    length = 32 + _CHECK
    if kdf == "hkdf":
        out = HKDF(
            algorithm=hashes.SHA256(), length=length, salt=salt, info=b"cpe-vault v1"
        ).derive(material)
    elif kdf == "scrypt":
        n, r, p = header.get("n"), header.get("r"), header.get("p")
        if not (
            isinstance(n, int)
            and isinstance(r, int)
            and isinstance(p, int)
            and n > 1
            and n & (n - 1) == 0
            and 1 <= r <= 32
            and 1 <= p <= 16
            and 128 * n * r <= _SCRYPT_MAX_MEM
        ):
            raise VaultError(
                "parâmetros de derivação de chave inválidos no cofre", operation="vault open"
            )
        out = Scrypt(salt=salt, length=length, n=n, r=r, p=p).derive(material)
    else:
        raise VaultError("método de derivação de chave desconhecido", operation="vault open")
    return out[:32], out[32:]
