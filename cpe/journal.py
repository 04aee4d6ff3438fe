"""The journal: an append-only SQLite database in CPE_HOME.

It records every audit run (as events: started, resumed, interrupted, finished), every
per-device audit result, and every action on a device (who, when, what changed, before and
after with secrets masked). Rows are only ever inserted, so a run interrupted at any point
leaves a consistent journal that `cpe audit --resume` can continue from.

Callers pass only masked data; `mask()` is here so every writer masks the same way.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS run_events (
    run_id TEXT NOT NULL,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    operator TEXT,
    params TEXT
);
CREATE INDEX IF NOT EXISTS run_events_run ON run_events(run_id);
CREATE TABLE IF NOT EXISTS audit_results (
    run_id TEXT NOT NULL,
    login TEXT NOT NULL,
    at TEXT NOT NULL,
    model TEXT,
    verdict TEXT NOT NULL,
    drifts TEXT NOT NULL,
    detail TEXT NOT NULL,
    UNIQUE(run_id, login)
);
CREATE INDEX IF NOT EXISTS audit_results_login ON audit_results(login);
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    operator TEXT NOT NULL,
    login TEXT NOT NULL,
    device TEXT,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    changed TEXT NOT NULL,
    before TEXT,
    after TEXT,
    message TEXT
);
CREATE INDEX IF NOT EXISTS actions_login ON actions(login);
CREATE TABLE IF NOT EXISTS fix_results (
    run_id TEXT NOT NULL,
    login TEXT NOT NULL,
    at TEXT NOT NULL,
    dry_run INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    changed TEXT NOT NULL,
    reason TEXT,
    UNIQUE(run_id, login, dry_run)
);
"""

SECRET_KEYS = ("password", "passphrase", "senha", "psk", "key", "token", "secret")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@functools.lru_cache(maxsize=4096)
def _secret_key(key: str) -> bool:
    # Cached: a 10,000-device audit masks the same few dozen keys over and over.
    low = key.lower()
    return any(s in low for s in SECRET_KEYS)


def mask(value: Any) -> Any:
    """Mask every value whose key looks secret, recursively."""
    if isinstance(value, dict):
        return {k: ("***" if v and _secret_key(str(k)) else mask(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask(v) for v in value]
    return value


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            # Owner-only from the first byte.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        self._local = threading.local()
        with self._conn() as conn:
            conn.executescript(SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- runs -----------------------------------------------------------------------------

    def start_run(self, operator: str, params: dict[str, Any]) -> str:
        run_id = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        self.run_event(run_id, "started", operator, params)
        return run_id

    def run_event(
        self,
        run_id: str,
        event: str,
        operator: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        self._conn().execute(
            "INSERT INTO run_events(run_id, at, event, operator, params) VALUES (?,?,?,?,?)",
            (run_id, now_iso(), event, operator, json.dumps(mask(params)) if params else None),
        )

    def run_params(self, run_id: str) -> dict[str, Any] | None:
        row = (
            self._conn()
            .execute("SELECT params FROM run_events WHERE run_id=? AND event='started'", (run_id,))
            .fetchone()
        )
        if row is None:
            return None
        return json.loads(row["params"]) if row["params"] else {}

    def run_state(self, run_id: str) -> str | None:
        row = (
            self._conn()
            .execute(
                "SELECT event FROM run_events WHERE run_id=? ORDER BY rowid DESC LIMIT 1", (run_id,)
            )
            .fetchone()
        )
        return str(row["event"]) if row else None

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = (
            self._conn()
            .execute(
                "SELECT run_id, MIN(at) AS started, MAX(at) AS last, "
                "(SELECT event FROM run_events e2 WHERE e2.run_id = e.run_id "
                " ORDER BY rowid DESC LIMIT 1) AS state "
                "FROM run_events e GROUP BY run_id ORDER BY started DESC LIMIT ?",
                (limit,),
            )
            .fetchall()
        )
        return [dict(r) for r in rows]

    # -- audit results ----------------------------------------------------------------------

    def add_result(
        self,
        run_id: str,
        login: str,
        model: str | None,
        verdict: str,
        drifts: list[str],
        detail: dict[str, Any],
    ) -> None:
        self._conn().execute(
            "INSERT OR IGNORE INTO audit_results(run_id, login, at, model, verdict, drifts, detail)"
            " VALUES (?,?,?,?,?,?,?)",
            (
                run_id,
                login,
                now_iso(),
                model,
                verdict,
                json.dumps(drifts),
                json.dumps(mask(detail)),
            ),
        )

    def add_results(
        self,
        run_id: str,
        rows: list[tuple[str, str | None, str, list[str], dict[str, Any]]],
    ) -> None:
        """Several (login, model, verdict, drifts, detail) in one transaction: a batch
        writes each result within a fraction of a second, at a fraction of the cost."""
        if not rows:
            return
        at = now_iso()
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            conn.executemany(
                "INSERT OR IGNORE INTO audit_results"
                "(run_id, login, at, model, verdict, drifts, detail) VALUES (?,?,?,?,?,?,?)",
                [
                    (run_id, lo, at, mo, ve, json.dumps(dr), json.dumps(mask(de)))
                    for lo, mo, ve, dr, de in rows
                ],
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def done_logins(self, run_id: str) -> set[str]:
        rows = (
            self._conn()
            .execute("SELECT login FROM audit_results WHERE run_id=?", (run_id,))
            .fetchall()
        )
        return {str(r["login"]) for r in rows}

    def results(self, run_id: str) -> Iterator[dict[str, Any]]:
        cur = self._conn().execute(
            "SELECT login, model, verdict, drifts, detail, at FROM audit_results "
            "WHERE run_id=? ORDER BY login",
            (run_id,),
        )
        for row in cur:
            yield {
                "login": row["login"],
                "model": row["model"],
                "verdict": row["verdict"],
                "drifts": json.loads(row["drifts"]),
                "detail": json.loads(row["detail"]),
                "at": row["at"],
            }

    def results_raw(self, run_id: str) -> Iterator[tuple[str, str | None, str, str, str, str]]:
        """(login, model, verdict, drifts JSON, detail JSON, at) ordered by login, without
        decoding: a 10,000-device JSON report splices the stored text as it is."""
        cur = self._conn().execute(
            "SELECT login, model, verdict, drifts, detail, at FROM audit_results "
            "WHERE run_id=? ORDER BY login",
            (run_id,),
        )
        for row in cur:
            yield (
                row["login"],
                row["model"],
                row["verdict"],
                row["drifts"],
                row["detail"],
                row["at"],
            )

    def verdict_counts(self, run_id: str) -> dict[str, int]:
        rows = (
            self._conn()
            .execute(
                "SELECT verdict, COUNT(*) AS n FROM audit_results WHERE run_id=? GROUP BY verdict",
                (run_id,),
            )
            .fetchall()
        )
        return {str(r["verdict"]): int(r["n"]) for r in rows}

    # -- bulk fixes (`cpe audit --fix`) ------------------------------------------------------

    def add_fix_result(
        self,
        run_id: str,
        login: str,
        *,
        dry_run: bool,
        outcome: str,
        changed: list[str],
        reason: str | None = None,
    ) -> None:
        """One device's fix outcome (fixed, failed, skipped, would_fix) within a run."""
        self._conn().execute(
            "INSERT OR IGNORE INTO fix_results(run_id, login, at, dry_run, outcome, changed,"
            " reason) VALUES (?,?,?,?,?,?,?)",
            (run_id, login, now_iso(), int(dry_run), outcome, json.dumps(changed), reason),
        )

    def fix_results(self, run_id: str, *, dry_run: bool) -> Iterator[dict[str, Any]]:
        cur = self._conn().execute(
            "SELECT login, outcome, changed, reason, at FROM fix_results "
            "WHERE run_id=? AND dry_run=? ORDER BY login",
            (run_id, int(dry_run)),
        )
        for row in cur:
            yield {
                "login": row["login"],
                "outcome": row["outcome"],
                "changed": json.loads(row["changed"]),
                "reason": row["reason"],
                "at": row["at"],
            }

    def fix_counts(self, run_id: str, *, dry_run: bool) -> dict[str, int]:
        rows = (
            self._conn()
            .execute(
                "SELECT outcome, COUNT(*) AS n FROM fix_results WHERE run_id=? AND dry_run=? "
                "GROUP BY outcome",
                (run_id, int(dry_run)),
            )
            .fetchall()
        )
        return {str(r["outcome"]): int(r["n"]) for r in rows}

    # -- actions ---------------------------------------------------------------------------

    def record_action(
        self,
        *,
        operator: str,
        login: str,
        device: str | None,
        action: str,
        outcome: str,
        changed: list[str],
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        message: str | None = None,
    ) -> int:
        cur = self._conn().execute(
            "INSERT INTO actions(at, operator, login, device, action, outcome, changed, before,"
            " after, message) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                now_iso(),
                operator,
                login,
                device,
                action,
                outcome,
                json.dumps(changed),
                json.dumps(mask(before)) if before is not None else None,
                json.dumps(mask(after)) if after is not None else None,
                message,
            ),
        )
        return int(cur.lastrowid or 0)

    def history(self, login: str, limit: int = 50) -> list[dict[str, Any]]:
        """One device's timeline: actions and audit results, newest first."""
        conn = self._conn()
        acts = conn.execute(
            "SELECT at, operator, action, outcome, changed, message FROM actions WHERE login=? "
            "ORDER BY id DESC LIMIT ?",
            (login, limit),
        ).fetchall()
        audits = conn.execute(
            "SELECT at, run_id, verdict, drifts FROM audit_results WHERE login=? "
            "ORDER BY at DESC LIMIT ?",
            (login, limit),
        ).fetchall()
        items: list[dict[str, Any]] = [
            {
                "at": r["at"],
                "kind": "action",
                "operator": r["operator"],
                "action": r["action"],
                "outcome": r["outcome"],
                "changed": json.loads(r["changed"]),
                "message": r["message"],
            }
            for r in acts
        ]
        items += [
            {
                "at": r["at"],
                "kind": "audit",
                "run_id": r["run_id"],
                "verdict": r["verdict"],
                "drifts": json.loads(r["drifts"]),
            }
            for r in audits
        ]
        items.sort(key=lambda i: str(i["at"]), reverse=True)
        return items[:limit]

    # -- read-only queries for comparisons and the technicians' screens ---------------------
    # (appended, read-only: cpe.audit_compare and cpe.service.tech use them)

    def completed_runs(self) -> list[dict[str, Any]]:
        """Runs with a `finished` event, newest start first: run_id, the rowid and time of
        their start (rowid orders two runs started in the same second), their params and
        when they finished."""
        rows = (
            self._conn()
            .execute(
                "SELECT s.run_id, s.rowid AS seq, s.at AS started, s.params, "
                "(SELECT MIN(f.at) FROM run_events f WHERE f.run_id = s.run_id "
                " AND f.event = 'finished') AS finished "
                "FROM run_events s WHERE s.event = 'started' AND EXISTS "
                "(SELECT 1 FROM run_events f WHERE f.run_id = s.run_id AND f.event = 'finished') "
                "ORDER BY s.rowid DESC"
            )
            .fetchall()
        )
        return [
            {
                "run_id": r["run_id"],
                "seq": int(r["seq"]),
                "started": r["started"],
                "finished": r["finished"],
                "params": json.loads(r["params"]) if r["params"] else {},
            }
            for r in rows
        ]

    def run_start_seq(self, run_id: str) -> int | None:
        row = (
            self._conn()
            .execute(
                "SELECT rowid FROM run_events WHERE run_id=? AND event='started' "
                "ORDER BY rowid LIMIT 1",
                (run_id,),
            )
            .fetchone()
        )
        return int(row[0]) if row else None

    def run_events_of(self, run_id: str) -> list[dict[str, Any]]:
        """Every event of a run, oldest first."""
        rows = (
            self._conn()
            .execute(
                "SELECT at, event, operator, params FROM run_events WHERE run_id=? ORDER BY rowid",
                (run_id,),
            )
            .fetchall()
        )
        return [
            {
                "at": r["at"],
                "event": r["event"],
                "operator": r["operator"],
                "params": json.loads(r["params"]) if r["params"] else {},
            }
            for r in rows
        ]

    def result_progress(self, run_id: str) -> tuple[int, str | None]:
        """(results so far, time of the latest one): a run's live progress."""
        row = (
            self._conn()
            .execute("SELECT COUNT(*), MAX(at) FROM audit_results WHERE run_id=?", (run_id,))
            .fetchone()
        )
        return int(row[0]), row[1]

    def audit_results_for(self, login: str, limit: int = 50) -> list[dict[str, Any]]:
        """One device's audit results with their detail, newest first."""
        rows = (
            self._conn()
            .execute(
                "SELECT run_id, at, model, verdict, drifts, detail FROM audit_results "
                "WHERE login=? ORDER BY at DESC, rowid DESC LIMIT ?",
                (login, limit),
            )
            .fetchall()
        )
        return [
            {
                "run_id": r["run_id"],
                "at": r["at"],
                "model": r["model"],
                "verdict": r["verdict"],
                "drifts": json.loads(r["drifts"]),
                "detail": json.loads(r["detail"]),
            }
            for r in rows
        ]
