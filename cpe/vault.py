"""Encrypted credential vault: device admin logins and service secrets, at rest in CPE_HOME.

What it holds
    models   model key ("zyxel", "mercusys-ac12g") -> admin username (None when the
             device has none, e.g. Mercusys) and ordered candidate passwords
    devices  device id (PPPoE login or host) -> an override for one unit, optionally
             tied to a model key so a swapped router never gets the old unit's password
    secrets  named service secrets ("ixc_token")

Key: `CPE_VAULT_KEY` or `CPE_HOME/vault.key` (cpe.vault_keys). File: magic, version,
header, AES-256-GCM ciphertext, SHA-256 trailer (cpe.vault_format). Records and their
rules: cpe.vault_records.

Writes are atomic (cpe.vault_storage), 0600, and refused when another process saved the
vault since it was opened, so two technicians never silently drop each other's changes.

Nothing here prints, logs or puts a secret in an exception message; pydantic and json
errors about the decrypted payload are dropped (`from None`) because they quote it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

from cpe.errors import InputError, VaultError
from cpe.models import Credential
from cpe.settings import Settings
from cpe.vault_format import FORMAT_VERSION, NONCE, b64, encode_prefix, parse, unb64
from cpe.vault_keys import (
    MIN_ENV_KEY,
    Key,
    create_or_read_key_file,
    derive,
    env_key,
    load_key,
    new_header,
)
from cpe.vault_records import (
    MAX_CANDIDATES,
    Record,
    VaultEntry,
    new_record,
    norm_device,
    norm_model,
    norm_secret,
    record_from,
)
from cpe.vault_storage import atomic_write, digest_of, dir_lock, ensure_home

__all__ = ["FORMAT_VERSION", "MAX_CANDIDATES", "Vault", "VaultEntry"]

MISSING_VAULT = "cofre não encontrado: rode `cpe vault init`"


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
        self._models: dict[str, Record] = {}
        self._devices: dict[str, Record] = {}
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
        ensure_home(home)
        path = settings.vault_file
        base_digest: bytes | None = None
        if path.exists():
            if not force:
                raise VaultError(
                    f"já existe um cofre em {path}; use --force para substituí-lo "
                    "(as senhas guardadas nele serão perdidas)",
                    operation="vault init",
                )
            base_digest = digest_of(path)
        env = env_key(settings)
        if env is not None:
            if len(env.material) < MIN_ENV_KEY:
                raise VaultError(
                    f"CPE_VAULT_KEY curta demais: use ao menos {MIN_ENV_KEY} caracteres",
                    operation="vault init",
                )
            key = env
            header = new_header("scrypt")
        else:
            key = Key(create_or_read_key_file(settings.key_file), "file")
            header = new_header("hkdf")
        enc_key, check = derive(key.material, header)
        header["check"] = b64(check)
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
        header, aad, ciphertext = parse(blob, path)
        key = load_key(settings)
        enc_key, check = derive(key.material, header)
        if not hmac.compare_digest(check, unb64(header.get("check"), path)):
            raise VaultError(
                "chave incorreta: "
                + ("CPE_VAULT_KEY" if key.source == "env" else str(settings.key_file))
                + " não é a chave com que este cofre foi criado",
                operation="vault open",
            )
        nonce = unb64(header.get("nonce"), path)
        try:
            if len(nonce) != NONCE:
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
        key = norm_model(model)
        if device is not None:
            name = norm_device(device)
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

    def _credential(self, entry: str, record: Record) -> Credential:
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
        return self._secrets.get(norm_secret(name))

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
        self._models[norm_model(model)] = new_record(username, passwords)

    def set_device(
        self,
        device: str,
        username: str | None,
        passwords: Sequence[SecretStr],
        *,
        model: str | None = None,
    ) -> None:
        """Override for one unit. With `model`, it applies only while the unit is that model."""
        self._devices[norm_device(device)] = new_record(
            username, passwords, model=norm_model(model) if model is not None else None
        )

    def set_secret(self, name: str, value: SecretStr) -> None:
        if not value.get_secret_value():
            raise InputError("o segredo não pode ser vazio", operation="vault set-secret")
        self._secrets[norm_secret(name)] = value

    def remove_model(self, model: str) -> bool:
        return self._models.pop(norm_model(model), None) is not None

    def remove_device(self, device: str) -> bool:
        return self._devices.pop(norm_device(device), None) is not None

    def save(self) -> None:
        """Encrypt and replace the file atomically; a crash mid-write keeps the old vault."""
        # GCM must never reuse a nonce under one key: a fresh random one for every save.
        self._header["nonce"] = b64(secrets.token_bytes(NONCE))
        prefix = encode_prefix(self._header)
        ciphertext = AESGCM(self._enc_key).encrypt(
            unb64(self._header["nonce"], self.path), self._payload(), prefix
        )
        body = prefix + ciphertext
        blob = body + hashlib.sha256(body).digest()
        directory = self.path.parent
        with dir_lock(directory):
            current = digest_of(self.path) if self.path.exists() else None
            if current != self._base_digest:
                raise VaultError(
                    "o cofre foi alterado por outro processo depois de aberto; "
                    "abra de novo e repita a operação",
                    operation="vault save",
                )
            atomic_write(self.path, blob)
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
        def rec(r: Record) -> dict[str, Any]:
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
                self._models[str(name)] = record_from(raw)
            for name, raw in dict(doc.get("devices", {})).items():
                self._devices[str(name)] = record_from(raw)
            for name, raw in dict(doc.get("secrets", {})).items():
                if not isinstance(raw, str):
                    raise TypeError
                self._secrets[str(name)] = SecretStr(raw)
        except (ValueError, TypeError, AttributeError):
            # The decoding errors quote the decrypted text: never chain them.
            raise corrupt from None
