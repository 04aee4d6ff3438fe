"""The technicians' desk behind /api/tec: audit runs, their progress, comparisons, one
device's timeline, and the bulk fix of a finished run (dry run first, then a confirmed
fix), all read from the journal.

The journal is the source of truth for progress: a run started here, from the CLI, or on
a worker elsewhere shows the same way (results counted as they land). Starting audits
stays with `Backend.start_audit` (which may hand the run to workers); only fixes of a
finished run are run here, in a thread, through `cpe.audit_fix.fix_run`.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cpe.audit import VERDICTS
from cpe.audit_compare import compare_finished, scope_of, since_previous
from cpe.audit_fix import FIX_OUTCOMES, FixJob, fix_run, plan_for
from cpe.audit_words import drifts_pt, optical_pt, scope_pt, verdict_pt
from cpe.errors import CpeError
from cpe.journal import Journal
from cpe.service.auth import ApiError

if TYPE_CHECKING:
    from cpe.service.backend import Backend

log = logging.getLogger("cpe.service")

#: A run with no new result for this long is shown as possibly stalled.
STALLED_S = 300.0
NOT_FOUND_PT = "Auditoria {run} não encontrada no diário."
NOT_FINISHED_PT = "A auditoria {run} não terminou: só se corrige uma auditoria concluída."
FIX_RUNNING_PT = "Uma correção desta auditoria já está em andamento."
CONFIRM_PT = (
    "Confirmação não confere: {n} cliente(s) perdem a conexão por alguns instantes com a "
    "correção do PPPoE. Confirme esse número para aplicar."
)


def audit_state(events: list[dict[str, Any]]) -> str:
    """running | finished | interrupted, from a run's events (fix events ignored)."""
    state = "running"
    for event in events:
        name = event["event"]
        if name == "finished":
            state = "finished"
        elif name == "interrupted":
            state = "interrupted"
        elif name == "resumed":
            state = "running"
    return state


def fix_state(events: list[dict[str, Any]], dry_run: bool) -> str | None:
    """None (never), running, finished or interrupted for the run's fix (or dry run)."""
    state = None
    for event in events:
        if not event["event"].startswith("fix_"):
            continue
        if bool((event.get("params") or {}).get("dry_run")) != dry_run:
            continue
        state = {
            "fix_started": "running",
            "fix_finished": "finished",
            "fix_interrupted": "interrupted",
        }.get(event["event"], state)
    return state


def _elapsed_s(since: str | None) -> float | None:
    if not since:
        return None
    try:
        return (datetime.now(UTC) - datetime.fromisoformat(since)).total_seconds()
    except ValueError:
        return None


class TechDesk:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._lock = threading.Lock()
        self._fixes: dict[tuple[str, bool], threading.Thread] = {}
        #: Expected device count per running run (None: unknown), computed once.
        self._expected: dict[str, int | None] = {}

    @property
    def journal(self) -> Journal:
        return self.backend.shared.journal

    # -- runs -------------------------------------------------------------------------------

    def require_run(self, run_id: str) -> list[dict[str, Any]]:
        events = self.journal.run_events_of(run_id)
        if not events:
            raise ApiError(404, "not_found", NOT_FOUND_PT.format(run=run_id))
        return events

    def _run_summary(self, run_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        journal = self.journal
        state = audit_state(events)
        scope = scope_of(events[0]["params"] if events[0]["event"] == "started" else {})
        raw = journal.verdict_counts(run_id)
        counts = {v: raw.get(v, 0) for v in VERDICTS} | {
            k: n for k, n in raw.items() if k not in VERDICTS
        }
        done = sum(raw.values())
        ended = next(
            (e["at"] for e in reversed(events) if e["event"] in ("finished", "interrupted")),
            None,
        )
        return {
            "run_id": run_id,
            "estado": state,
            "iniciada_em": events[0]["at"],
            "terminada_em": ended if state != "running" else None,
            "operador": events[0].get("operator"),
            "escopo": scope,
            "escopo_pt": scope_pt(scope),
            "contagens": counts,
            "feitos": done,
        }

    def runs(self, limit: int) -> list[dict[str, Any]]:
        out = []
        for run in self.journal.runs(limit=max(1, min(limit, 200))):
            events = self.journal.run_events_of(run["run_id"])
            if events:
                out.append(self._run_summary(run["run_id"], events))
        return out

    def run(self, run_id: str) -> dict[str, Any]:
        events = self.require_run(run_id)
        data = self._run_summary(run_id, events)
        done, last_at = self.journal.result_progress(run_id)
        state = data["estado"]
        expected = done if state == "finished" else self._expected_total(run_id, data["escopo"])
        idle = _elapsed_s(last_at or data["iniciada_em"])
        data["andamento"] = {
            "feitos": done,
            "esperados": max(expected, done) if expected is not None else None,
            "estimado": state != "finished",
            "ultimo_resultado_em": last_at,
            "parada": state == "running" and idle is not None and idle > STALLED_S,
        }
        previous = since_previous(self.journal, run_id) if state == "finished" else None
        data["desde_anterior"] = (
            previous.as_dict() | {"resumo": previous.summary_pt()} if previous else None
        )
        data["correcao"] = {
            "simulacao": self._fix_progress(run_id, events, dry_run=True),
            "aplicada": self._fix_progress(run_id, events, dry_run=False),
        }
        return data

    def _expected_total(self, run_id: str, scope: dict[str, Any]) -> int | None:
        """How many devices a running run will have: the logins file's length, the last
        completed run of the same scope, or the inventory's count for the whole fleet."""
        if run_id in self._expected:
            return self._expected[run_id]
        guess: int | None = None
        if scope.get("logins") is not None:
            guess = len(scope["logins"])
        else:
            seq = self.journal.run_start_seq(run_id) or 0
            for run in self.journal.completed_runs():
                if run["seq"] < seq and scope_of(run["params"]) == scope:
                    guess = sum(self.journal.verdict_counts(run["run_id"]).values())
                    break
            if guess is None and not any(scope.get(k) for k in ("model", "login_glob", "statuses")):
                guess = self._inventory_count()
        self._expected[run_id] = guess
        return guess

    def _inventory_count(self) -> int | None:
        try:
            count = getattr(self.backend.shared.inventory(), "count_hint", None)
            return int(count()) if count is not None else None
        except CpeError as exc:
            log.info("tec: no inventory count (%s)", type(exc).__name__)
            return None

    # -- comparisons and one device ---------------------------------------------------------

    def compare(self, run_a: str, run_b: str) -> dict[str, Any]:
        result = compare_finished(self.journal, run_a, run_b)
        return result.as_dict() | {"resumo": result.summary_pt()}

    def device(self, login: str, limit: int) -> dict[str, Any]:
        limit = max(1, min(limit, 200))
        audits = []
        for r in self.journal.audit_results_for(login, limit):
            detail = r["detail"] or {}
            optical = detail.get("optical") or {}
            error = detail.get("error") or {}
            notes = [str(error["mensagem"])] if error.get("mensagem") else []
            notes += [str(d) for d in detail.get("drift_detail") or [] if d]
            audits.append(
                {
                    "at": r["at"],
                    "run_id": r["run_id"],
                    "veredito": r["verdict"],
                    "veredito_pt": verdict_pt(r["verdict"]),
                    "divergencias": r["drifts"],
                    "divergencias_pt": drifts_pt(r["drifts"]),
                    "rx_dbm": optical.get("rx_dbm"),
                    "sinal_pt": optical_pt(optical.get("verdict")),
                    "detalhe": "; ".join(notes),
                }
            )
        actions = [
            e for e in self.journal.history(login, limit=limit) if e.get("kind") == "action"
        ]
        return {"login": login, "auditorias": audits, "acoes": actions}

    # -- bulk fix ---------------------------------------------------------------------------

    def _require_finished(self, run_id: str) -> list[dict[str, Any]]:
        events = self.require_run(run_id)
        if audit_state(events) != "finished":
            raise ApiError(409, "refused", NOT_FINISHED_PT.format(run=run_id))
        return events

    def fix_plan(self, run_id: str) -> dict[str, Any]:
        """What `--fix` would do to this run's drifted devices, before any device is
        contacted: who is fixed and how, who is skipped and why, and who loses the
        connection for a moment (a PPPoE write restarts the WAN)."""
        events = self._require_finished(run_id)
        fix: list[dict[str, Any]] = []
        skipped: list[dict[str, Any]] = []
        for row in self.journal.results(run_id):
            if row["verdict"] != "drift":
                continue
            planned = plan_for(row)
            if isinstance(planned, FixJob):
                wants = [k for k, on in planned.wants.items() if on]
                fix.append(
                    {
                        "login": planned.login,
                        "divergencias": list(planned.drifts),
                        "divergencias_pt": drifts_pt(planned.drifts),
                        "aplica": wants,
                        "perde_conexao": planned.wants["pppoe"],
                    }
                )
            else:
                skipped.append({"login": planned.login, "motivo": planned.reason})
        losing = [f["login"] for f in fix if f["perde_conexao"]]
        return {
            "run_id": run_id,
            "corrigir": fix,
            "pulados": skipped,
            "perdem_conexao": losing,
            "total_perdem_conexao": len(losing),
            "simulacao": self._fix_progress(run_id, events, dry_run=True),
            "aplicada": self._fix_progress(run_id, events, dry_run=False),
        }

    def _fix_progress(
        self, run_id: str, events: list[dict[str, Any]], *, dry_run: bool
    ) -> dict[str, Any]:
        state = fix_state(events, dry_run)
        with self._lock:
            thread = self._fixes.get((run_id, dry_run))
            if thread is not None and thread.is_alive():
                state = "running"
        results = list(self.journal.fix_results(run_id, dry_run=dry_run))
        counts = Counter(r["outcome"] for r in results)
        drifted = self.journal.verdict_counts(run_id).get("drift", 0)
        return {
            "estado": state,
            "feitos": len(results),
            "total": drifted,
            "contagens": {o: counts.get(o, 0) for o in FIX_OUTCOMES},
            "resultados": [
                {
                    "login": r["login"],
                    "resultado": r["outcome"],
                    "alterado": r["changed"],
                    "alterado_pt": drifts_pt(r["changed"]),
                    "motivo": r["reason"],
                    "at": r["at"],
                }
                for r in results
            ],
        }

    def start_fix(
        self, user: str, run_id: str, *, dry_run: bool, confirm_losing: int | None
    ) -> dict[str, Any]:
        events = self._require_finished(run_id)
        if not dry_run:
            losing = self.fix_plan(run_id)["total_perdem_conexao"]
            if confirm_losing != losing:
                raise ApiError(409, "confirm", CONFIRM_PT.format(n=losing))
        with self._lock:
            ours = any(t.is_alive() for (r, _d), t in self._fixes.items() if r == run_id)
            if ours or self._fixing_elsewhere(run_id, events):
                raise ApiError(409, "busy", FIX_RUNNING_PT)
            ctx = self.backend.context(user)

            def work() -> None:
                try:
                    fix_run(ctx, run_id, dry_run=dry_run)
                except Exception:  # the journal shows how far it got
                    log.exception("fix of run %s failed", run_id)

            thread = threading.Thread(target=work, name=f"fix-{run_id}", daemon=True)
            self._fixes[(run_id, dry_run)] = thread
            thread.start()
        return {"run_id": run_id, "simulacao": dry_run, "estado": "started"}


    def _fixing_elsewhere(self, run_id: str, events: list[dict[str, Any]]) -> bool:
        """A fix of this run under way in another process (`cpe audit --fix`): started
        and not ended, with activity in the last STALLED_S (a process that died mid-fix
        leaves a started fix that must not block the next one for ever)."""
        started = [
            e["at"]
            for d in (True, False)
            if fix_state(events, d) == "running"
            for e in events
            if e["event"] == "fix_started"
        ]
        if not started:
            return False
        stamps = started + [
            r["at"] for d in (True, False) for r in self.journal.fix_results(run_id, dry_run=d)
        ]
        idle = _elapsed_s(max(stamps))
        return idle is not None and idle < STALLED_S
