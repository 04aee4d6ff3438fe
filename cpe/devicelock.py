"""One action per device at a time, across threads and processes.

The web UIs allow a single admin session, so two agents (or an audit and an agent) must
never talk to the same device at once. Inside one process a thread lock per device does
it; across processes, a byte-range lock (fcntl F_SETLK) on one shared file,
CPE_HOME/locks/devices.lock, at an offset hashed from the device's address. The kernel
drops a dead process's locks, like flock, but a device costs two system calls instead of
the six of a lock file per device (mkdir, open, flock, unlock, close): at 32 workers each
system call is also a GIL hand-off, and the audit's per-device overhead showed it.

POSIX record locks belong to the process, not the thread or the descriptor, hence the
thread lock first, and hence the shared descriptor is opened once and never closed (a
close of any descriptor of the file would drop every lock the process holds on it).
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
_lock_fds: dict[Path, int] = {}
_guard = threading.Lock()

BUSY_PT = "Outro atendimento está alterando este equipamento agora. Aguarde e tente de novo."
LOCK_FILE = "devices.lock"
#: Offsets are 62-bit hashes of "host:port": a false "busy" from a collision needs two
#: devices among ~2**31 in flight at once.
_OFFSET_BITS = 62


def _thread_lock(key: str) -> threading.Lock:
    with _guard:
        return _thread_locks.setdefault(key, threading.Lock())


def _lock_fd(home: Path) -> int:
    with _guard:
        fd = _lock_fds.get(home)
        if fd is None:
            lock_dir = home / "locks"
            lock_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(lock_dir / LOCK_FILE, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
            _lock_fds[home] = fd
        return fd


def lock_offset(key: str) -> int:
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> (64 - _OFFSET_BITS)


#: Devices the current thread holds: a nested hold of the same device is a no-op, so a
#: caller can keep a device across several steps (the service's Wi-Fi change holds it
#: across the IXC write and the device write) while each step still takes the lock.
_held = threading.local()


def _held_keys() -> set[str]:
    keys: set[str] | None = getattr(_held, "keys", None)
    if keys is None:
        keys = _held.keys = set()
    return keys


@contextmanager
def device_lock(home: Path, key: str, *, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the lock for `key` (host:port); raise SessionBusy if someone else holds it."""
    held = _held_keys()
    if key in held:
        yield
        return
    tlock = _thread_lock(key)
    acquired = tlock.acquire(timeout=wait_s) if wait_s > 0 else tlock.acquire(blocking=False)
    if not acquired:
        raise SessionBusy("device locked by another action", device=key, detail_pt=BUSY_PT)
    try:
        fd, offset = _lock_fd(home), lock_offset(key)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
        except (BlockingIOError, PermissionError):  # EAGAIN/EACCES: another process has it
            raise SessionBusy(
                "device locked by another process", device=key, detail_pt=BUSY_PT
            ) from None
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
            fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset)
    finally:
        tlock.release()
