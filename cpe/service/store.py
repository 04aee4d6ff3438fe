"""Users, API tokens, sessions and service events, in the journal's SQLite file.

Passwords are stored as scrypt hashes with a per-user salt. API tokens and session ids
are long random strings: only their SHA-256 is stored (a fast hash is enough for 256-bit
random values, and a stolen database then opens no session). Rows of the event table
are only inserted, like the rest of the journal.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from cpe import journal_health
from cpe.errors import InputError

SCHEMA = """
CREATE TABLE IF NOT EXISTS service_users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    pw_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS service_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT,
    created_at TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS service_sessions (
    sid_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS service_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    username TEXT,
    event TEXT NOT NULL,
    detail TEXT
);
"""

TOKEN_PREFIX = "cpe_"  # noqa: S105 - a marker, not a secret
MIN_PASSWORD = 10
_NAME_OK = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
# scrypt cost: ~16 MiB and a few tens of ms per login, fine for an agent console.
_N, _R, _P = 2**14, 8, 1


class Role(StrEnum):
    AGENTE = "agente"
    TECNICO = "tecnico"
    ADMIN = "admin"


RANK = {Role.AGENTE: 1, Role.TECNICO: 2, Role.ADMIN: 3}
ROLE_PT = {Role.AGENTE: "agente (N1)", Role.TECNICO: "técnico", Role.ADMIN: "administrador"}


def allows(role: Role, needed: Role) -> bool:
    return RANK[role] >= RANK[needed]


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    disabled: bool = False


@dataclass(frozen=True)
class Session:
    username: str
    csrf: str
    expires_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        algo, n, r, p, salt, digest = stored.split("$")
        if algo != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(want),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


# Verifying against a dummy hash keeps "no such user" as slow as "wrong password".
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def check_name(name: str) -> str:
    name = name.strip().lower()
    if not 2 <= len(name) <= 40 or any(c not in _NAME_OK for c in name):
        raise InputError(
            "nome de usuário inválido: use de 2 a 40 letras minúsculas, dígitos, '.', '_' ou '-'",
            operation="usuário",
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(
            f"a senha do usuário deve ter ao menos {MIN_PASSWORD} caracteres",
            operation="usuário",
        )
    return password


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise InputError(
            f"perfil inválido {value!r}: use agente, tecnico ou admin", operation="usuário"
        ) from None


class UserStore:
    """Service tables in the journal database (Settings.journal_file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # The journal's own checks first: never create tables in a corrupt journal, nor
        # silently start a new one where one existed (JournalError says which).
        journal_health.connect(path).close()
        self._local = threading.local()
        self._conn().executescript(SCHEMA)
        journal_health.mark(path)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    # -- users ----------------------------------------------------------------------------

    def add_user(self, name: str, role: Role, password: str) -> User:
        name = check_name(name)
        check_password(password)
        try:
            self._conn().execute(
                "INSERT INTO service_users(name, role, pw_hash, created_at) VALUES (?,?,?,?)",
                (name, role.value, hash_password(password), _iso(_now())),
            )
        except sqlite3.IntegrityError:
            raise InputError(f"o usuário {name!r} já existe", operation="usuário") from None
        self.event(name, "user_added", role.value)
        return User(name, role)

    def set_password(self, name: str, password: str) -> None:
        check_password(password)
        self._require(name)
        self._conn().execute(
            "UPDATE service_users SET pw_hash=? WHERE name=?", (hash_password(password), name)
        )
        self.drop_sessions(name)
        self.event(name, "password_changed")

    def set_role(self, name: str, role: Role) -> User:
        self._require(name)
        self._conn().execute("UPDATE service_users SET role=? WHERE name=?", (role.value, name))
        self.drop_sessions(name)
        self.event(name, "role_changed", role.value)
        return self._require(name)

    def set_disabled(self, name: str, disabled: bool) -> User:
        self._require(name)
        self._conn().execute(
            "UPDATE service_users SET disabled=? WHERE name=?", (int(disabled), name)
        )
        if disabled:
            self.drop_sessions(name)
        self.event(name, "user_disabled" if disabled else "user_enabled")
        return self._require(name)

    def user(self, name: str) -> User | None:
        row = (
            self._conn()
            .execute("SELECT name, role, disabled FROM service_users WHERE name=?", (name,))
            .fetchone()
        )
        if row is None:
            return None
        return User(row["name"], Role(row["role"]), bool(row["disabled"]))

    def _require(self, name: str) -> User:
        user = self.user(name)
        if user is None:
            raise InputError(f"usuário {name!r} não existe", operation="usuário")
        return user

    def users(self) -> list[dict[str, Any]]:
        rows = (
            self._conn()
            .execute(
                "SELECT u.name, u.role, u.disabled, u.created_at, "
                "(SELECT COUNT(*) FROM service_tokens t WHERE t.username=u.name "
                " AND t.revoked=0) AS tokens FROM service_users u ORDER BY u.name"
            )
            .fetchall()
        )
        return [
            {
                "name": r["name"],
                "role": r["role"],
                "disabled": bool(r["disabled"]),
                "created_at": r["created_at"],
                "tokens": r["tokens"],
            }
            for r in rows
        ]

    def count_users(self) -> int:
        row = self._conn().execute("SELECT COUNT(*) AS n FROM service_users").fetchone()
        return int(row["n"])

    def authenticate(self, name: str, password: str) -> User | None:
        name = name.strip().lower()
        row = (
            self._conn()
            .execute("SELECT role, pw_hash, disabled FROM service_users WHERE name=?", (name,))
            .fetchone()
        )
        if row is None:
            verify_password(password, _DUMMY_HASH)
            return None
        if not verify_password(password, row["pw_hash"]) or row["disabled"]:
            return None
        return User(name, Role(row["role"]))

    # -- API tokens -----------------------------------------------------------------------

    def new_token(self, name: str, label: str | None = None) -> tuple[int, str]:
        """A fresh token for `name`: shown once, only its hash is kept."""
        self._require(name)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        cur = self._conn().execute(
            "INSERT INTO service_tokens(username, token_hash, label, created_at) VALUES (?,?,?,?)",
            (name, _sha(token), (label or "")[:80], _iso(_now())),
        )
        token_id = int(cur.lastrowid or 0)
        self.event(name, "token_created", f"id={token_id}")
        return token_id, token

    def revoke_token(self, name: str, token_id: int) -> bool:
        cur = self._conn().execute(
            "UPDATE service_tokens SET revoked=1 WHERE id=? AND username=?", (token_id, name)
        )
        if cur.rowcount:
            self.event(name, "token_revoked", f"id={token_id}")
        return bool(cur.rowcount)

    def tokens(self, name: str) -> list[dict[str, Any]]:
        rows = (
            self._conn()
            .execute(
                "SELECT id, label, created_at, revoked FROM service_tokens WHERE username=? "
                "ORDER BY id",
                (name,),
            )
            .fetchall()
        )
        return [dict(r) | {"revoked": bool(r["revoked"])} for r in rows]

    def user_for_token(self, token: str) -> User | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        row = (
            self._conn()
            .execute(
                "SELECT u.name, u.role, u.disabled FROM service_tokens t JOIN service_users u "
                "ON u.name=t.username WHERE t.token_hash=? AND t.revoked=0",
                (_sha(token),),
            )
            .fetchone()
        )
        if row is None or row["disabled"]:
            return None
        return User(row["name"], Role(row["role"]))

    # -- sessions -------------------------------------------------------------------------

    def new_session(self, name: str, ttl: timedelta) -> tuple[str, Session]:
        sid = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires = _now() + ttl
        conn = self._conn()
        conn.execute("DELETE FROM service_sessions WHERE expires_at < ?", (_iso(_now()),))
        conn.execute(
            "INSERT INTO service_sessions(sid_hash, username, csrf, created_at, expires_at) "
            "VALUES (?,?,?,?,?)",
            (_sha(sid), name, csrf, _iso(_now()), _iso(expires)),
        )
        return sid, Session(name, csrf, expires)

    def session(self, sid: str) -> tuple[User, Session] | None:
        row = (
            self._conn()
            .execute(
                "SELECT s.username, s.csrf, s.expires_at, u.role, u.disabled "
                "FROM service_sessions s JOIN service_users u ON u.name=s.username "
                "WHERE s.sid_hash=?",
                (_sha(sid),),
            )
            .fetchone()
        )
        if row is None or row["disabled"]:
            return None
        expires = datetime.fromisoformat(row["expires_at"])
        if expires <= _now():
            self.end_session(sid)
            return None
        return User(row["username"], Role(row["role"])), Session(
            row["username"], row["csrf"], expires
        )

    def end_session(self, sid: str) -> None:
        self._conn().execute("DELETE FROM service_sessions WHERE sid_hash=?", (_sha(sid),))

    def drop_sessions(self, name: str) -> None:
        self._conn().execute("DELETE FROM service_sessions WHERE username=?", (name,))

    # -- events ---------------------------------------------------------------------------

    def event(self, username: str | None, event: str, detail: str | None = None) -> None:
        self._conn().execute(
            "INSERT INTO service_events(at, username, event, detail) VALUES (?,?,?,?)",
            (_iso(_now()), username, event, detail),
        )

    def events(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = (
            self._conn()
            .execute(
                "SELECT at, username, event, detail FROM service_events ORDER BY id DESC LIMIT ?",
                (limit,),
            )
            .fetchall()
        )
        return [dict(r) for r in rows]
