"""How every journal writer masks secrets and stamps time (shared by cpe.journal and its
mixins)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

SECRET_KEYS = ("password", "passphrase", "senha", "psk", "key", "token", "secret")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@functools.lru_cache(maxsize=4096)
def _secret_key(key: str) -> bool:
    # Cached: a 10,000-device audit masks the same few dozen keys over and over.
    low = key.lower()
    return any(s in low for s in SECRET_KEYS)


def mask(value: Any) -> Any:
    """Mask every value whose key looks secret, recursively."""
    if isinstance(value, dict):
        return {k: ("***" if v and _secret_key(str(k)) else mask(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask(v) for v in value]
    return value
