"""A failure ledger in memory: what a driver uses when nobody gives it a shared one (a
test, a capture's replay). Same contract as the local and Redis ledgers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from cpe.coord.base import Attempt

__all__ = ["MemoryLedger"]


class MemoryLedger:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, list[Attempt]] = {}
        self._locks: dict[str, float] = {}

    def failures(self, device: str, *, since: float) -> list[Attempt]:
        with self._lock:
            return [a for a in self._failures.get(device, []) if a.at >= since]

    def record_failure(self, device: str, candidate: str, *, at: float) -> None:
        with self._lock:
            self._failures.setdefault(device, []).append(Attempt(candidate, at))

    def record_success(self, device: str, candidate: str, *, at: float) -> None:
        with self._lock:
            self._failures.pop(device, None)
            self._locks.pop(device, None)

    def record_lock(self, device: str, *, until: float) -> None:
        with self._lock:
            self._failures.pop(device, None)
            self._locks[device] = max(until, self._locks.get(device, 0.0))

    def locked_until(self, device: str) -> float | None:
        with self._lock:
            until = self._locks.get(device)
        return until if until is not None and until > time.time() else None

    def devices(self) -> Iterator[str]:
        with self._lock:
            names = sorted(set(self._failures) | set(self._locks))
        yield from names
