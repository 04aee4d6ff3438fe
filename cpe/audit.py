"""`cpe audit`: the whole fleet (or a filter of it) against IXC, one verdict per device.

Per device: reachable or not and over which transport; model and firmware; WAN up and
its last error; PPPoE user equal to the IXC login; DNS 1.1.1.1/1.0.0.1; SSID per band
equal to IXC's; Wi-Fi key equal (only "match"/"mismatch" leaves cpe.drift); optical
power against the thresholds; the contract state from IXC. The comparison itself is
cpe.drift.find_drifts, the same one `cpe reconfigure` uses.

Verdicts (design.md): ok, drift, unreachable, auth_failed, locked, busy, unsupported,
error. Results go to the journal as they complete; reports are rendered from there
(cpe.audit_report), so a 10,000-device run never sits in memory and an interrupted run
can be resumed without auditing a finished device again.

This module is the run: reading the inventory ahead of the workers, spreading devices
over threads, forked processes or Celery workers, journaling results and reporting
progress. Its parts live beside it, and their public names are re-exported here:
cpe.audit_verdicts (verdict names and labels), cpe.audit_selection (the run's filters),
cpe.audit_results (what a run produces, and the observer hooks), cpe.audit_device (one
device's audit) and cpe.audit_detail (what a report shows of a device).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cpe.audit_device import audit_device, error_result, timeout_result, unknown_login_result
from cpe.audit_results import AuditObserver, DeviceResult, NullObserver, RunOutcome
from cpe.audit_selection import Selection, read_logins_file
from cpe.audit_verdicts import VERDICT_PT, VERDICTS, verdict_for
from cpe.batch import Batch, BatchStats
from cpe.context import Context
from cpe.errors import CpeError, InputError, UnknownLogin
from cpe.shards import ShardedBatch, can_fork
from inventory.models import Subscriber

if TYPE_CHECKING:
    from cpe.scale.remote import RemoteBatch

__all__ = [
    "VERDICTS",
    "VERDICT_PT",
    "AuditObserver",
    "AuditRunner",
    "AuditSettings",
    "DeviceResult",
    "NullObserver",
    "RunOutcome",
    "Selection",
    "audit_device",
    "audit_fleet",
    "error_result",
    "read_logins_file",
    "timeout_result",
    "unknown_login_result",
    "verdict_for",
]

log = logging.getLogger("cpe.audit")

#: Up to this many logins from `--logins-file` are looked up one by one; more, and the
#: register is streamed once and filtered.
LOOKUP_MAX = 50
#: Journal writes are grouped: at most FLUSH_ROWS results or FLUSH_S seconds per batch.
FLUSH_ROWS, FLUSH_S = 64, 0.25
#: Subscribers read ahead of the workers, per worker (at least READ_AHEAD_MIN): enough
#: that a worker never waits for IXC, small enough that memory does not grow with the
#: fleet (the total for the ETA comes from the inventory's count, not from reading ahead).
READ_AHEAD_PER_WORKER, READ_AHEAD_MIN = 16, 256


@dataclass
class AuditSettings:
    concurrency: int = 32
    #: Absolute budget per device (login, reads, logout), on top of each request's own
    #: connect/read timeouts.
    device_timeout_s: float = 60.0
    #: How long a worker waits for whoever holds the same device (another worker with a
    #: second login on that IP, an agent's action); after that the verdict is "busy".
    lock_wait_s: float = 20.0
    #: Worker processes the `concurrency` threads are spread over (cpe.shards): more
    #: than one only where it is safe to fork, i.e. while the caller runs no thread.
    processes: int = 1
    #: "local" (threads, and cpe.shards' forked worker) or "celery" (the devices go to
    #: `cpe worker` processes through CPE_BROKER_URL; cpe.scale.remote).
    engine: str = "local"
    #: Devices per Celery task, at most (chunks start smaller and grow to this).
    chunk_size: int = 64


class AuditRunner:
    """Runs (or resumes) one audit run; `stop`/`abort` are set by signal handlers."""

    def __init__(
        self,
        ctx: Context,
        opts: AuditSettings | None = None,
        observer: AuditObserver | None = None,
    ) -> None:
        self.ctx = ctx
        self.opts = opts or AuditSettings(concurrency=ctx.settings.audit_concurrency)
        self.observer: AuditObserver = observer or NullObserver()
        self.stop = threading.Event()
        self.abort = threading.Event()
        #: Set when the stop came from a signal: its name goes into the journal.
        self.stop_reason: str | None = None

    # -- entry points ---------------------------------------------------------------------

    def start(self, selection: Selection) -> str:
        params = {
            "selection": selection.as_params(),
            "concurrency": self.opts.concurrency,
            "engine": self.opts.engine,
        }
        return self.ctx.journal.start_run(self.ctx.who, params)

    def selection_of(self, run_id: str) -> Selection:
        params = self.ctx.journal.run_params(run_id)
        if params is None:
            raise InputError(
                f"execução {run_id!r} não encontrada no diário", operation="audit --resume"
            )
        return Selection.from_params(params.get("selection") or {})

    def run(self, run_id: str, selection: Selection, *, resumed: bool = False) -> RunOutcome:
        journal = self.ctx.journal
        started = time.monotonic()
        done = journal.done_logins(run_id)
        counts: Counter[str] = Counter(journal.verdict_counts(run_id))
        if resumed:
            journal.run_event(run_id, "resumed", self.ctx.who, {"already_done": len(done)})
        # Open the vault and the inventory once, before the workers share them.
        _ = self.ctx.vault
        _ = self.ctx.inventory
        # Forks now, before the observer starts any thread (the celery engine never forks).
        sharded = self._sharded() if self.opts.engine == "local" else None
        self.observer.run_started(run_id, len(done), counts)
        estimate = self._estimate(selection)
        if estimate is not None:
            self.observer.total_known(max(estimate, len(done)), False)
        finished_devices = len(done)
        pending: list[tuple[str, str | None, str, list[str], dict[str, Any]]] = []
        first_pending = 0.0

        def flush() -> None:
            # Results reach the journal within FLUSH_S of completing, a batch per
            # transaction; an abrupt kill loses at most that much, which --resume redoes.
            if pending:
                journal.add_results(run_id, pending)
                pending.clear()

        def on_result(result: DeviceResult) -> None:
            nonlocal finished_devices, first_pending
            if not pending:
                first_pending = time.monotonic()
            pending.append(
                (result.login, result.model, result.verdict, result.drifts, result.detail)
            )
            if len(pending) >= FLUSH_ROWS:
                flush()
            counts[result.verdict] += 1
            finished_devices += 1
            self.observer.device_done(result, counts)

        def on_tick() -> None:
            if pending and time.monotonic() - first_pending >= FLUSH_S:
                flush()

        def on_fed(n: int) -> None:
            # Past the estimate (or without one) the total is "at least what was read".
            if estimate is None or len(done) + n > estimate:
                self.observer.total_known(len(done) + n, False)

        read_ahead = max(READ_AHEAD_MIN, READ_AHEAD_PER_WORKER * self.opts.concurrency)
        batch: (
            Batch[Subscriber | DeviceResult, DeviceResult]
            | ShardedBatch[Subscriber | DeviceResult, DeviceResult]
            | RemoteBatch[Subscriber | DeviceResult, DeviceResult]
        ) = Batch(
            work=self._work,
            on_result=on_result,
            on_timeout=self._on_timeout,
            on_crash=self._on_crash,
            concurrency=self.opts.concurrency,
            item_timeout_s=self.opts.device_timeout_s,
            prefetch=read_ahead,
            stop=self.stop,
            abort=self.abort,
            on_fed=on_fed,
            on_tick=on_tick,
        )
        if sharded is not None:
            sharded.on_result, sharded.on_fed, sharded.on_tick = on_result, on_fed, on_tick
            sharded.prefetch = read_ahead
            batch = sharded
        if self.opts.engine == "celery":
            from cpe.scale.runner import remote_audit_batch

            batch = remote_audit_batch(self, run_id, on_result, on_fed, on_tick)
        try:
            stats = batch.run(self._items(selection, done))
        except KeyboardInterrupt:  # no signal handler installed (library use)
            self.stop.set()
            self.stop_reason = self.stop_reason or "SIGINT"
            stats = BatchStats(aborted=True)
        finally:
            flush()
        self.observer.total_known(len(done) + stats.fed, True)
        elapsed = time.monotonic() - started
        if stats.feeder_error is not None:
            exc = stats.feeder_error
            reason = exc.pt() if isinstance(exc, CpeError) else type(exc).__name__
            # The inventory (IXC), or with the celery engine the broker, failed mid-run.
            where = "broker" if getattr(exc, "kind", None) == "broker" else "inventory"
            journal.run_event(run_id, "interrupted", self.ctx.who, {"reason": where})
            log.error("%s failed during audit %s: %s", where, run_id, type(exc).__name__)
            outcome = RunOutcome(run_id, "interrupted", counts, finished_devices, elapsed, reason)
        elif self.stop.is_set() or stats.aborted:
            why = self.stop_reason or "stop"
            journal.run_event(
                run_id, "interrupted", self.ctx.who, {"reason": why, "done": finished_devices}
            )
            outcome = RunOutcome(run_id, "interrupted", counts, finished_devices, elapsed, why)
        else:
            journal.run_event(
                run_id, "finished", self.ctx.who, {"devices": finished_devices, **counts}
            )
            outcome = RunOutcome(run_id, "finished", counts, finished_devices, elapsed)
        outcome.stats = stats
        self.observer.run_finished(outcome)
        return outcome

    # -- plumbing -------------------------------------------------------------------------

    def _sharded(self) -> ShardedBatch[Subscriber | DeviceResult, DeviceResult] | None:
        if self.opts.processes <= 1 or self.opts.concurrency <= 1:
            return None
        if not can_fork():
            log.info("audit: threads only (this process already runs threads)")
            return None
        sharded: ShardedBatch[Subscriber | DeviceResult, DeviceResult] = ShardedBatch(
            work=self._work,
            on_result=lambda r: None,
            on_timeout=self._on_timeout,
            on_crash=self._on_crash,
            key_of=_device_key,
            processes=self.opts.processes,
            concurrency=self.opts.concurrency,
            item_timeout_s=self.opts.device_timeout_s,
            stop=self.stop,
            abort=self.abort,
        )
        sharded.start()
        return sharded

    def _estimate(self, selection: Selection) -> int | None:
        """The run's device count before the inventory is read, when it can be known
        cheaply: the logins file's length, or the source's count when no local filter
        applies (a model or status filter is decided per subscriber, after reading)."""
        if selection.logins is not None:
            return len(selection.logins)
        if selection.model or selection.statuses or selection.reduced or selection.login_glob:
            return None
        count = getattr(self.ctx.inventory, "count_hint", None)
        if count is None:
            return None
        try:
            return int(count())
        except CpeError as exc:  # the run itself will meet (and report) the same failure
            log.info("audit: no inventory count (%s)", type(exc).__name__)
            return None

    def _items(
        self, selection: Selection, done: set[str]
    ) -> Iterator[Subscriber | DeviceResult]:
        inventory = self.ctx.inventory
        if selection.logins is not None and len(selection.logins) <= LOOKUP_MAX:
            for login in selection.logins:
                if login in done:
                    continue
                try:
                    sub = inventory.subscriber(login)
                except (UnknownLogin, InputError) as exc:
                    yield unknown_login_result(login, exc)
                    continue
                if selection.wants(sub):
                    yield sub
            return
        if selection.logins is not None:
            # A long list: one streamed pass over the register (a few dozen IXC requests)
            # instead of a lookup per login (several requests each).
            wanted = set(selection.logins) - done
            for sub in inventory.iter_subscribers():
                if sub.login in wanted:
                    wanted.discard(sub.login)
                    if selection.wants(sub):
                        yield sub
            for login in sorted(wanted):
                yield unknown_login_result(
                    login,
                    UnknownLogin(
                        f"login {login!r} não existe no IXC", device=login, operation="audit"
                    ),
                )
            return
        subs: Iterable[Subscriber] = inventory.iter_subscribers(
            model=selection.model,
            login_glob=selection.login_glob,
            contract_status=list(selection.statuses) if selection.statuses else None,
        )
        seen: set[str] = set()
        for sub in subs:
            # A login listed twice by the source is audited once.
            if sub.login in done or sub.login in seen:
                continue
            seen.add(sub.login)
            if selection.reduced and not selection.wants(sub):
                continue
            yield sub

    def _work(self, item: Subscriber | DeviceResult) -> DeviceResult:
        if isinstance(item, DeviceResult):
            return item
        return audit_device(self.ctx, item, lock_wait_s=self.opts.lock_wait_s)

    def _on_timeout(self, item: Subscriber | DeviceResult) -> DeviceResult:
        if isinstance(item, DeviceResult):
            return item
        log.warning("audit: %s overran %.0fs", item.login, self.opts.device_timeout_s)
        return timeout_result(item, self.opts.device_timeout_s)

    def _on_crash(self, item: Subscriber | DeviceResult, exc: BaseException) -> DeviceResult:
        if isinstance(item, DeviceResult):
            return item
        log.exception("audit: unexpected failure on %s", item.login, exc_info=exc)
        return error_result(item, exc, contacted=True)


def _device_key(item: Subscriber | DeviceResult) -> str | None:
    """The device's address: two logins with one address go to one share of the batch,
    whose thread lock then keeps them from talking to the device at once."""
    return None if isinstance(item, DeviceResult) else f"{item.host}:{item.port}"


def audit_fleet(
    ctx: Context,
    selection: Selection | None = None,
    *,
    opts: AuditSettings | None = None,
    observer: AuditObserver | None = None,
    resume: str | None = None,
    configure: Callable[[AuditRunner], None] | None = None,
) -> RunOutcome:
    """Start (or resume) a run and take it to the end; the library entry point."""
    runner = AuditRunner(ctx, opts, observer)
    if configure is not None:
        configure(runner)
    if resume is not None:
        sel = runner.selection_of(resume)
        return runner.run(resume, sel, resumed=True)
    run_id = runner.start(selection or Selection())
    return runner.run(run_id, selection or Selection())
