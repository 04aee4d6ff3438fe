"""The vault's records: what it holds per model key and per device (an admin username and
ordered candidate passwords), the rules a name or a record must follow, and their
JSON form in the decrypted payload. Passwords stay SecretStr and out of every repr."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import SecretStr

from cpe.errors import InputError
from cpe.models import Frozen

#: More candidates mean more failed logins per attempt; these devices lock after ~10.
MAX_CANDIDATES = 5

_MODEL_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_SECRET_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class VaultEntry(Frozen):
    """One credential record as `cpe vault list` shows it: never the passwords."""

    kind: Literal["model", "device"]
    name: str
    username: str | None
    candidates: int
    #: For a device override tied to a model key; None for models and untied overrides.
    model: str | None = None


@dataclass(frozen=True, slots=True)
class Record:
    username: str | None
    passwords: tuple[SecretStr, ...]
    model: str | None = None

    def __repr__(self) -> str:
        return f"Record(username={self.username!r}, passwords=<{len(self.passwords)} hidden>)"



def norm_model(model: str) -> str:
    key = model.strip().lower()
    if not _MODEL_RE.match(key):
        raise InputError(
            # The value is not echoed: a mis-ordered CSV row may hold a password here.
            "chave de modelo inválida (use letras minúsculas, números, '-', '.', '_'; "
            "ex.: zyxel, mercusys-ac12g)",
            operation="vault",
        )
    return key


def norm_device(device: str) -> str:
    key = device.strip()
    if not key or len(key) > 128 or any(c.isspace() for c in key):
        raise InputError(
            "identificador de dispositivo inválido (login PPPoE ou host, sem espaços)",
            operation="vault",
        )
    return key


def norm_secret(name: str) -> str:
    key = name.strip().lower()
    if not _SECRET_RE.match(key):
        raise InputError(
            "nome de segredo inválido (letras minúsculas, números, '-', '.', '_'; ex.: ixc_token)",
            operation="vault",
        )
    return key


def new_record(
    username: str | None, passwords: Sequence[SecretStr], *, model: str | None = None
) -> Record:
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
    return Record(username=user or None, passwords=tuple(unique), model=model)


def record_from(raw: Any) -> Record:
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
    return Record(username=user, passwords=tuple(SecretStr(p) for p in pwds), model=model)
