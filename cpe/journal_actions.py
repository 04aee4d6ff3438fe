"""The journal's action rows: every write to a device, journaled first (the intent before
the first write, each step, the closing row), the unfinished intents cpe.reconcile
looks for, and one device's timeline (a mixin of cpe.journal.Journal, which owns the
connection and makes these writes durable)."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from contextlib import AbstractContextManager
from typing import Any

from cpe.journal_mask import mask, now_iso


class ActionRows:
    def _conn(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _durable(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

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
