"""The batch over more than one process: the GIL stops being the ceiling.

Kept for the embedded default only. With `CPE_BROKER_URL` set, the Celery engine
(cpe.scale) spreads devices over `cpe worker` processes on any number of hosts, and
`cpe audit` uses it by default; this module then has no path left (the celery engine
never forks, `--processes` is refused with it, and the service's audits run in a thread,
where forking is unsafe). Without a broker, which is how `make demo`, a technician's
laptop and a single server run, there is no worker to send devices to and no Redis to
carry them: this forked worker is still how one machine uses its second core, for about
15% less wall time and CPU per device than one process (measured below), with nothing to
install. One mechanism per situation, then: this one on one machine, Celery across
machines.

A 10,000-device audit is I/O-bound per device but, on two cores, CPU-bound per process:
32 threads parsing HTTP answers queue for one GIL (measured: one audit process sat at
0.94 of a core while the lab used 0.3). Splitting the threads between this process and
forked workers splits that queue; on the benchmark fleet, two processes of 16 threads use
less CPU per device (less GIL hand-off) and finish about 15% sooner than one of 32.

- This process keeps everything stateful: it reads the inventory, journals, reports
  progress, and runs one share of the devices on its own threads (one fewer process:
  less memory). Forked workers only audit: items go down a pipe, results come back up.
- Balanced, with one rule: each new device goes to the least busy share, but a device
  address already seen goes where it went before (`key_of`), so one share's thread lock
  still serialises two logins that share an IP.
- Workers are forked before this process starts any thread (`start()`), so they never
  inherit a lock some other thread held, and after `gc.freeze()`, so their collections
  leave the inherited heap's pages shared; they ignore SIGINT/SIGTERM (the parent stops
  the run: it sends STOP, they finish what they hold and say END).
- At most `WINDOW × threads` items per share are in flight, so a stop leaves little to
  skip and a worker that dies loses little; what it held is handed to `on_crash`, so
  every item is still accounted for exactly once.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import queue
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

from cpe.batch import Batch, BatchStats, feed

log = logging.getLogger("cpe.shards")

T = TypeVar("T")
R = TypeVar("R")

#: Control messages, besides lists of (ticket, item) down and of (ticket, result) up
#: (one message per tick, not per device: fewer pickles, system calls and wake-ups).
_END, _STOP = "end", "stop"
#: Items in flight per thread of a share (running, queued, or answered but not read yet).
WINDOW = 3


class WorkerDied(RuntimeError):
    """A worker process ended without returning the results of the items it held."""


def _serve(batch: Batch[Any, Any], recv: Callable[[], Any], send: Callable[[Any], None]) -> None:
    """Run `batch` over lists of (ticket, item) until END/STOP; answer lists of
    (ticket, result) once per tick, then END with the timed-out and skipped counts."""
    answers: list[Any] = []

    def flush() -> None:
        if answers:
            send(list(answers))
            answers.clear()

    def items() -> Iterator[tuple[int, Any]]:
        while True:
            try:
                msg = recv()
            except (EOFError, OSError):  # the parent is gone
                batch.stop.set()
                return
            if msg == _STOP:
                batch.stop.set()
                return
            if msg == _END:
                return
            yield from msg

    work, on_timeout, on_crash = batch.work, batch.on_timeout, batch.on_crash
    batch.work = lambda pair: (pair[0], work(pair[1]))
    batch.on_timeout = lambda pair: (pair[0], on_timeout(pair[1]))
    batch.on_crash = lambda pair, exc: (pair[0], on_crash(pair[1], exc))
    batch.on_result = answers.append
    batch.on_tick = flush
    stats = batch.run(items())
    flush()
    send((_END, stats.timed_out, stats.skipped))


def _worker(
    batch: Batch[Any, Any], inbox: Connection, outbox: Connection, others: list[Any]
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for conn in others:  # the other shares' pipe ends, inherited by the fork
        conn.close()
    _serve(batch, inbox.recv, outbox.send)


@dataclass
class _Share:
    threads: int
    #: ticket → item, sent and not answered yet.
    held: dict[int, Any] = field(default_factory=dict)
    pending: deque[Any] = field(default_factory=deque)
    closed: bool = False  # END or STOP sent
    finished: bool = False  # END received (or the worker died)
    #: Why the worker is gone, when it died: later items for it fail with this.
    died: WorkerDied | None = None
    process: BaseProcess | None = None
    inbox: Connection | None = None
    outbox: Connection | None = None
    local_in: queue.SimpleQueue[Any] | None = None
    local_out: queue.SimpleQueue[Any] | None = None

    @property
    def load(self) -> float:
        return (len(self.held) + len(self.pending)) / self.threads

    def send(self, msg: Any) -> bool:
        if msg in (_END, _STOP):
            self.closed = True
        if self.local_in is not None:
            self.local_in.put(msg)
            return True
        assert self.inbox is not None
        try:
            self.inbox.send(msg)
            return True
        except OSError:  # BrokenPipeError: the worker is gone; reading says so
            self.closed = True
            return False

    def messages(self) -> tuple[list[Any], bool]:
        """What arrived, without blocking, and whether the worker is gone."""
        out: list[Any] = []
        if self.local_out is not None:
            while True:
                try:
                    out.append(self.local_out.get_nowait())
                except queue.Empty:
                    return out, False
        assert self.outbox is not None
        try:
            while self.outbox.poll():
                out.append(self.outbox.recv())
        except (EOFError, OSError):
            return out, True
        return out, False


@dataclass
class ShardedBatch(Generic[T, R]):
    """`Batch`'s contract (see cpe.batch) over this process and `processes - 1` forked
    workers."""

    work: Callable[[T], R]
    on_result: Callable[[R], None]
    on_timeout: Callable[[T], R]
    on_crash: Callable[[T, BaseException], R]
    #: The device address of an item (items with one address share one share), or None.
    key_of: Callable[[T], str | None]
    processes: int = 2
    concurrency: int = 32
    item_timeout_s: float = 60.0
    prefetch: int = 1024
    stop: threading.Event = field(default_factory=threading.Event)
    abort: threading.Event = field(default_factory=threading.Event)
    on_fed: Callable[[int], None] | None = None
    on_tick: Callable[[], None] | None = None
    poll_s: float = 0.05
    _shares: list[_Share] = field(default_factory=list, init=False, repr=False)

    def _batch(self, threads: int) -> Batch[Any, Any]:
        return Batch(
            work=self.work,
            on_result=lambda r: None,  # set by _serve
            on_timeout=self.on_timeout,
            on_crash=self.on_crash,
            concurrency=threads,
            item_timeout_s=self.item_timeout_s,
            prefetch=WINDOW * threads,
            poll_s=self.poll_s,
        )

    def start(self) -> None:
        """Fork the workers. Call before this process starts any thread."""
        n = max(1, min(self.processes, self.concurrency))
        mp = multiprocessing.get_context("fork")
        if n > 1:
            # Move everything alive now (imports, settings, inventory client) out of the
            # collector's reach before forking: a child's collections would otherwise
            # write the GC header of every inherited object and copy-on-write the pages
            # holding them, so each worker would end up with a private copy of the
            # parent's heap (its PSS). What is frozen is never collected, in the parent
            # either: a small, fixed set (the process's start-up objects).
            gc.collect()
            gc.freeze()
        inherited: list[Connection] = []
        for k in range(n):
            threads = self.concurrency // n + (1 if k < self.concurrency % n else 0)
            if k == 0:  # this process's own share
                self._shares.append(
                    _Share(threads, local_in=queue.SimpleQueue(), local_out=queue.SimpleQueue())
                )
                continue
            in_r, in_w = mp.Pipe(duplex=False)
            out_r, out_w = mp.Pipe(duplex=False)
            proc = mp.Process(
                target=_worker,
                args=(self._batch(threads), in_r, out_w, list(inherited)),
                name=f"cpe-audit-{k}",
                daemon=True,
            )
            proc.start()
            in_r.close()
            out_w.close()
            inherited += [in_w, out_r]
            self._shares.append(_Share(threads, process=proc, inbox=in_w, outbox=out_r))

    def run(self, items: Iterable[T]) -> BatchStats:
        if not self._shares:
            self.start()
        shares = self._shares
        local = shares[0]
        assert local.local_in is not None and local.local_out is not None
        threading.Thread(
            target=_serve,
            args=(self._batch(local.threads), local.local_in.get, local.local_out.put),
            name="batch-local",
            daemon=True,
        ).start()
        stats = BatchStats()
        fed_q: queue.Queue[object] = queue.Queue(maxsize=self.prefetch)
        done = object()
        lock = threading.Lock()

        def feeder() -> None:
            try:
                feed(items, fed_q, self.stop, stats, lock, self.on_fed)
            finally:
                fed_q.put(done)

        threading.Thread(target=feeder, name="batch-feed", daemon=True).start()
        placed: dict[str, _Share] = {}
        tickets = iter(range(1 << 62))
        feeding = True
        try:
            while not all(s.finished for s in shares):
                if self.abort.is_set():
                    stats.aborted = True
                    break
                # Take what the feeder read, up to the read-ahead, into the shares' queues.
                while feeding and sum(len(s.pending) for s in shares) < self.prefetch:
                    try:
                        got = fed_q.get_nowait()
                    except queue.Empty:
                        break
                    if got is done:
                        feeding = False
                        break
                    self._place(got, placed, stats)  # type: ignore[arg-type]
                stopping = self.stop.is_set()
                for s in shares:
                    if stopping and s.pending:
                        stats.skipped += len(s.pending)
                        s.pending.clear()
                    if s.closed:
                        continue
                    if stopping:
                        s.send(_STOP)
                        continue
                    chunk = []
                    while s.pending and len(s.held) < WINDOW * s.threads:
                        item = s.pending.popleft()
                        ticket = next(tickets)
                        s.held[ticket] = item
                        chunk.append((ticket, item))
                    if chunk and not s.send(chunk):
                        continue
                    if not feeding and not s.pending:
                        s.send(_END)
                remote = {s.outbox: s for s in shares if s.outbox is not None and not s.finished}
                wait(list(remote), timeout=self.poll_s)
                for s in shares:
                    if not s.finished:
                        self._collect(s, stats)
                if self.on_tick is not None:
                    self.on_tick()
        finally:
            for s in shares:
                if s.process is None:
                    if stats.aborted:
                        s.send(_STOP)
                    continue
                assert s.inbox is not None
                s.inbox.close()
                if not stats.aborted:
                    s.process.join(timeout=10)  # it said END: it is on its way out
                if s.process.is_alive():
                    s.process.kill()
                    s.process.join(timeout=5)
        return stats

    def _place(self, item: T, placed: dict[str, _Share], stats: BatchStats) -> None:
        key = self.key_of(item)
        share = placed.get(key) if key is not None else None
        if share is None:
            live = [s for s in self._shares if s.died is None] or self._shares
            share = min(live, key=lambda s: s.load)
            if key is not None:
                placed[key] = share
        if share.died is not None:  # its worker is gone: fail now rather than wait
            stats.completed += 1
            self.on_result(self.on_crash(item, share.died))
        else:
            share.pending.append(item)

    def _collect(self, s: _Share, stats: BatchStats) -> None:
        msgs, gone = s.messages()
        for msg in msgs:
            if msg[0] == _END:
                stats.timed_out += msg[1]
                stats.skipped += msg[2]
                s.finished = True
                return
            for ticket, result in msg:
                s.held.pop(ticket, None)
                stats.completed += 1
                self.on_result(result)
        if gone:
            self._lost(s, stats)

    def _lost(self, s: _Share, stats: BatchStats) -> None:
        """The worker died: what it held (and what waited for it) goes to on_crash."""
        assert s.process is not None
        s.process.join(timeout=1)
        code = s.process.exitcode
        log.error(
            "worker %s ended (exit code %s) holding %d item(s)",
            s.process.name,
            code,
            len(s.held),
        )
        exc = WorkerDied(f"worker process ended (exit code {code}) before answering")
        for item in [*s.held.values(), *s.pending]:
            stats.completed += 1
            self.on_result(self.on_crash(item, exc))
        s.held.clear()
        s.pending.clear()
        s.finished = s.closed = True
        s.died = exc


def can_fork() -> bool:
    """Forking is only safe while this process runs a single thread (see the module doc),
    and only where fork exists."""
    return hasattr(os, "fork") and threading.active_count() == 1
