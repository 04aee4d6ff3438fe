"""Redis backends of the coordination contracts, for when `CPE_BROKER_URL` is set.

    device_locks(settings)    -> RedisDeviceLocks   (base.DeviceLocks)
    failure_ledger(settings)  -> RedisFailureLedger (base.FailureLedger)
    rate_limiter(settings, capacity, per_second, name=...) -> RedisRateLimiter
                                 (cpe.service.ratelimit.RateLimiter's interface)

One Redis client per URL and process (redis-py's client is a thread-safe connection
pool). The URL may carry a password: it is never printed (`display_url`).
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from cpe.coord.redis_ledger import RedisFailureLedger
from cpe.coord.redis_locks import RedisDeviceLocks
from cpe.coord.redis_ratelimit import RedisRateLimiter
from cpe.errors import InputError
from cpe.settings import Settings

__all__ = [
    "RedisDeviceLocks",
    "RedisFailureLedger",
    "RedisRateLimiter",
    "client_for",
    "device_locks",
    "display_url",
    "failure_ledger",
    "rate_limiter",
]

#: A command that takes longer than this is a broker in trouble, not a slow answer.
SOCKET_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 5.0

_clients: dict[str, redis.Redis] = {}
_guard = threading.Lock()


def display_url(url: str) -> str:
    """The broker's address without its password: safe for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def client_for(url: str) -> redis.Redis:
    with _guard:
        client = _clients.get(url)
        if client is None:
            if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
                raise InputError(
                    f"CPE_BROKER_URL inválida ({display_url(url)}): use redis://host:porta/0",
                    operation="configurar Redis",
                )
            client = redis.Redis.from_url(
                url,
                socket_timeout=SOCKET_TIMEOUT_S,
                socket_connect_timeout=CONNECT_TIMEOUT_S,
                health_check_interval=30,
                # Two quick retries ride over a reconnect; a broker that is really gone
                # is reported within a second, not after redis-py's default backoff.
                retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
            )
            _clients[url] = client
        return client


def _url(settings: Settings) -> str:
    if not settings.broker_url:
        raise InputError("CPE_BROKER_URL não definida", operation="configurar Redis")
    return settings.broker_url


_locks: dict[str, RedisDeviceLocks] = {}
_ledgers: dict[str, RedisFailureLedger] = {}


def device_locks(settings: Settings) -> RedisDeviceLocks:
    """One per URL and process: its renewal thread keeps every hold of the process alive."""
    url = _url(settings)
    with _guard:
        found = _locks.get(url)
    if found is None:
        found = RedisDeviceLocks(client_for(url), ttl_s=settings.lock_ttl_s)
        with _guard:
            found = _locks.setdefault(url, found)
    return found


def failure_ledger(settings: Settings) -> RedisFailureLedger:
    url = _url(settings)
    with _guard:
        found = _ledgers.get(url)
    if found is None:
        found = RedisFailureLedger(client_for(url))
        with _guard:
            found = _ledgers.setdefault(url, found)
    return found


def rate_limiter(
    settings: Settings, capacity: float, per_second: float, *, name: str = "api"
) -> RedisRateLimiter:
    return RedisRateLimiter(client_for(_url(settings)), capacity, per_second, name=name)
