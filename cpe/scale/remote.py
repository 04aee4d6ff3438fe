"""The batch over Celery workers: `cpe.batch.Batch`'s contract, with the work done on
other hosts.

The caller (this process) reads the items, answers the ones that need no device
(`kind.local`), and publishes the rest in chunks to the workers' queue; workers push
each device's result to the run session's list in Redis (cpe.scale.bus) as it
completes, and this process hands them to `on_result` on its own thread, in arrival
order, so the journal and the progress bar work exactly as with the threaded batch.

Every item is accounted for once: an item's result is taken only while the item is
outstanding (a chunk delivered twice after a worker died reports some devices twice;
the second report is dropped). Chunks start small and grow to `chunk_max`, so a small
run still spreads over every worker and a large one costs few messages. At most
`window` items are outstanding, so two runs sharing the workers interleave.

`stop` marks the session stopped: workers skip the chunks they have not started, the
ones running finish and report, and what was never run is counted as skipped (a
`--resume` does it). Redis unreachable, or a session that Redis lost, ends the run at
once with `BrokerUnavailable` in `stats.feeder_error` (resumable, like an IXC failure).
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import redis
from kombu.exceptions import OperationalError

from cpe.batch import BatchStats
from cpe.coord.redis_backend import client_for, display_url
from cpe.errors import CpeError, InventoryError
from cpe.scale.app import configured
from cpe.scale.bus import Message, RunBus, new_session
from cpe.settings import Settings

log = logging.getLogger("cpe.scale")

T = TypeVar("T")
R = TypeVar("R")
T_in = TypeVar("T_in", contravariant=True)
R_out = TypeVar("R_out", covariant=True)

#: Seconds without any message after which the caller checks that Redis still has the
#: session (a broker restarted without its data has lost the queued chunks).
SILENCE_CHECK_S = 2.0
#: After `stop`, how long past the per-item budget to wait for chunks still running.
STOP_GRACE_S = 5.0


class BrokerUnavailable(CpeError):
    kind = "broker"
    pt_template = (
        "A conexão com o Redis ({message}) caiu no meio da execução; o que já chegou "
        "está no diário."
    )
    next_step_pt = "Confira o Redis e os workers e continue com `cpe audit --resume`."


class ResultsLost(CpeError):
    kind = "broker"
    pt_template = (
        "{message} equipamento(s) ficaram sem resultado dos workers; nada foi perdido no "
        "diário."
    )
    next_step_pt = "Continue com `cpe audit --resume` para auditar só os que faltam."


class RemoteKind(Protocol[T_in, R_out]):
    """How one kind of batch (audit, fix) crosses the broker: no secret in either way."""

    @property
    def name(self) -> str: ...

    @property
    def task(self) -> str: ...

    def local(self, item: T_in) -> R_out | None:
        """The result, when the item needs no device (an unknown login, a skip)."""
        ...

    def key(self, item: T_in) -> str: ...

    def encode(self, item: T_in) -> list[Any]: ...

    def decode(self, row: list[Any]) -> tuple[str, R_out]: ...


@dataclass
class _Chunk:
    keys: set[str]
    ended: bool = False


@dataclass
class RemoteBatch(Generic[T, R]):
    kind: RemoteKind[T, R]
    settings: Settings
    run_id: str
    #: Options every chunk carries (budgets, dry run, operator): JSON, no secret.
    options: dict[str, Any]
    on_result: Callable[[R], None] = lambda r: None
    item_timeout_s: float = 60.0
    chunk_min: int = 4
    chunk_max: int = 64
    window: int = 4096
    stop: threading.Event = field(default_factory=threading.Event)
    abort: threading.Event = field(default_factory=threading.Event)
    on_fed: Callable[[int], None] | None = None
    on_tick: Callable[[], None] | None = None
    poll_s: float = 0.25
    #: Set by `run`: the Redis session of this process.
    session: str = field(default_factory=new_session)
    workers_seen: set[str] = field(default_factory=set)

    def run(self, items: Iterable[T]) -> BatchStats:
        stats = BatchStats()
        url = self.settings.broker_url or ""
        try:
            app = configured(self.settings)
            bus = RunBus(client_for(url), self.run_id, self.kind.name, self.session)
            bus.open()
        except (redis.RedisError, OSError) as exc:
            stats.feeder_error = self._broker_gone(url, exc)
            stats.feeder_done = True
            return stats
        lock = threading.Lock()
        room = threading.Condition(lock)
        outstanding: dict[str, int] = {}
        chunks: dict[int, _Chunk] = {}
        local_q: queue.SimpleQueue[R] = queue.SimpleQueue()
        broken: list[BaseException] = []
        #: Set when this loop ends, whatever the reason: the feeder stops publishing.
        halt = threading.Event()

        def halted() -> bool:
            return self.stop.is_set() or halt.is_set()

        def publish(number: int, batch: list[tuple[str, list[Any]]]) -> bool:
            with room:
                while len(outstanding) + len(batch) > self.window and not halted():
                    room.wait(0.5)
                if halted():
                    return False
                chunks[number] = _Chunk({k for k, _ in batch})
                for k, _ in batch:
                    outstanding[k] = number
            payload = {
                "run": self.run_id,
                "session": self.session,
                "chunk": number,
                "items": [row for _, row in batch],
                "options": self.options,
            }
            try:
                app.send_task(self.kind.task, args=[payload])
            except (OperationalError, redis.RedisError, OSError) as exc:
                broken.append(exc)
                self.stop.set()
                return False
            return True

        def feeder() -> None:
            number, size = 0, self.chunk_min
            batch: list[tuple[str, list[Any]]] = []
            try:
                for item in items:
                    if halted():
                        return
                    with lock:
                        stats.fed += 1
                        fed = stats.fed
                    answer = self.kind.local(item)
                    if answer is not None:
                        local_q.put(answer)
                    else:
                        batch.append((self.kind.key(item), self.kind.encode(item)))
                        if len(batch) >= size:
                            if not publish(number, batch):
                                return
                            number, size, batch = number + 1, min(self.chunk_max, size * 2), []
                    if self.on_fed is not None:
                        self.on_fed(fed)
                if batch:
                    publish(number, batch)
            except BaseException as exc:  # the inventory failed mid-way
                stats.feeder_error = exc
            finally:
                with lock:
                    stats.feeder_done = True

        threading.Thread(target=feeder, name="remote-feed", daemon=True).start()
        stopped_at: float | None = None
        last_message = time.monotonic()
        try:
            while True:
                if self.abort.is_set():
                    stats.aborted = True
                    break
                if broken:
                    stats.feeder_error = self._broker_gone(url, broken[0])
                    break
                while True:
                    try:
                        answer = local_q.get_nowait()
                    except queue.Empty:
                        break
                    stats.completed += 1
                    self.on_result(answer)
                if self.stop.is_set() and stopped_at is None:
                    stopped_at = time.monotonic()
                    bus.stop()
                try:
                    messages = bus.pop(self.poll_s)
                    if messages:
                        last_message = time.monotonic()
                    elif time.monotonic() - last_message > SILENCE_CHECK_S:
                        last_message = time.monotonic()
                        if outstanding and not bus.alive():
                            raise redis.ConnectionError("session lost")
                except (redis.RedisError, OSError) as exc:
                    stats.feeder_error = self._broker_gone(url, exc)
                    break
                for msg in messages:
                    self._take(msg, outstanding, chunks, stats, room)
                if self.on_tick is not None:
                    self.on_tick()
                with lock:
                    feeding = not stats.feeder_done
                if not feeding and local_q.empty():
                    running = [c for c in chunks.values() if not c.ended]
                    if not running:
                        break
                    if stopped_at is not None and (
                        time.monotonic() - stopped_at > self.item_timeout_s + STOP_GRACE_S
                    ):
                        break
        finally:
            stats.skipped += len(outstanding)
            quiet = not (self.stop.is_set() or stats.aborted or stats.feeder_error)
            if outstanding and quiet:
                # Every chunk ended, yet some devices never came back: never "finished".
                stats.feeder_error = ResultsLost(str(len(outstanding)), operation="celery")
            halt.set()  # the feeder stops publishing, if it still runs
            with room:
                room.notify_all()
            self._close(bus, complete=not outstanding and stats.feeder_error is None)
        return stats

    def _take(
        self,
        msg: Message,
        outstanding: dict[str, int],
        chunks: dict[int, _Chunk],
        stats: BatchStats,
        room: threading.Condition,
    ) -> None:
        if msg.worker:
            self.workers_seen.add(msg.worker)
        chunk = chunks.get(msg.chunk)
        for row in msg.rows:
            key, result = self.kind.decode(row)
            with room:
                number = outstanding.pop(key, None)
            if number is None:
                continue  # reported twice (a chunk delivered again): journaled once
            if chunk is not None:
                chunk.keys.discard(key)
            stats.completed += 1
            self.on_result(result)
        if chunk is None or not (msg.end or msg.skipped or msg.error):
            return
        if msg.error:
            stats.feeder_error = InventoryError(
                "a worker could not run a chunk", operation="audit", detail_pt=msg.error
            )
            self.stop.set()
        if msg.skipped or msg.error:
            log.info("chunk %d skipped by %s", msg.chunk, msg.worker or "a worker")
        elif chunk.keys:
            log.error("chunk %d ended with %d unreported device(s)", msg.chunk, len(chunk.keys))
        chunk.ended = True
        with room:
            # What an ended chunk did not report stays outstanding: counted as skipped
            # at the end (a resume redoes it), never as done.
            room.notify_all()

    def _close(self, bus: RunBus, *, complete: bool) -> None:
        try:
            if complete:
                bus.close()
            else:
                bus.stop()
        except (redis.RedisError, OSError):
            pass  # the keys expire by themselves

    def _broker_gone(self, url: str, exc: BaseException) -> BrokerUnavailable:
        self.stop.set()
        log.error("broker unavailable: %s", type(exc).__name__)
        return BrokerUnavailable(display_url(url), operation="celery")


def worker_name() -> str:
    return socket.gethostname()
