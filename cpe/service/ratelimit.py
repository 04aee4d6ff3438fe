"""Per-user token buckets: bursts of clicks are fine, a runaway script is slowed down.

In process here; with a broker (`CPE_BROKER_URL`) the service uses the same buckets in
Redis (`limiter_for`), so every `cpe serve` process on every host shares one budget.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from cpe.settings import Settings

RATE_LIMITED_PT = "Muitas solicitações seguidas. Aguarde alguns segundos e tente de novo."


class Limiter(Protocol):
    """What the service needs of a rate limiter: this module's in-process buckets, or
    Redis's shared by every process (cpe.coord.redis_ratelimit, with a broker)."""

    capacity: float
    per_second: float

    def take(self, key: str, cost: float = 1.0) -> float: ...

    def wait(self, key: str) -> float: ...

    def reset(self, key: str) -> None: ...


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """`capacity` requests at once, refilled at `per_second`; thread-safe."""

    def __init__(
        self,
        capacity: float,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, cost: float = 1.0) -> float:
        """0.0 when allowed; otherwise the seconds to wait before the next try."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_keys:
                    # Forget full buckets first: they carry no state worth keeping.
                    self._buckets = {
                        k: b for k, b in self._buckets.items() if b.tokens < self.capacity
                    }
                bucket = self._buckets[key] = _Bucket(self.capacity, now)
            bucket.tokens = min(
                self.capacity, bucket.tokens + (now - bucket.stamp) * self.per_second
            )
            bucket.stamp = now
            if bucket.tokens >= cost:
                bucket.tokens -= cost
                return 0.0
            if self.per_second <= 0:
                return 60.0
            return (cost - bucket.tokens) / self.per_second

    def wait(self, key: str) -> float:
        """Like `take`, without spending: 0.0 when a token is there, else the wait."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return 0.0
            tokens = min(self.capacity, bucket.tokens + (now - bucket.stamp) * self.per_second)
            if tokens >= 1.0:
                return 0.0
            return 60.0 if self.per_second <= 0 else (1.0 - tokens) / self.per_second

    def reset(self, key: str) -> None:
        with self._lock:
            self._buckets.pop(key, None)


def limiter_for(settings: Settings, capacity: float, per_second: float, name: str) -> Limiter:
    """Redis's bucket `name` when a broker is set (shared by every process), else one in
    this process."""
    if settings.broker_url:
        from cpe.coord.redis_backend import rate_limiter

        return rate_limiter(settings, capacity, per_second, name=name)
    return RateLimiter(capacity, per_second)
