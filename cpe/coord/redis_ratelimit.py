"""The service's token buckets in Redis: every `cpe serve` process and host share them.

The same interface as cpe.service.ratelimit.RateLimiter (`take`, `wait`, `reset`,
`capacity`, `per_second`), computed by one Lua script on the server's clock (`TIME`), so hosts whose
clocks disagree still share one bucket. A bucket expires once it would be full again.

When Redis cannot be reached the limiter falls back to an in-process bucket: agents
keep working and each process still slows a runaway script down. After a failure it
stays on that bucket for `RETRY_AFTER_S` before asking Redis again, so a Redis that is
gone (or a host that no longer answers) costs one timeout now and then, not one per
request.
"""

from __future__ import annotations

import logging
import time

import redis

from cpe.service.ratelimit import RateLimiter

__all__ = ["RedisRateLimiter"]

log = logging.getLogger("cpe.coord.redis")

PREFIX = "cpe:rate:"
#: After Redis failed, how long the in-process bucket answers alone.
RETRY_AFTER_S = 5.0

# KEYS: bucket. ARGV: capacity, per_second, cost. Returns the wait in seconds (a string:
# Lua numbers come back as integers otherwise).
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local cap, rate, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(b[1]) or cap
local stamp = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - stamp) * rate)
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
elseif rate <= 0 then
  wait = 60
else
  wait = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
local ttl = 3600000
if rate > 0 then ttl = math.ceil((cap - tokens) / rate * 1000) + 1000 end
redis.call('PEXPIRE', KEYS[1], ttl)
return tostring(wait)
"""

# KEYS: bucket. ARGV: capacity, per_second. `take`'s arithmetic without spending: the
# wait before one token is there (0 for a bucket Redis does not hold: it is full).
_WAIT = """
local b = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
if not b[1] then return '0' end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local cap, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokens = math.min(cap, tonumber(b[1]) + math.max(0, now - (tonumber(b[2]) or now)) * rate)
if tokens >= 1 then return '0' end
if rate <= 0 then return '60' end
return tostring((1 - tokens) / rate)
"""


class RedisRateLimiter:
    """`capacity` requests at once, refilled at `per_second`, per key, across hosts."""

    def __init__(
        self,
        client: redis.Redis,
        capacity: float,
        per_second: float,
        *,
        name: str = "api",
        prefix: str = PREFIX,
    ) -> None:
        self.client = client
        self.capacity = capacity
        self.per_second = per_second
        self.prefix = f"{prefix}{name}:"
        self._take = client.register_script(_TAKE)
        self._wait = client.register_script(_WAIT)
        self.fallback = RateLimiter(capacity, per_second)
        self._down_until = 0.0

    def _redis_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _failed(self, exc: Exception) -> None:
        self._down_until = time.monotonic() + RETRY_AFTER_S
        log.warning(
            "rate limit: redis unavailable (%s); in-process bucket for %.0f s",
            type(exc).__name__,
            RETRY_AFTER_S,
        )

    def take(self, key: str, cost: float = 1.0) -> float:
        """0.0 when allowed; otherwise the seconds to wait before the next try."""
        if self._redis_down():
            return self.fallback.take(key, cost)
        try:
            wait = self._take(keys=[self.prefix + key], args=[self.capacity, self.per_second, cost])
        except redis.RedisError as exc:
            self._failed(exc)
            return self.fallback.take(key, cost)
        return float(wait)

    def wait(self, key: str) -> float:
        """Like `take`, without spending: 0.0 when a token is there, else the wait."""
        if self._redis_down():
            return self.fallback.wait(key)
        try:
            wait = self._wait(keys=[self.prefix + key], args=[self.capacity, self.per_second])
        except redis.RedisError as exc:
            self._failed(exc)
            return self.fallback.wait(key)
        return float(wait)

    def reset(self, key: str) -> None:
        self.fallback.reset(key)
        try:
            self.client.delete(self.prefix + key)
        except redis.RedisError:
            log.warning("rate limit: redis unavailable; bucket %s not reset", key)
