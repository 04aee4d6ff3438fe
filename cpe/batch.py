"""A bounded threaded runner for fleet batches (audit, bulk fix).

Nornir's shape, trimmed to what a fleet of web UIs needs:

- `concurrency` worker threads pull items from a queue filled by a feeder thread, so a
  10,000-device inventory is streamed, never listed twice, and at most `concurrency`
  devices are talked to at once;
- each item has an absolute deadline: when a worker overruns it, the item is reported
  through `on_timeout` and the late result is dropped (a Python thread cannot be killed;
  its own socket timeouts end it soon after, and the device lock stays held until then);
- one item's exception never stops the batch: `work` is expected to turn errors into
  results, and anything it lets escape becomes `on_crash(item, exc)`;
- results are handed to `on_result` on the caller's thread, one at a time, as they
  complete (the caller streams them to the journal, so nothing piles up in memory);
- `stop` (set by a signal handler) stops feeding and lets the devices already in flight
  finish; `abort` stops waiting for them too.

Worker threads are daemons: a hung device can never keep the process alive.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_DONE = object()


@dataclass
class BatchStats:
    fed: int = 0
    completed: int = 0
    timed_out: int = 0
    #: Items taken from the queue after `stop` and left for a later resume.
    skipped: int = 0
    feeder_error: BaseException | None = None
    feeder_done: bool = False
    aborted: bool = False


def feed(
    items: Iterable[T],
    into: queue.Queue[object],
    stop: threading.Event,
    stats: BatchStats,
    lock: threading.Lock,
    on_fed: Callable[[int], None] | None,
) -> None:
    """The feeder thread's loop: `items` into the bounded queue until exhausted or
    `stop`; a failing inventory is recorded in `stats.feeder_error`, not raised."""
    try:
        for item in items:
            if stop.is_set():
                return
            while True:
                try:
                    into.put(item, timeout=0.2)
                    break
                except queue.Full:
                    if stop.is_set():
                        return
            with lock:
                stats.fed += 1
                fed = stats.fed
            if on_fed is not None:
                on_fed(fed)
    except BaseException as exc:  # the inventory failed mid-way: report, stop feeding
        stats.feeder_error = exc


@dataclass
class _Slot(Generic[T]):
    item: T
    started: float
    #: Overran its deadline: already reported through on_timeout, late result dropped.
    abandoned: bool = False


@dataclass
class Batch(Generic[T, R]):
    """Run `work` over `items`; see the module docstring."""

    work: Callable[[T], R]
    on_result: Callable[[R], None]
    on_timeout: Callable[[T], R]
    on_crash: Callable[[T, BaseException], R]
    concurrency: int = 8
    item_timeout_s: float = 60.0
    #: Items read ahead of the workers: bounded so a huge inventory cannot fill the
    #: memory (callers learn the total some other way, e.g. the inventory's count).
    prefetch: int = 1024
    stop: threading.Event = field(default_factory=threading.Event)
    abort: threading.Event = field(default_factory=threading.Event)
    #: Called from the feeder thread with each item as it is queued (progress totals).
    on_fed: Callable[[int], None] | None = None
    #: Called on the caller's thread about every `poll_s` (periodic flushes).
    on_tick: Callable[[], None] | None = None
    poll_s: float = 0.05

    def run(self, items: Iterable[T]) -> BatchStats:
        stats = BatchStats()
        work_q: queue.Queue[object] = queue.Queue(maxsize=max(self.prefetch, self.concurrency))
        done_q: queue.SimpleQueue[tuple[int, R | None]] = queue.SimpleQueue()
        lock = threading.Lock()
        slots: dict[int, _Slot[T]] = {}
        counter = iter(range(1 << 62))
        workers = max(1, self.concurrency)

        def feeder() -> None:
            try:
                feed(items, work_q, self.stop, stats, lock, self.on_fed)
            finally:
                for _ in range(workers):
                    work_q.put(_DONE)
                with lock:
                    stats.feeder_done = True

        def worker() -> None:
            while True:
                item = work_q.get()
                if item is _DONE:
                    return
                typed: T = item  # type: ignore[assignment]
                if self.stop.is_set():
                    with lock:
                        stats.skipped += 1
                    done_q.put((-1, None))
                    continue
                with lock:
                    ticket = next(counter)
                    slots[ticket] = _Slot(typed, time.monotonic())
                try:
                    result = self.work(typed)
                except BaseException as exc:  # one item never stops the batch
                    result = self.on_crash(typed, exc)
                done_q.put((ticket, result))

        threads = [threading.Thread(target=feeder, name="batch-feed", daemon=True)]
        threads += [
            threading.Thread(target=worker, name=f"batch-{i}", daemon=True) for i in range(workers)
        ]
        for t in threads:
            t.start()
        accounted = 0
        while True:
            if self.abort.is_set():
                stats.aborted = True
                break
            # Wake on a clock, then take every result that arrived: one wake-up (and one
            # GIL hand-off) per tick instead of one per device keeps this thread cheap.
            time.sleep(self.poll_s)
            while True:
                try:
                    ticket, result = done_q.get_nowait()
                except queue.Empty:
                    break
                if ticket == -1:
                    accounted += 1
                    continue
                with lock:
                    slot = slots.pop(ticket, None)
                if slot is not None and not slot.abandoned:
                    stats.completed += 1
                    accounted += 1
                    self.on_result(result)  # type: ignore[arg-type]
            for s in self._expire(slots, lock, stats):
                accounted += 1
                self.on_result(self.on_timeout(s.item))
            if self.on_tick is not None:
                self.on_tick()
            with lock:
                finished = stats.feeder_done and accounted >= stats.fed
            if finished and done_q.empty():
                break
        return stats

    def _expire(
        self, slots: dict[int, _Slot[T]], lock: threading.Lock, stats: BatchStats
    ) -> list[_Slot[T]]:
        """Slots that overran their deadline since the last call (each reported once)."""
        now = time.monotonic()
        out = []
        with lock:
            for s in slots.values():
                if not s.abandoned and now - s.started > self.item_timeout_s:
                    s.abandoned = True
                    stats.timed_out += 1
                    out.append(s)
        return out
