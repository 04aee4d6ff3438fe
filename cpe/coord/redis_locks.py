"""Device locks in Redis: one admin session per device across every host (base.DeviceLocks).

Per device "host:port" three keys under `cpe:lock:`:
- `<key>:holder`  "intent fence owner start" while someone holds the device (owner is
  "host:pid", start the second it was taken, on Redis's clock), with an expiry
  (`ttl_s`) that a thread of the holding process renews every `ttl_s / 3`: a holder
  that dies (kill -9, a host that loses power) frees the device within `ttl_s`;
- `<key>:fence`   a counter, INCR on every hold: strictly increasing per device;
- `<key>:wwait`   the one WRITE waiting for a READ to end (expires like a holder).

Acquiring is one Lua script, so checking and taking are atomic. A WRITE waiting keeps
new READs out (writer preference: a fix is not starved by a stream of reads), and a
second WRITE is refused at once, as the contract says. `still_held` compares the
holder's fence with the hold's: a holder that lost its expiry (a pause longer than
`ttl_s`, Redis unreachable so renewal failed) learns it before writing, and a later
holder's larger fence is what it finds there.

Waits poll with a short backoff (at most `POLL_MAX_S`): a device hold lasts seconds,
and polling needs no subscription that a broken connection could silently lose.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import redis

from cpe.coord.base import Hold, Intent
from cpe.coord.busy import Holder, wait_expired, write_refused
from cpe.errors import SessionBusy

__all__ = ["RedisDeviceLocks"]

log = logging.getLogger("cpe.coord.redis")

PREFIX = "cpe:lock:"
POLL_MIN_S, POLL_MAX_S = 0.02, 0.25
#: How often `on_wait` is told the elapsed time while waiting.
ON_WAIT_EVERY_S = 1.0

UNAVAILABLE_PT = (
    "O Redis de coordenação (CPE_BROKER_URL) não respondeu; por segurança o equipamento "
    "não foi acessado. Tente de novo em instantes."
)

# KEYS: holder, fence, wwait. ARGV: intent, ttl_ms, owner, waiter token ("" for none).
# Returns {1, fence} when taken; {0, who, now} otherwise: who = the holder's record, or
# "wwait <token>" for a write waiting; now = Redis's second (to tell how long ago).
_ACQUIRE = """
local now = redis.call('TIME')[1]
local cur = redis.call('GET', KEYS[1])
if cur then
  return {0, cur, now}
end
local w = redis.call('GET', KEYS[3])
if w and w ~= ARGV[4] then
  return {0, 'wwait ' .. w, now}
end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. fence .. ' ' .. ARGV[3] .. ' ' .. now, 'PX', ARGV[2])
if w then redis.call('DEL', KEYS[3]) end
return {1, fence}
"""
# KEYS: holder. ARGV: fence, ttl_ms (0: release). 1 when the holder is still ours.
_KEEP = """
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local f = string.match(cur, '^%S+ (%d+)')
if f ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
"""
# KEYS: wwait. ARGV: token, ttl_ms (0: delete). Keep or drop our own write-wait marker.
_WAITER = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
"""


def _busy(key: str, message: str, pt: str) -> SessionBusy:
    return SessionBusy(message, device=key, operation="lock", detail_pt=pt)


def holder_of(who: str, now: str | None) -> Holder:
    """The busy text's holder from the acquire script's answer ("intent fence owner
    start", or "wwait <owner>:<n>" for a write waiting for a read to end)."""
    parts = who.split(" ")
    if parts[0] == "wwait":
        return Holder(Intent.WRITE, None, parts[1] if len(parts) > 1 else None)
    intent = Intent(parts[0]) if parts[0] in (Intent.READ, Intent.WRITE) else None
    ago: float | None = None
    if len(parts) > 3 and now is not None and parts[3].isdigit() and now.isdigit():
        ago = max(0.0, float(int(now) - int(parts[3])))
    return Holder(intent, ago, parts[2] if len(parts) > 2 else None)


def _text(value: bytes | str | int) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisDeviceLocks:
    """base.DeviceLocks over one Redis client (thread-safe; share one per process)."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        ttl_s: float = 30.0,
        prefix: str = PREFIX,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.ttl_ms = max(1000, int(ttl_s * 1000))
        self.prefix = prefix
        self.sleep = sleep
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._acquire = client.register_script(_ACQUIRE)
        self._keep = client.register_script(_KEEP)
        self._waiter = client.register_script(_WAITER)
        #: Holds of this process, renewed by one thread: (holder key, fence).
        self._held: dict[int, tuple[str, int]] = {}
        self._guard = threading.Lock()
        self._renewer: threading.Thread | None = None
        self._ids = iter(range(1 << 62))

    # -- the contract ---------------------------------------------------------------------

    def hold(
        self,
        key: str,
        intent: Intent,
        *,
        wait_s: float,
        on_wait: Callable[[float], None] | None = None,
    ) -> AbstractContextManager[Hold]:
        return self._hold(key, intent, wait_s, on_wait)

    def still_held(self, hold: Hold) -> bool:
        try:
            holder = self._k(hold.key, "holder")
            return bool(self._keep(keys=[holder], args=[hold.fence, self.ttl_ms]))
        except redis.RedisError:
            return False  # cannot prove it: a late holder must not write

    # -- plumbing -------------------------------------------------------------------------

    def _k(self, key: str, part: str) -> str:
        return f"{self.prefix}{key}:{part}"

    @contextmanager
    def _hold(
        self,
        key: str,
        intent: Intent,
        wait_s: float,
        on_wait: Callable[[float], None] | None,
    ) -> Iterator[Hold]:
        fence = self._take(key, Intent(intent), wait_s, on_wait)
        hold = Hold(key, Intent(intent), fence)
        ident = next(self._ids)
        with self._guard:
            self._held[ident] = (self._k(key, "holder"), fence)
            self._start_renewer()
        try:
            yield hold
        finally:
            with self._guard:
                self._held.pop(ident, None)
            try:
                self._keep(keys=[self._k(key, "holder")], args=[fence, 0])
            except redis.RedisError:
                log.warning("lock release failed for %s; it expires by itself", key)

    def _take(
        self,
        key: str,
        intent: Intent,
        wait_s: float,
        on_wait: Callable[[float], None] | None,
    ) -> int:
        keys = [self._k(key, "holder"), self._k(key, "fence"), self._k(key, "wwait")]
        waiter = ""
        started = time.monotonic()
        told = -ON_WAIT_EVERY_S
        pause = POLL_MIN_S
        try:
            while True:
                answer = self._acquire(
                    keys=keys, args=[str(intent), self.ttl_ms, self.owner, waiter]
                )
                if int(answer[0]) == 1:
                    return int(answer[1])
                holder = holder_of(_text(answer[1]), _text(answer[2]) if len(answer) > 2 else None)
                if intent is Intent.WRITE and not waiter:
                    if holder.intent is not Intent.READ:  # another write holds or waits
                        raise write_refused(key, holder)
                    waiter = f"{self.owner}:{next(self._ids)}"
                    if not self.client.set(keys[2], waiter, nx=True, px=self.ttl_ms):
                        found = self.client.get(keys[2])
                        waiter = ""
                        raise write_refused(key, holder_of(f"wwait {_text(found or b'')}", None))
                elapsed = time.monotonic() - started
                if elapsed >= wait_s:
                    raise wait_expired(key, intent, elapsed, holder)
                if on_wait is not None and elapsed - told >= ON_WAIT_EVERY_S:
                    told = elapsed
                    on_wait(elapsed)
                if waiter:
                    self._waiter(keys=[keys[2]], args=[waiter, self.ttl_ms])
                self.sleep(min(pause, max(0.0, wait_s - elapsed)))
                pause = min(POLL_MAX_S, pause * 2)
        except redis.RedisError as exc:
            raise _busy(key, f"redis unavailable ({type(exc).__name__})", UNAVAILABLE_PT) from None
        finally:
            if waiter:
                try:
                    self._waiter(keys=[keys[2]], args=[waiter, 0])
                except redis.RedisError:
                    pass  # it expires by itself

    def _start_renewer(self) -> None:
        if self._renewer is None or not self._renewer.is_alive():
            self._renewer = threading.Thread(
                target=self._renew_loop, name="cpe-lock-renew", daemon=True
            )
            self._renewer.start()

    def _renew_loop(self) -> None:
        """Extend every hold of this process; stop when there is none left."""
        while True:
            time.sleep(self.ttl_ms / 3000)
            with self._guard:
                held = list(self._held.values())
                if not held:
                    self._renewer = None
                    return
            for holder_key, fence in held:
                try:
                    if not self._keep(keys=[holder_key], args=[fence, self.ttl_ms]):
                        log.warning("device lock %s lost (expired or taken over)", holder_key)
                except redis.RedisError:
                    log.warning("device lock %s not renewed: redis unavailable", holder_key)
