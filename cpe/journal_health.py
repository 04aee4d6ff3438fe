"""The journal's health for the admins' screen: size, last write, `PRAGMA quick_check`.

Read-only: the database is opened with `mode=ro`, so looking never writes, never creates
a missing file, and never replaces a damaged one. `check_journal` is the one entry
point the service calls; when `cpe journal check` (issue 13) is merged, make this
function call its check and keep the returned keys.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: quick_check stops after this many problems (the screen needs the first few).
MAX_PROBLEMS = 20
#: Tables whose latest `at` is the journal's last write.
_TIMED_TABLES = ("run_events", "audit_results", "actions", "fix_results", "service_events")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def check_journal(path: Path) -> dict[str, Any]:
    """{"ok", "existe", "tamanho_bytes", "wal_bytes", "modificado_em", "ultima_escrita",
    "verificacao" ("ok" or the problems found), "contagens", "mensagem"}."""
    wal = path.with_name(path.name + "-wal")
    stamps = [t for t in (_mtime(path), _mtime(wal)) if t is not None]
    out: dict[str, Any] = {
        "caminho": str(path),
        "existe": path.exists(),
        "tamanho_bytes": _size(path),
        "wal_bytes": _size(wal),
        "modificado_em": (
            datetime.fromtimestamp(max(stamps), UTC).isoformat(timespec="seconds")
            if stamps
            else None
        ),
        "ultima_escrita": None,
        "verificacao": [],
        "contagens": {},
        "ok": False,
        "mensagem": "",
    }
    if not out["existe"]:
        out["mensagem"] = "O diário não existe (ainda não houve nenhuma gravação)."
        return out
    if out["tamanho_bytes"] == 0:
        out["mensagem"] = (
            "O diário está vazio (0 bytes): se ele já teve registros, está corrompido. "
            "Faça uma cópia do arquivo antes de qualquer outra ação."
        )
        return out
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error as exc:
        out["mensagem"] = f"Não foi possível abrir o diário: {type(exc).__name__}."
        return out
    try:
        problems = [
            str(row[0]) for row in conn.execute(f"PRAGMA quick_check({MAX_PROBLEMS})")
        ]
        out["verificacao"] = problems
        out["ok"] = problems == ["ok"]
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
    except sqlite3.DatabaseError as exc:
        out["ok"] = False
        out["verificacao"] = out["verificacao"] or [type(exc).__name__]
    finally:
        conn.close()
    out["mensagem"] = (
        "Íntegro (PRAGMA quick_check: ok)."
        if out["ok"]
        else "PROBLEMAS na verificação do diário: faça uma cópia do arquivo (com o -wal) e "
        "comece um diário novo; nada deve ser apagado."
    )
    return out
