"""Is the journal sound? Checked every time it is opened, before anything relies on it.

The journal is the record of every write to a device: a journal that cannot be written
means no device is written. So on open:
- a journal that existed and is now missing or zero bytes is an error, not a fresh
  start: a marker file next to it (journal.sqlite3.marker) says it existed;
- `PRAGMA quick_check` must answer "ok" (a corrupt file is never silently replaced), on
  the tables that record device writes (a whole-file check of a journal that holds a
  year of nightly 10,000-device audits takes tens of seconds: `cpe journal check` runs
  it; a damaged header or schema fails the open anyway);
- it must be writable (a read-only file or directory is found here, not half-way
  through an action).
`cpe journal check` reports the same findings and how to recover: move the broken file
aside (nothing is deleted) and start a new one (`--start-new` does both).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cpe.errors import JournalError

__all__ = ["Health", "check", "check_journal", "connect", "marker_of", "start_new"]

MARKER_SUFFIX = ".marker"
#: The tables of device writes, checked on every open (SQLite's per-table quick_check).
WRITE_TABLES = ("actions", "action_intents", "action_steps")
#: SQLite's companions of a WAL database: moved aside together with it.
COMPANIONS = ("-wal", "-shm")


@dataclass(frozen=True)
class Health:
    path: Path
    sound: bool
    #: Portuguese, for a person; None when sound.
    problem: str | None = None
    size: int = 0
    actions: int | None = None
    interrupted: int | None = None


def marker_of(path: Path) -> Path:
    return path.with_name(path.name + MARKER_SUFFIX)


def _problem(path: Path) -> str | None:
    """What is wrong before SQLite opens it (None: go on)."""
    marker = marker_of(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        if marker.exists():
            return (
                f"o diário {path} existia e sumiu (o marcador {marker.name} ainda está lá); "
                "não criamos outro por cima sem você decidir"
            )
        return None
    except OSError as exc:
        return f"não foi possível ler {path}: {exc.strerror}"
    if size == 0 and marker.exists():
        return f"o diário {path} existia e agora está vazio (0 bytes): está avariado"
    return None


def connect(path: Path) -> sqlite3.Connection:
    """Open the journal for writing, checked; JournalError says what is wrong."""
    problem = _problem(path)
    if problem is not None:
        raise JournalError(problem, operation="journal open")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        if not path.exists():
            # Owner-only from the first byte.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o600))
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    except OSError as exc:
        raise JournalError(
            f"não foi possível abrir {path}: {exc.strerror}", operation="journal open"
        ) from None
    except sqlite3.Error as exc:
        raise _error(path, exc) from None
    try:
        present = {
            str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        for table in WRITE_TABLES:
            if table not in present:
                continue
            row = conn.execute(f"PRAGMA quick_check({table})").fetchone()
            if row is None or row[0] != "ok":
                raise JournalError(
                    f"o diário {path} está corrompido (quick_check: {row[0] if row else '?'})",
                    operation="journal open",
                )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        # Proves it is writable now, not half-way through an action.
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        conn.close()
        raise _error(path, exc) from None
    except JournalError:
        conn.close()
        raise
    return conn


def mark(path: Path) -> None:
    """Record that this journal exists (after its schema is in place)."""
    marker = marker_of(path)
    if marker.exists():
        return
    try:
        fd = os.open(marker, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"journal {path.name} created {datetime.now(UTC).isoformat()}\n")
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise JournalError(
            f"não foi possível gravar {marker}: {exc.strerror}", operation="journal open"
        ) from None


def _error(path: Path, exc: sqlite3.Error) -> JournalError:
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        what = f"o diário {path} (ou a pasta dele) está somente leitura"
    elif "full" in text:
        what = f"o disco do diário {path} está cheio"
    elif "not a database" in text or "malformed" in text or "corrupt" in text:
        what = f"o diário {path} está corrompido ({exc})"
    elif "locked" in text or "busy" in text:
        what = f"o diário {path} está travado por outro processo há mais de 30 s"
    else:
        what = f"o diário {path} não pôde ser gravado ({exc})"
    return JournalError(what, operation="journal")


def error_from(path: Path, exc: sqlite3.Error) -> JournalError:
    """A write that failed, in the agent's words."""
    return _error(path, exc)


def check(path: Path) -> Health:
    """The journal's state for `cpe journal check` (reads only)."""
    problem = _problem(path)
    size = path.stat().st_size if path.exists() else 0
    if problem is not None:
        return Health(path, False, problem, size)
    if not path.exists():
        return Health(path, True, None, 0, 0, 0)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        return Health(path, False, _error(path, exc).pt(), size)
    try:
        row = conn.execute("PRAGMA quick_check").fetchone()
        if row is None or row[0] != "ok":
            return Health(path, False, f"quick_check: {row[0] if row else '?'}", size)
        actions = _count(conn, "SELECT COUNT(*) FROM actions")
        interrupted = _count(
            conn,
            "SELECT COUNT(*) FROM action_intents i WHERE NOT EXISTS "
            "(SELECT 1 FROM actions a WHERE a.action_id = i.id)",
        )
    except sqlite3.Error as exc:
        return Health(path, False, _error(path, exc).pt(), size)
    finally:
        conn.close()
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        return Health(path, False, f"o diário {path} está somente leitura", size, actions)
    return Health(path, True, None, size, actions, interrupted)


def _count(conn: sqlite3.Connection, sql: str) -> int | None:
    try:
        row = conn.execute(sql).fetchone()
    except sqlite3.OperationalError:  # an older journal without that table
        return None
    return int(row[0]) if row else None


def start_new(path: Path) -> Path | None:
    """Move the journal (and its WAL files and marker) aside; the next command starts a
    new one. Returns where it went (None when there was nothing to move)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.avariado-{stamp}")
    moved = None
    if path.exists():
        os.replace(path, aside)
        moved = aside
    for suffix in COMPANIONS:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.replace(companion, aside.with_name(aside.name + suffix))
    marker = marker_of(path)
    if marker.exists():
        os.replace(marker, aside.with_name(aside.name + MARKER_SUFFIX))
        moved = moved or aside
    return moved


# --- the admins' screen ---------------------------------------------------------------------

#: Tables whose latest `at` is the journal's last write (the admins' screen).
_TIMED_TABLES = ("run_events", "audit_results", "actions", "fix_results", "service_events")


def check_journal(path: Path) -> dict[str, Any]:
    """`check()` for the admins' screen, with size, last write and row counts:
    {"ok", "existe", "caminho", "tamanho_bytes", "wal_bytes", "modificado_em",
    "ultima_escrita", "verificacao", "contagens", "interrompidas", "mensagem"}.
    Read-only, like `check()`: looking never creates or replaces anything."""
    health = check(path)
    wal = path.with_name(path.name + "-wal")
    stamps = [p.stat().st_mtime for p in (path, wal) if p.exists()]
    out: dict[str, Any] = {
        "caminho": str(path),
        "existe": path.exists(),
        "tamanho_bytes": health.size,
        "wal_bytes": wal.stat().st_size if wal.exists() else 0,
        "modificado_em": (
            datetime.fromtimestamp(max(stamps), UTC).isoformat(timespec="seconds")
            if stamps
            else None
        ),
        "ultima_escrita": None,
        "verificacao": ["ok"] if health.sound else [health.problem or "?"],
        "contagens": {},
        "interrompidas": health.interrupted,
        "ok": health.sound and path.exists() and health.size > 0,
    }
    if not out["existe"]:
        out["mensagem"] = "O diário não existe (ainda não houve nenhuma gravação)."
        return out
    if not health.sound or health.size == 0:
        out["ok"] = False
        out["mensagem"] = (
            f"PROBLEMAS na verificação do diário: {health.problem or 'arquivo vazio'}. "
            "Rode `cpe journal check` no servidor: ele diz como guardar o arquivo avariado "
            "e começar um novo (nada é apagado)."
        )
        return out
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        tables = {
            str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        latest: list[str] = []
        for table in _TIMED_TABLES:
            if table in tables:
                row = conn.execute(f"SELECT COUNT(*), MAX(at) FROM {table}").fetchone()  # noqa: S608 - fixed names
                out["contagens"][table] = int(row[0])
                if row[1]:
                    latest.append(str(row[1]))
        out["ultima_escrita"] = max(latest) if latest else None
    finally:
        conn.close()
    out["mensagem"] = "Íntegro (PRAGMA quick_check: ok)."
    return out
