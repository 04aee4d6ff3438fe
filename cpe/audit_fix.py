"""`cpe audit --fix [--dry-run]`: reconfigure the drifted devices of an audit run.

Each device goes through `cpe.actions.reconfigure` (read, apply only what differs, PPPoE
last, read back, restore what the read-back does not confirm), with its own concurrency
limit (Settings.fix_concurrency: a PPPoE change restarts the WAN, so fixes are slower and
heavier than reads). Skipped, with the reason: contracts the runbook says not to touch
(blocked, deactivated) and drift that no remote change can fix (weak optical signal).
Outcomes go to the journal (fix_results, plus one `actions` row per device written by
reconfigure), so the report shows them and a resumed run does not fix a device twice.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from cpe import actions
from cpe import drift as drift_mod
from cpe.batch import Batch
from cpe.context import Context
from cpe.errors import CpeError, PolicyRefused, Unsupported
from cpe.vocab import CONTRACT_STATE_PT

if TYPE_CHECKING:
    from cpe.scale.remote import RemoteBatch

log = logging.getLogger("cpe.audit")

FIXED, FAILED, SKIPPED, WOULD_FIX = "fixed", "failed", "skipped", "would_fix"
FIX_OUTCOMES = (FIXED, WOULD_FIX, FAILED, SKIPPED)
FIXABLE = (drift_mod.PPPOE, drift_mod.DNS, drift_mod.SSID, drift_mod.WIFI_KEY)

OPTICAL_ONLY_PT = (
    "Só há divergência de sinal óptico: não se corrige remotamente (fibra, conector ou "
    "splitter); abra uma O.S. para o N3."
)
BLOCKED_PT = "Contrato {state} no IXC: o roteiro manda não mexer no equipamento."
TIMEOUT_PT = "A correção não terminou no tempo total; confira com `cpe status`."


@dataclass(frozen=True)
class FixJob:
    login: str
    drifts: tuple[str, ...]

    @property
    def wants(self) -> dict[str, bool]:
        d = set(self.drifts)
        return {
            "pppoe": drift_mod.PPPOE in d,
            "dns": drift_mod.DNS in d,
            "wifi": bool(d & {drift_mod.SSID, drift_mod.WIFI_KEY}),
        }


@dataclass(frozen=True)
class FixResult:
    login: str
    outcome: str
    changed: list[str] = field(default_factory=list)
    reason: str | None = None


class FixObserver(Protocol):
    def fix_started(self, total_hint: int | None) -> None: ...

    def fix_total(self, total: int, final: bool) -> None: ...

    def fix_done(self, result: FixResult, counts: Counter[str]) -> None: ...


class _NullFixObserver:
    def fix_started(self, total_hint: int | None) -> None:
        pass

    def fix_total(self, total: int, final: bool) -> None:
        pass

    def fix_done(self, result: FixResult, counts: Counter[str]) -> None:
        pass


def plan_for(row: dict[str, Any]) -> FixJob | FixResult:
    """What to do with one audit result whose verdict is drift."""
    login = str(row["login"])
    contract = (row.get("detail") or {}).get("contract") or {}
    if contract and contract.get("allowed") is False:
        state = contract.get("state") or "bloqueado"
        return FixResult(
            login, SKIPPED, reason=BLOCKED_PT.format(state=CONTRACT_STATE_PT.get(state, state))
        )
    fixable = tuple(d for d in row.get("drifts") or [] if d in FIXABLE)
    if not fixable:
        return FixResult(login, SKIPPED, reason=OPTICAL_ONLY_PT)
    return FixJob(login, fixable)


def fix_one(ctx: Context, job: FixJob, *, dry_run: bool) -> FixResult:
    try:
        w = job.wants
        res = actions.reconfigure(
            ctx, job.login, pppoe=w["pppoe"], dns=w["dns"], wifi=w["wifi"], dry_run=dry_run
        )
    except actions.ReconfigureFailed as exc:
        return FixResult(job.login, FAILED, exc.result.changed, exc.pt())
    except PolicyRefused as exc:  # the contract changed since the audit
        return FixResult(job.login, SKIPPED, [], exc.pt())
    except Unsupported as exc:  # bridge mode, no key in IXC, no driver
        return FixResult(job.login, SKIPPED, [], exc.pt())
    except CpeError as exc:
        return FixResult(job.login, FAILED, [], exc.pt())
    note = OPTICAL_ONLY_PT if drift_mod.OPTICAL in job.drifts else None
    if not res.changed:
        return FixResult(job.login, SKIPPED, [], "Já estava conforme o IXC na releitura.")
    if dry_run:
        return FixResult(job.login, WOULD_FIX, res.changed, note)
    return FixResult(job.login, FIXED if res.verified else FAILED, res.changed, note)


@dataclass
class FixOutcome:
    run_id: str
    dry_run: bool
    counts: Counter[str]
    interrupted: bool = False


def fix_run(
    ctx: Context,
    run_id: str,
    *,
    dry_run: bool,
    concurrency: int | None = None,
    observer: FixObserver | None = None,
    stop: threading.Event | None = None,
    abort: threading.Event | None = None,
    engine: str = "local",
) -> FixOutcome:
    journal = ctx.journal
    obs: FixObserver = observer or _NullFixObserver()
    already = {r["login"] for r in journal.fix_results(run_id, dry_run=dry_run)}
    counts: Counter[str] = Counter(journal.fix_counts(run_id, dry_run=dry_run))
    journal.run_event(run_id, "fix_started", ctx.who, {"dry_run": dry_run})
    obs.fix_started(None)
    s = ctx.settings
    budget = s.wan_restart_timeout_s + s.wan_up_wait_s + 2 * (s.connect_timeout_s + 60.0)

    def items() -> Iterator[FixJob | FixResult]:
        for row in journal.results(run_id):
            if row["verdict"] == "drift" and row["login"] not in already:
                yield plan_for(row)

    def work(item: FixJob | FixResult) -> FixResult:
        return item if isinstance(item, FixResult) else fix_one(ctx, item, dry_run=dry_run)

    def on_result(res: FixResult) -> None:
        journal.add_fix_result(
            run_id,
            res.login,
            dry_run=dry_run,
            outcome=res.outcome,
            changed=res.changed,
            reason=res.reason,
        )
        counts[res.outcome] += 1
        obs.fix_done(res, counts)

    def on_timeout(item: FixJob | FixResult) -> FixResult:
        return (
            item if isinstance(item, FixResult) else FixResult(item.login, FAILED, [], TIMEOUT_PT)
        )

    def on_crash(item: FixJob | FixResult, exc: BaseException) -> FixResult:
        log.exception("fix: unexpected failure", exc_info=exc)
        return FixResult(item.login, FAILED, [], f"Falha interna ({type(exc).__name__}).")

    batch: Batch[FixJob | FixResult, FixResult] | RemoteBatch[FixJob | FixResult, FixResult]
    batch = Batch(
        work=work,
        on_result=on_result,
        on_timeout=on_timeout,
        on_crash=on_crash,
        concurrency=concurrency or s.fix_concurrency,
        item_timeout_s=budget,
        stop=stop or threading.Event(),
        abort=abort or threading.Event(),
        on_fed=lambda n: obs.fix_total(len(already) + n, False),
    )
    if engine == "celery":  # the fixes run on `cpe worker` hosts (cpe.scale)
        from cpe.scale.runner import remote_fix_batch

        batch = remote_fix_batch(
            ctx,
            run_id,
            dry_run=dry_run,
            budget_s=budget,
            on_result=on_result,
            on_fed=batch.on_fed or (lambda n: None),
            stop=batch.stop,
            abort=batch.abort,
        )
    stats = batch.run(items())
    obs.fix_total(len(already) + stats.fed, True)
    interrupted = batch.stop.is_set() or stats.aborted or stats.feeder_error is not None
    journal.run_event(
        run_id,
        "fix_interrupted" if interrupted else "fix_finished",
        ctx.who,
        {"dry_run": dry_run, **counts},
    )
    return FixOutcome(run_id, dry_run, counts, interrupted)
