"""The journal's audit rows: per-device audit results and bulk-fix outcomes of a run, a
run's live progress and one device's results (a mixin of cpe.journal.Journal, which owns
the connection)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from cpe.journal_mask import mask, now_iso


class AuditRows:
    def _conn(self) -> sqlite3.Connection:
        raise NotImplementedError

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
