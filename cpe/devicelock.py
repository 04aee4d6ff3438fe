"""One action per device at a time, across threads and processes.

The web UIs allow a single admin session, so two agents (or an audit and an agent) must
never talk to the same device at once. A lock file per device under CPE_HOME/locks, taken
with flock (released by the kernel if the process dies), plus a thread lock for workers
inside one process.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cpe.errors import SessionBusy

_thread_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()

BUSY_PT = "Outro atendimento está alterando este equipamento agora. Aguarde e tente de novo."


def _thread_lock(key: str) -> threading.Lock:
    with _guard:
        return _thread_locks.setdefault(key, threading.Lock())


@contextmanager
def device_lock(home: Path, key: str, *, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the lock for `key` (host:port); raise SessionBusy if someone else holds it."""
    tlock = _thread_lock(key)
    acquired = tlock.acquire(timeout=wait_s) if wait_s > 0 else tlock.acquire(blocking=False)
    if not acquired:
        raise SessionBusy("device locked by another action", device=key, detail_pt=BUSY_PT)
    try:
        lock_dir = home / "locks"
        lock_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = hashlib.sha256(key.encode()).hexdigest()[:20]
        fd = os.open(lock_dir / name, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SessionBusy(
                    "device locked by another process", device=key, detail_pt=BUSY_PT
                ) from None
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    finally:
        tlock.release()
