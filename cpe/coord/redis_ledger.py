"""The failure ledger in Redis (base.FailureLedger), shared by every host.

Per device, under `cpe:ledger:`:
- `fail:<device>`  a sorted set of failed attempts scored by their Unix time, member
  "time|candidate|nonce" (the nonce keeps two failures in one instant apart). The
  candidate is the vault's opaque id, never a password;
- `lock:<device>`  the end of the device's known lock, expiring at that end;
- `devices`        the devices with any history (for diagnostics).

Failures are kept `retention_s` (a week by default: far beyond any device's lock
window) after the device's last failure; a success forgets them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import redis

from cpe.coord.base import Attempt

__all__ = ["RedisFailureLedger"]

PREFIX = "cpe:ledger:"

# KEYS: lock. ARGV: until (float seconds). Only ever extends a known lock.
_EXTEND_LOCK = """
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local want = tonumber(ARGV[1])
if want > cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', math.floor(want * 1000) + 1)
end
return 1
"""


class RedisFailureLedger:
    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = PREFIX,
        retention_s: float = 7 * 86400,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.retention_ms = int(retention_s * 1000)
        self._extend = client.register_script(_EXTEND_LOCK)

    def _fail(self, device: str) -> str:
        return f"{self.prefix}fail:{device}"

    def _lock(self, device: str) -> str:
        return f"{self.prefix}lock:{device}"

    @property
    def _devices(self) -> str:
        return f"{self.prefix}devices"

    def failures(self, device: str, *, since: float) -> list[Attempt]:
        members = self.client.zrangebyscore(self._fail(device), since, "+inf")
        out = []
        for raw in members:
            text = raw.decode() if isinstance(raw, bytes) else str(raw)
            at, candidate, _nonce = text.split("|", 2)
            out.append(Attempt(candidate=candidate, at=float(at)))
        return out

    def record_failure(self, device: str, candidate: str, *, at: float) -> None:
        if "|" in candidate:
            raise ValueError("candidate ids must not contain '|'")
        key = self._fail(device)
        member = f"{at!r}|{candidate}|{uuid.uuid4().hex[:8]}"
        pipe = self.client.pipeline(transaction=True)
        pipe.zadd(key, {member: at})
        pipe.pexpire(key, self.retention_ms)
        pipe.sadd(self._devices, device)
        pipe.execute()

    def record_success(self, device: str, candidate: str, *, at: float) -> None:
        self.client.delete(self._fail(device), self._lock(device))

    def record_lock(self, device: str, *, until: float) -> None:
        pipe = self.client.pipeline(transaction=True)
        self._extend(keys=[self._lock(device)], args=[repr(until)], client=pipe)
        pipe.sadd(self._devices, device)
        pipe.execute()

    def locked_until(self, device: str) -> float | None:
        raw = self.client.get(self._lock(device))
        if raw is None:
            return None
        until = float(raw)
        return until if until > time.time() else None

    def devices(self) -> Iterator[str]:
        for raw in self.client.sscan_iter(self._devices):
            device = raw.decode() if isinstance(raw, bytes) else str(raw)
            if self.client.exists(self._fail(device), self._lock(device)):
                yield device
            else:  # its history expired or was cleared: forget it here too
                self.client.srem(self._devices, device)
