"""A worker's side of a chunk: read IXC, audit or fix each device, push results.

One `WorkerState` per worker process: its settings and CPE_HOME (its own vault and
journal), a pool of device threads (`cpe worker --concurrency`) shared by every chunk
the process holds, and one for fixes (`Settings.fix_concurrency`). Chunks run on
Celery's thread pool and only wait for their devices, so the device threads stay busy
while one chunk's slowest device finishes.

Per chunk: check that its session is live and which devices it already reported (a
chunk delivered again after its worker died); read its subscribers from IXC in one
batch; run each device with an absolute budget (a device past it is reported as timed
out and its late result dropped, like cpe.batch); push results every `FLUSH_S`, then
the chunk's end. If the results cannot reach Redis, the chunk is requeued rather than
acknowledged: nothing is lost, a device is at worst read twice.

The vault is reopened when its file changes, so rotating it on a worker host is a copy
(docs/deploy.md), no restart.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import redis
from pydantic import BaseModel, ConfigDict

from cpe import audit as audit_mod
from cpe.audit_fix import FAILED, TIMEOUT_PT, FixJob, FixResult, fix_one
from cpe.context import Context
from cpe.coord.redis_backend import client_for
from cpe.errors import CpeError, InputError, UnknownLogin
from cpe.scale.bus import Message, RunBus
from cpe.scale.kinds import audit_row, fix_row
from cpe.settings import Settings, load_settings
from inventory.models import Subscriber

log = logging.getLogger("cpe.scale.worker")

FLUSH_S, FLUSH_ROWS = 0.25, 64
#: How long a push keeps retrying through a broker hiccup before the chunk is requeued.
PUSH_RETRY_S = 10.0


class ChunkOptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    lock_wait_s: float = 20.0
    device_timeout_s: float = 60.0
    dry_run: bool = False
    operator: str | None = None


class Chunk(BaseModel):
    """A task's payload, checked at the worker's edge."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run: str
    session: str
    chunk: int
    items: list[list[Any]]
    options: ChunkOptions


class Requeue(Exception):
    """The chunk's results could not reach Redis: give the chunk back to the queue."""


@dataclass
class _Job:
    key: str
    work: Callable[[], list[Any]]
    on_timeout: Callable[[], list[Any]]
    on_crash: Callable[[BaseException], list[Any]]
    started: float | None = None

    def run(self) -> list[Any]:
        self.started = time.monotonic()
        return self.work()


class WorkerState:
    def __init__(self, settings: Settings, concurrency: int) -> None:
        self.settings = settings
        self.devices = ThreadPoolExecutor(concurrency, thread_name_prefix="cpe-device")
        self.fixes = ThreadPoolExecutor(
            max(1, settings.fix_concurrency), thread_name_prefix="cpe-fix"
        )
        self._guard = threading.Lock()
        self._vault_stamp: tuple[int, int, int] | None = None
        self._ctx: Context | None = None

    def context(self) -> Context:
        """The shared context; a new one (vault, IXC client) when the vault file changed."""
        try:
            st = os.stat(self.settings.vault_file)
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        with self._guard:
            if self._ctx is None or stamp != self._vault_stamp:
                if self._ctx is not None:
                    log.warning("vault changed on disk: reopening it")
                self._ctx = Context(settings=self.settings)
                self._vault_stamp = stamp
            return self._ctx

    def redis(self) -> redis.Redis:
        assert self.settings.broker_url
        return client_for(self.settings.broker_url)


_state: WorkerState | None = None
_state_guard = threading.Lock()
#: Device threads per worker process; `cpe worker --concurrency` sets it before start.
concurrency = 16


def state() -> WorkerState:
    global _state
    with _state_guard:
        if _state is None:
            _state = WorkerState(load_settings(), concurrency)
        return _state


# --- the two kinds of chunk ----------------------------------------------------------------


def audit_chunk(payload: dict[str, Any], worker: str) -> None:
    chunk = Chunk.model_validate(payload)
    st = state()
    opts = chunk.options

    def prepare(items: list[list[Any]]) -> list[_Job]:
        ctx = st.context()
        jobs = []
        for login, found in _lookup(ctx, items):
            if isinstance(found, CpeError):
                jobs.append(
                    _answered(login, audit_row(audit_mod.unknown_login_result(login, found)))
                )
                continue
            jobs.append(_audit_job(ctx, found, opts))
        return jobs

    _run(st, chunk, "audit", worker, prepare, st.devices, opts.device_timeout_s)


def _answered(key: str, row: list[Any]) -> _Job:
    """A job whose row is known without a device (a login IXC no longer has)."""
    return _Job(key, lambda: row, lambda: row, lambda exc: row)


def _audit_job(ctx: Context, sub: Subscriber, opts: ChunkOptions) -> _Job:
    def work() -> list[Any]:
        return audit_row(audit_mod.audit_device(ctx, sub, lock_wait_s=opts.lock_wait_s))

    def on_timeout() -> list[Any]:
        log.warning("audit: %s overran %.0fs", sub.login, opts.device_timeout_s)
        return audit_row(audit_mod.timeout_result(sub, opts.device_timeout_s))

    def on_crash(exc: BaseException) -> list[Any]:
        log.error("audit: unexpected failure on %s (%s)", sub.login, type(exc).__name__)
        return audit_row(audit_mod.error_result(sub, exc, contacted=True))

    return _Job(sub.login, work, on_timeout, on_crash)


def fix_chunk(payload: dict[str, Any], worker: str) -> None:
    chunk = Chunk.model_validate(payload)
    st = state()
    opts = chunk.options

    def prepare(items: list[list[Any]]) -> list[_Job]:
        shared = st.context()
        # The operator who asked for the fix is the one the worker's journal records.
        ctx = Context(settings=shared.settings, operator=opts.operator)
        ctx._inventory = shared.inventory
        vars(ctx).update(vault=shared.vault, journal=shared.journal)
        return [_fix_job(ctx, FixJob(str(login), tuple(drifts)), opts) for login, drifts in items]

    _run(st, chunk, "fix", worker, prepare, st.fixes, opts.device_timeout_s)


def _fix_job(ctx: Context, job: FixJob, opts: ChunkOptions) -> _Job:
    def work() -> list[Any]:
        return fix_row(fix_one(ctx, job, dry_run=opts.dry_run))

    def on_timeout() -> list[Any]:
        return fix_row(FixResult(job.login, FAILED, [], TIMEOUT_PT))

    def on_crash(exc: BaseException) -> list[Any]:
        log.error("fix: unexpected failure on %s (%s)", job.login, type(exc).__name__)
        return fix_row(FixResult(job.login, FAILED, [], f"Falha interna ({type(exc).__name__})."))

    return _Job(job.login, work, on_timeout, on_crash)


def _lookup(ctx: Context, items: list[list[Any]]) -> list[tuple[str, Subscriber | CpeError]]:
    """The chunk's subscribers, read from IXC in one batch where the source can."""
    inventory = ctx.inventory
    found: dict[str, Subscriber] = {}
    by_id = getattr(inventory, "subscribers_by_id", None)
    ids = [str(i[1]) for i in items if i[1]]
    if by_id is not None and ids:
        for sub in by_id(ids):
            found[sub.login] = sub
    out: list[tuple[str, Subscriber | CpeError]] = []
    for login, _ in items:
        login = str(login)
        if login in found:
            out.append((login, found[login]))
            continue
        try:  # not found by id (renamed, or a source without ids): by login
            out.append((login, inventory.subscriber(login)))
        except (UnknownLogin, InputError) as exc:
            out.append((login, exc))
    return out


# --- running a chunk ----------------------------------------------------------------------


def _run(
    st: WorkerState,
    chunk: Chunk,
    kind: str,
    worker: str,
    prepare: Callable[[list[list[Any]]], list[_Job]],
    executor: ThreadPoolExecutor,
    budget_s: float,
) -> None:
    bus = RunBus(st.redis(), chunk.run, kind, chunk.session)
    try:
        _run_on(bus, chunk, kind, worker, prepare, executor, budget_s)
    except Requeue:
        raise
    except Exception as exc:  # a bug here must not leave the caller waiting for this chunk
        log.exception("%s chunk %d failed", kind, chunk.chunk)
        why = f"Falha interna no worker {worker} ({type(exc).__name__}); veja o log dele."
        _push(bus, Message(chunk.chunk, end=True, error=why, worker=worker), [])


def _run_on(
    bus: RunBus,
    chunk: Chunk,
    kind: str,
    worker: str,
    prepare: Callable[[list[list[Any]]], list[_Job]],
    executor: ThreadPoolExecutor,
    budget_s: float,
) -> None:
    keys = [str(item[0]) for item in chunk.items]
    live, done = _retry(lambda: bus.check(keys))
    if not live:
        _push(bus, Message(chunk.chunk, end=True, skipped=True, worker=worker), [])
        return
    todo = [item for item, seen in zip(chunk.items, done, strict=True) if not seen]
    try:
        jobs = prepare(todo) if todo else []
    except CpeError as exc:  # IXC failed for the whole chunk: the caller stops the run
        log.error("%s chunk %d: %s", kind, chunk.chunk, type(exc).__name__)
        _push(bus, Message(chunk.chunk, end=True, error=exc.pt(), worker=worker), [])
        return
    pending: dict[Future[list[Any]], _Job] = {executor.submit(j.run): j for j in jobs}
    rows: list[list[Any]] = []
    reported: list[str] = []
    first = 0.0
    while pending:
        finished, _ = wait(list(pending), timeout=0.1, return_when=FIRST_COMPLETED)
        for fut in finished:
            job = pending.pop(fut)
            try:
                row = fut.result()
            except BaseException as exc:  # work() turns device errors into rows
                row = job.on_crash(exc)
            if not rows:
                first = time.monotonic()
            rows.append(row)
            reported.append(job.key)
        now = time.monotonic()
        for fut, job in list(pending.items()):
            if job.started is not None and now - job.started > budget_s:
                del pending[fut]  # its thread ends with its own socket timeouts
                if not rows:
                    first = now
                rows.append(job.on_timeout())
                reported.append(job.key)
        if rows and pending and (len(rows) >= FLUSH_ROWS or now - first >= FLUSH_S):
            _push(bus, Message(chunk.chunk, rows=rows, worker=worker), reported)
            rows, reported = [], []
    _push(bus, Message(chunk.chunk, rows=rows, end=True, worker=worker), reported)


def _retry(call: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + PUSH_RETRY_S
    pause = 0.2
    while True:
        try:
            return call()
        except (redis.RedisError, OSError) as exc:
            if time.monotonic() + pause > deadline:
                raise Requeue(type(exc).__name__) from None
            time.sleep(pause)
            pause = min(2.0, pause * 2)


def _push(bus: RunBus, message: Message, keys: list[str]) -> None:
    _retry(lambda: bus.push(message, keys))
