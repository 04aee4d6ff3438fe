"""The journal's run rows: the events of every audit run (started, resumed, interrupted,
finished) with its masked parameters, and the queries over them that `--resume`, run
comparisons and the technicians' screens use (a mixin of cpe.journal.Journal, which owns
the connection)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any

from cpe.journal_mask import mask, now_iso


class RunRows:
    def _conn(self) -> sqlite3.Connection:
        raise NotImplementedError

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
