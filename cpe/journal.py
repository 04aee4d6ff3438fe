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

This module holds the schema and the connection (opening, upgrading, durable writes);
the rows are read and written by its mixins: cpe.journal_runs (run events),
cpe.journal_actions (device writes and a device's timeline), cpe.journal_audit
(per-device results and fix outcomes).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cpe import journal_health
from cpe.journal_actions import ActionRows
from cpe.journal_audit import AuditRows
from cpe.journal_mask import SECRET_KEYS, mask, now_iso
from cpe.journal_runs import RunRows

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


class Journal(RunRows, ActionRows, AuditRows):
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
