"""Encrypted credential vault: device admin logins and service secrets, at rest in CPE_HOME.

What it holds
    models   model key ("zyxel", "mercusys-ac12g") -> admin username (None when the
             device has none, e.g. Mercusys) and ordered candidate passwords
    devices  device id (PPPoE login or host) -> an override for one unit, optionally
             tied to a model key so a swapped router never gets the old unit's password
    secrets  named service secrets ("ixc_token")

Key
    `CPE_VAULT_KEY` (any string of 16+ characters, stretched with scrypt) wins; otherwise
    `CPE_HOME/vault.key` (32 random bytes, base64, mode 0600, expanded with HKDF), created
    by `Vault.init`. The KDF is recorded in the file, so the same key material opens the
    vault from either place (e.g. `export CPE_VAULT_KEY=$(cat ~/.cpe/vault.key)`).

File format, version 1 (every future version keeps the magic and the trailer)
    b"CPEVAULT" | version (1 byte) | header length (2 bytes, big endian) | header (JSON:
    kdf, salt, kdf params, key check, nonce) | AES-256-GCM ciphertext of the JSON payload,
    with everything before it as associated data | SHA-256 of everything before it

    GCM authenticates the whole file. The key check (16 bytes of the KDF output that are
    not the encryption key) tells "wrong key" apart from "tampered"; the unkeyed SHA-256
    trailer tells plain corruption (a truncated copy, a disk error) apart from both.

Writes are atomic (temp file in the same directory, fsync, os.replace, fsync of the
directory), 0600, and refused when another process saved the vault since it was opened,
so two technicians never silently drop each other's changes.

Nothing here prints, logs or puts a secret in an exception message; pydantic and json
errors about the decrypted payload are dropped (`from None`) because they quote it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from pydantic import SecretStr

from cpe.errors import InputError, VaultError
from cpe.models import Credential, Frozen
from cpe.settings import Settings

__all__ = ["FORMAT_VERSION", "MAX_CANDIDATES", "Vault", "VaultEntry"]

MAGIC = b"CPEVAULT"
FORMAT_VERSION = 1
_TRAILER = 32  # SHA-256
_NONCE = 12
_CHECK = 16
_SALT = 16
_PREFIX = len(MAGIC) + 1 + 2

#: More candidates mean more failed logins per attempt; these devices lock after ~10.
MAX_CANDIDATES = 5
#: Shortest CPE_VAULT_KEY accepted when creating a vault (it is a passphrase).
MIN_ENV_KEY = 16

# scrypt cost for CPE_VAULT_KEY: ~32 MiB and ~0.1 s, paid once per process.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
# A tampered header must not make us allocate gigabytes before the tag check fails.
_SCRYPT_MAX_MEM = 256 * 1024 * 1024

_MODEL_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_SECRET_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")

MISSING_VAULT = "cofre não encontrado: rode `cpe vault init`"


class VaultEntry(Frozen):
    """One credential record as `cpe vault list` shows it: never the passwords."""

    kind: Literal["model", "device"]
    name: str
    username: str | None
    candidates: int
    #: For a device override tied to a model key; None for models and untied overrides.
    model: str | None = None


@dataclass(frozen=True, slots=True)
class _Record:
    username: str | None
    passwords: tuple[SecretStr, ...]
    model: str | None = None

    def __repr__(self) -> str:
        return f"_Record(username={self.username!r}, passwords=<{len(self.passwords)} hidden>)"


@dataclass(frozen=True, slots=True)
class _Key:
    """Key material and where it came from; the material never leaves this module."""

    material: bytes
    source: Literal["env", "file"]

    def __repr__(self) -> str:
        return f"_Key(source={self.source!r})"


class Vault:
    """The decrypted vault of one CPE_HOME. Build it with `Vault.init` or `Vault.open`."""

    def __init__(
        self,
        path: Path,
        *,
        header: dict[str, Any],
        enc_key: bytes,
        key_source: Literal["env", "file"],
        base_digest: bytes | None,
    ) -> None:
        self.path = path
        self.key_source = key_source
        self._header = header
        self._enc_key = enc_key
        self._base_digest = base_digest
        self._models: dict[str, _Record] = {}
        self._devices: dict[str, _Record] = {}
        self._secrets: dict[str, SecretStr] = {}
        self._id_key: bytes | None = None

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def init(cls, settings: Settings, *, force: bool = False) -> Vault:
        """Create an empty vault (and the key file when CPE_VAULT_KEY is not set).

        An existing key file is reused, never replaced: it may be the only copy of the key
        of a backup. An existing vault is replaced only with `force`.
        """
        home = settings.home
        _ensure_home(home)
        path = settings.vault_file
        base_digest: bytes | None = None
        if path.exists():
            if not force:
                raise VaultError(
                    f"já existe um cofre em {path}; use --force para substituí-lo "
                    "(as senhas guardadas nele serão perdidas)",
                    operation="vault init",
                )
            base_digest = _digest_of(path)
        env = _env_key(settings)
        if env is not None:
            if len(env.material) < MIN_ENV_KEY:
                raise VaultError(
                    f"CPE_VAULT_KEY curta demais: use ao menos {MIN_ENV_KEY} caracteres",
                    operation="vault init",
                )
            key = env
            header = _new_header("scrypt")
        else:
            key = _Key(_create_or_read_key_file(settings.key_file), "file")
            header = _new_header("hkdf")
        enc_key, check = _derive(key.material, header)
        header["check"] = _b64(check)
        vault = cls(
            path, header=header, enc_key=enc_key, key_source=key.source, base_digest=base_digest
        )
        vault.save()
        return vault

    @classmethod
    def open(cls, settings: Settings) -> Vault:
        """Decrypt the vault of `settings.home`; VaultError says what is wrong, in pt-BR."""
        path = settings.vault_file
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            raise VaultError(MISSING_VAULT, operation="vault open") from None
        except OSError as exc:
            raise VaultError(
                f"não foi possível ler o cofre {path}: {exc.strerror}", operation="vault open"
            ) from exc
        header, aad, ciphertext = _parse(blob, path)
        key = _load_key(settings)
        enc_key, check = _derive(key.material, header)
        if not hmac.compare_digest(check, _unb64(header.get("check"), path)):
            raise VaultError(
                "chave incorreta: "
                + ("CPE_VAULT_KEY" if key.source == "env" else str(settings.key_file))
                + " não é a chave com que este cofre foi criado",
                operation="vault open",
            )
        nonce = _unb64(header.get("nonce"), path)
        try:
            if len(nonce) != _NONCE:
                raise InvalidTag
            plain = AESGCM(enc_key).decrypt(nonce, ciphertext, aad)
        except InvalidTag:
            raise VaultError(
                f"o cofre {path} foi adulterado ou está corrompido "
                "(falhou a verificação de integridade); restaure um backup",
                operation="vault open",
            ) from None
        vault = cls(
            path,
            header=header,
            enc_key=enc_key,
            key_source=key.source,
            base_digest=hashlib.sha256(blob).digest(),
        )
        vault._load_payload(plain)
        return vault

    @staticmethod
    def exists(settings: Settings) -> bool:
        return settings.vault_file.exists()

    # -- reading --------------------------------------------------------------------------

    def credential_for(self, model: str, device: str | None = None) -> Credential:
        """The device's override when there is one (and fits the model), else the model's."""
        key = _norm_model(model)
        if device is not None:
            name = _norm_device(device)
            override = self._devices.get(name)
            if override is not None and override.model in (None, key):
                return self._credential(f"device:{name}", override)
        record = self._models.get(key)
        if record is None:
            raise VaultError(
                f"sem credenciais para o modelo {key!r} no cofre: "
                f"cadastre com `cpe vault add {key}`",
                model=key,
                device=device,
                operation="vault credential",
            )
        return self._credential(f"model:{key}", record)

    def _credential(self, entry: str, record: _Record) -> Credential:
        return Credential(
            username=record.username,
            passwords=record.passwords,
            candidate_ids=tuple(
                self.candidate_id(entry, record.username, p) for p in record.passwords
            ),
        )

    def candidate_id(self, entry: str, username: str | None, password: SecretStr) -> str:
        """An opaque id of one candidate password for the failure ledger: an HMAC under
        a key derived from the vault's key, over the entry, user and password. It changes
        when the entry's password changes, is the same in every process and home that
        opens this vault, and tells nothing about the password to anyone without the
        vault's key (the ledger is in a host-wide directory)."""
        if self._id_key is None:
            self._id_key = HKDF(
                algorithm=hashes.SHA256(), length=32, salt=None, info=b"cpe candidate id v1"
            ).derive(self._enc_key)
        msg = "\0".join((entry, username or "", password.get_secret_value())).encode()
        return hmac.new(self._id_key, msg, hashlib.sha256).hexdigest()[:20]

    def secret(self, name: str) -> SecretStr | None:
        return self._secrets.get(_norm_secret(name))

    def entries(self) -> list[VaultEntry]:
        """Models then device overrides, sorted by name; counts only, never passwords."""
        out = [
            VaultEntry(kind="model", name=n, username=r.username, candidates=len(r.passwords))
            for n, r in sorted(self._models.items())
        ]
        out += [
            VaultEntry(
                kind="device",
                name=n,
                username=r.username,
                candidates=len(r.passwords),
                model=r.model,
            )
            for n, r in sorted(self._devices.items())
        ]
        return out

    def secret_names(self) -> list[str]:
        return sorted(self._secrets)

    # -- writing (in memory; `save()` persists) -------------------------------------------

    def set_model(self, model: str, username: str | None, passwords: Sequence[SecretStr]) -> None:
        self._models[_norm_model(model)] = _record(username, passwords)

    def set_device(
        self,
        device: str,
        username: str | None,
        passwords: Sequence[SecretStr],
        *,
        model: str | None = None,
    ) -> None:
        """Override for one unit. With `model`, it applies only while the unit is that model."""
        self._devices[_norm_device(device)] = _record(
            username, passwords, model=_norm_model(model) if model is not None else None
        )

    def set_secret(self, name: str, value: SecretStr) -> None:
        if not value.get_secret_value():
            raise InputError("o segredo não pode ser vazio", operation="vault set-secret")
        self._secrets[_norm_secret(name)] = value

    def remove_model(self, model: str) -> bool:
        return self._models.pop(_norm_model(model), None) is not None

    def remove_device(self, device: str) -> bool:
        return self._devices.pop(_norm_device(device), None) is not None

    def save(self) -> None:
        """Encrypt and replace the file atomically; a crash mid-write keeps the old vault."""
        # GCM must never reuse a nonce under one key: a fresh random one for every save.
        self._header["nonce"] = _b64(secrets.token_bytes(_NONCE))
        prefix = _encode_prefix(self._header)
        ciphertext = AESGCM(self._enc_key).encrypt(
            _unb64(self._header["nonce"], self.path), self._payload(), prefix
        )
        body = prefix + ciphertext
        blob = body + hashlib.sha256(body).digest()
        directory = self.path.parent
        with _dir_lock(directory):
            current = _digest_of(self.path) if self.path.exists() else None
            if current != self._base_digest:
                raise VaultError(
                    "o cofre foi alterado por outro processo depois de aberto; "
                    "abra de novo e repita a operação",
                    operation="vault save",
                )
            _atomic_write(self.path, blob)
        self._base_digest = hashlib.sha256(blob).digest()

    # -- representation -------------------------------------------------------------------

    def __repr__(self) -> str:
        return (
            f"Vault(path={str(self.path)!r}, key_source={self.key_source!r}, "
            f"models={len(self._models)}, devices={len(self._devices)}, "
            f"secrets={len(self._secrets)})"
        )

    __str__ = __repr__

    # -- payload --------------------------------------------------------------------------

    def _payload(self) -> bytes:
        def rec(r: _Record) -> dict[str, Any]:
            d: dict[str, Any] = {
                "username": r.username,
                "passwords": [p.get_secret_value() for p in r.passwords],
            }
            if r.model is not None:
                d["model"] = r.model
            return d

        doc = {
            "format": FORMAT_VERSION,
            "models": {k: rec(v) for k, v in self._models.items()},
            "devices": {k: rec(v) for k, v in self._devices.items()},
            "secrets": {k: v.get_secret_value() for k, v in self._secrets.items()},
        }
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def _load_payload(self, plain: bytes) -> None:
        corrupt = VaultError(
            f"o conteúdo do cofre {self.path} não tem o formato esperado; restaure um backup",
            operation="vault open",
        )
        try:
            doc = json.loads(plain.decode("utf-8"))
            for name, raw in dict(doc.get("models", {})).items():
                self._models[str(name)] = _record_from(raw)
            for name, raw in dict(doc.get("devices", {})).items():
                self._devices[str(name)] = _record_from(raw)
            for name, raw in dict(doc.get("secrets", {})).items():
                if not isinstance(raw, str):
                    raise TypeError
                self._secrets[str(name)] = SecretStr(raw)
        except (ValueError, TypeError, AttributeError):
            # The decoding errors quote the decrypted text: never chain them.
            raise corrupt from None


# --- helpers: records ------------------------------------------------------------------


def _norm_model(model: str) -> str:
    key = model.strip().lower()
    if not _MODEL_RE.match(key):
        raise InputError(
            # The value is not echoed: a mis-ordered CSV row may hold a password here.
            "chave de modelo inválida (use letras minúsculas, números, '-', '.', '_'; "
            "ex.: zyxel, mercusys-ac12g)",
            operation="vault",
        )
    return key


def _norm_device(device: str) -> str:
    key = device.strip()
    if not key or len(key) > 128 or any(c.isspace() for c in key):
        raise InputError(
            "identificador de dispositivo inválido (login PPPoE ou host, sem espaços)",
            operation="vault",
        )
    return key


def _norm_secret(name: str) -> str:
    key = name.strip().lower()
    if not _SECRET_RE.match(key):
        raise InputError(
            "nome de segredo inválido (letras minúsculas, números, '-', '.', '_'; ex.: ixc_token)",
            operation="vault",
        )
    return key


def _record(
    username: str | None, passwords: Sequence[SecretStr], *, model: str | None = None
) -> _Record:
    user = username.strip() if username is not None else None
    unique: list[SecretStr] = []
    seen: set[str] = set()
    for pw in passwords:
        value = pw.get_secret_value()
        if not value:
            raise InputError("senha candidata vazia", operation="vault")
        # A repeated candidate would only spend one more attempt toward the lockout.
        if value not in seen:
            seen.add(value)
            unique.append(pw)
    if not unique:
        raise InputError("informe ao menos uma senha candidata", operation="vault")
    if len(unique) > MAX_CANDIDATES:
        raise InputError(
            f"no máximo {MAX_CANDIDATES} senhas candidatas: cada tentativa errada aproxima "
            "o equipamento do bloqueio",
            operation="vault",
        )
    return _Record(username=user or None, passwords=tuple(unique), model=model)


def _record_from(raw: Any) -> _Record:
    if not isinstance(raw, dict):
        raise TypeError
    user = raw.get("username")
    pwds = raw.get("passwords")
    model = raw.get("model")
    if user is not None and not isinstance(user, str):
        raise TypeError
    if model is not None and not isinstance(model, str):
        raise TypeError
    if not isinstance(pwds, list) or not all(isinstance(p, str) for p in pwds):
        raise TypeError
    return _Record(username=user, passwords=tuple(SecretStr(p) for p in pwds), model=model)


# --- helpers: keys -----------------------------------------------------------------------


def _env_key(settings: Settings) -> _Key | None:
    if settings.vault_key is None:
        return None
    material = settings.vault_key.get_secret_value().strip().encode("utf-8")
    # An empty CPE_VAULT_KEY= counts as unset rather than as a (useless) empty key.
    return _Key(material, "env") if material else None


def _load_key(settings: Settings) -> _Key:
    env = _env_key(settings)
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
    return _Key(_read_key_file(path), "file")


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


def _create_or_read_key_file(path: Path) -> bytes:
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
    _fsync_dir(path.parent)
    return material


def _new_header(kdf: Literal["scrypt", "hkdf"]) -> dict[str, Any]:
    header: dict[str, Any] = {"kdf": kdf, "salt": _b64(secrets.token_bytes(_SALT))}
    if kdf == "scrypt":
        header |= {"n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}
    return header


def _derive(material: bytes, header: dict[str, Any]) -> tuple[bytes, bytes]:
    """(AES-256 key, key check). Both come from one KDF output, in disjoint bytes."""
    salt = _unb64(header.get("salt"), None)
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


# --- helpers: file format -------------------------------------------------------------


def _encode_prefix(header: dict[str, Any]) -> bytes:
    raw = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("ascii")
    return MAGIC + bytes([FORMAT_VERSION]) + len(raw).to_bytes(2, "big") + raw


def _parse(blob: bytes, path: Path) -> tuple[dict[str, Any], bytes, bytes]:
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


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(value: Any, path: Path | None) -> bytes:
    try:
        if not isinstance(value, str):
            raise ValueError
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (ValueError, binascii.Error):
        where = f" {path}" if path else ""
        raise VaultError(
            f"cabeçalho do cofre{where} inválido; restaure um backup", operation="vault open"
        ) from None


# --- helpers: filesystem ---------------------------------------------------------------


def _ensure_home(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    # mkdir's mode is filtered by the umask and ignored for an existing dir: set it.
    if stat.S_IMODE(home.stat().st_mode) != 0o700:
        home.chmod(0o700)


def _digest_of(path: Path) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


def _atomic_write(path: Path, blob: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        try:
            os.fchmod(fd, 0o600)
            view = memoryview(blob)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not every filesystem allows it, hence best effort.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _dir_lock(directory: Path) -> Iterator[None]:
    """Serialise saves across processes (flock on the directory: no extra lock file)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
