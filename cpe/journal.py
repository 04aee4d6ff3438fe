"""The journal: an append-only SQLite database in CPE_HOME.

It records every audit run (as events: started, resumed, interrupted, finished), every
per-device audit result, and every action on a device (who, from which OS user and host,
when, what was planned, what changed, before and after with secrets masked). Rows are
only ever inserted, so a run interrupted at any point leaves a consistent journal that
`cpe audit --resume` can continue from.

Writes to a device are journaled FIRST: `begin_action` commits what is about to change
before the first write, `action_step` appends what is being written and what the device
accepted, and the closing `record_action` row says how it ended. A process killed at any
moment leaves an intent without its closing row; `cpe.reconcile` finds it, and the next
read of the device says what actually landed. The journal is checked on open
(cpe.journal_health): a corrupt, vanished or read-only journal is an error, never
silently replaced, and without a journal no device is written.

Callers pass only masked data; `mask()` is here so every writer masks the same way.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cpe import journal_health
from cpe.journal_audit import AuditRows
from cpe.journal_mask import SECRET_KEYS, mask, now_iso

__all__ = ["SECRET_KEYS", "Journal", "mask", "now_iso"]

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
CREATE TABLE IF NOT EXISTS action_intents (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    operator TEXT NOT NULL,
    origin TEXT,
    pid INTEGER,
    login TEXT NOT NULL,
    device TEXT,
    action TEXT NOT NULL,
    planned TEXT NOT NULL,
    before TEXT
);
CREATE INDEX IF NOT EXISTS action_intents_login ON action_intents(login);
CREATE TABLE IF NOT EXISTS action_steps (
    action_id TEXT NOT NULL,
    at TEXT NOT NULL,
    step TEXT NOT NULL,
    items TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS action_steps_action ON action_steps(action_id);
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

#: Columns added to `actions` after the first release (older journals get them on open).
ACTION_COLUMNS = {"origin": "TEXT", "action_id": "TEXT", "planned": "TEXT"}

class Journal(AuditRows):
    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        conn = journal_health.connect(path)
        conn.row_factory = sqlite3.Row
        try:
            conn.executescript(SCHEMA)
            have = {r["name"] for r in conn.execute("PRAGMA table_info(actions)")}
            for name, kind in ACTION_COLUMNS.items():
                if name not in have:
                    conn.execute(f"ALTER TABLE actions ADD COLUMN {name} {kind}")
            conn.execute("CREATE INDEX IF NOT EXISTS actions_action_id ON actions(action_id)")
        except sqlite3.Error as exc:
            conn.close()
            raise journal_health.error_from(path, exc) from None
        journal_health.mark(path)
        self._local.conn = conn

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    @contextmanager
    def _durable(self) -> Iterator[sqlite3.Connection]:
        """A write that must survive a crash of the machine, not only of the process (the
        record of a device write), turned into JournalError when it cannot be made."""
        conn = self._conn()
        try:
            conn.execute("PRAGMA synchronous=FULL")
            try:
                yield conn
            finally:
                conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as exc:
            raise journal_health.error_from(self.path, exc) from None

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

    # -- actions ---------------------------------------------------------------------------

    def begin_action(
        self,
        *,
        operator: str,
        origin: str | None,
        login: str,
        device: str | None,
        action: str,
        planned: list[str],
        before: dict[str, Any] | None = None,
    ) -> str:
        """Commit what is about to be written, before the first write; returns the id the
        steps and the closing row carry. Raises JournalError: then write nothing."""
        action_id = uuid.uuid4().hex
        with self._durable() as conn:
            conn.execute(
                "INSERT INTO action_intents(id, at, operator, origin, pid, login, device, action,"
                " planned, before) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    action_id,
                    now_iso(),
                    operator,
                    origin,
                    os.getpid(),
                    login,
                    device,
                    action,
                    json.dumps(planned),
                    json.dumps(mask(before)) if before is not None else None,
                ),
            )
        return action_id

    def action_step(self, action_id: str, step: str, items: list[str]) -> None:
        """Append one step: `writing` before a device write (it may land even if the call
        fails), `written` once the device accepted it, `restored`, ... Raises JournalError."""
        with self._durable() as conn:
            conn.execute(
                "INSERT INTO action_steps(action_id, at, step, items) VALUES (?,?,?,?)",
                (action_id, now_iso(), step, json.dumps(items)),
            )

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
        origin: str | None = None,
        action_id: str | None = None,
        planned: list[str] | None = None,
    ) -> int:
        """The closing row of an action (with `action_id`, it closes that intent)."""
        with self._durable() as conn:
            cur = conn.execute(
                "INSERT INTO actions(at, operator, login, device, action, outcome, changed,"
                " before, after, message, origin, action_id, planned)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
                    origin,
                    action_id,
                    json.dumps(planned) if planned is not None else None,
                ),
            )
        return int(cur.lastrowid or 0)

    def unfinished_actions(self, login: str | None = None) -> list[dict[str, Any]]:
        """Intents without a closing row (a process killed mid-action, or one running
        now), oldest first, each with its steps."""
        conn = self._conn()
        where = "WHERE NOT EXISTS (SELECT 1 FROM actions a WHERE a.action_id = i.id)"
        args: tuple[Any, ...] = ()
        if login is not None:
            where += " AND i.login = ?"
            args = (login,)
        sql = "SELECT id, at, operator, origin, pid, login, device, action, planned FROM "
        sql += f"action_intents i {where} ORDER BY at, rowid"
        rows = conn.execute(sql, args).fetchall()
        out = []
        for r in rows:
            steps = conn.execute(
                "SELECT at, step, items FROM action_steps WHERE action_id=? ORDER BY rowid",
                (r["id"],),
            ).fetchall()
            out.append(
                {
                    "id": r["id"],
                    "at": r["at"],
                    "operator": r["operator"],
                    "origin": r["origin"],
                    "pid": r["pid"],
                    "login": r["login"],
                    "device": r["device"],
                    "action": r["action"],
                    "planned": json.loads(r["planned"]),
                    "steps": [
                        {"at": st["at"], "step": st["step"], "items": json.loads(st["items"])}
                        for st in steps
                    ],
                }
            )
        return out

    def history(self, login: str, limit: int = 50) -> list[dict[str, Any]]:
        """One device's timeline: actions (an unfinished one as `interrupted`, until a
        read of the device closes it) and audit results, newest first."""
        conn = self._conn()
        acts = conn.execute(
            "SELECT at, operator, origin, action, outcome, changed, planned, message "
            "FROM actions WHERE login=? ORDER BY id DESC LIMIT ?",
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
                "origin": r["origin"],
                "action": r["action"],
                "outcome": r["outcome"],
                "changed": json.loads(r["changed"]),
                "planned": json.loads(r["planned"]) if r["planned"] else None,
                "message": r["message"],
            }
            for r in acts
        ]
        from cpe.reconcile import pending_item  # late: reconcile imports the journal

        items += [pending_item(u) for u in self.unfinished_actions(login)]
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
