"""Device locks for one host (the `DeviceLocks` contract of base.py).

Two byte-range locks (fcntl F_SETLK) per device in one shared file, LOCK_DIR/devices.lock,
at offsets hashed from the device's address: the SESSION byte is the device's one admin
session (held by whoever talks to it, reader or writer), the INTENT byte is held by a
writer from the moment it asks until it is done, so a second writer learns at once that
one is already holding or waiting. The kernel drops a dead process's locks; a device
costs a couple of system calls, which matters at audit scale (benchmarks/audit_scale.py).

POSIX record locks belong to the process, not the thread, so threads of one process meet
first at an in-process slot per device (a condition variable), and the shared file is
opened once per process and never closed (closing any descriptor of it would drop every
lock the process holds there). Waiting is polling with back-off: F_SETLKW cannot be
bounded without signals, and a person waiting wants progress anyway (`on_wait`).

Fencing tokens are CLOCK_MONOTONIC nanoseconds: shared by every process of the host and
strictly increasing between two holds of one device, which are one after the other. A
local hold cannot expire (the kernel keeps it until release or death), so `still_held`
is true for as long as the hold is open.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from cpe.coord import lockdir
from cpe.coord.base import Hold, Intent
from cpe.coord.busy import BUSY_WRITE_PT, Holder, wait_expired, write_refused
from cpe.errors import SessionBusy

__all__ = ["BUSY_WRITE_PT", "LocalDeviceLocks", "lock_offset"]

LOCK_FILE = "devices.lock"
WRITERS_DIR = "writers"
#: Offsets are 62-bit hashes of "host:port" (two bytes each): a false wait from a
#: collision needs two devices among ~2**31 in flight at once.
_OFFSET_BITS = 62
#: How often a person waiting is told so.
_PROGRESS_EVERY_S = 1.0
_POLL_FIRST_S = 0.02
_POLL_MAX_S = 0.25
#: This host, for the busy text's "where" (the lock directory is host-wide).
_HOST = socket.gethostname()


def lock_offset(key: str) -> int:
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> (64 - _OFFSET_BITS)


@dataclass
class _Slot:
    """Threads of this process on one device."""

    cond: threading.Condition = field(default_factory=threading.Condition)
    holder: Intent | None = None
    #: A WRITE of this process holds the device or waits for it.
    writer: bool = False
    writer_since: float = 0.0
    #: Threads holding or waiting for it (the slot is dropped at zero).
    users: int = 0


_guard = threading.Lock()
_slots: dict[tuple[Path, str], _Slot] = {}
_fds: dict[Path, int] = {}
_open_holds: set[tuple[str, int]] = set()


def _reset_after_fork() -> None:
    # A forked audit worker holds no lock of its parent (POSIX record locks are per
    # process) and must not wait on a slot a parent thread had taken.
    global _guard
    _guard = threading.Lock()
    _slots.clear()
    _open_holds.clear()


os.register_at_fork(after_in_child=_reset_after_fork)


class LocalDeviceLocks:
    def __init__(self, lock_dir: Path) -> None:
        self.lock_dir = lock_dir

    # -- the contract -------------------------------------------------------------------

    def hold(
        self,
        key: str,
        intent: Intent,
        *,
        wait_s: float,
        on_wait: Callable[[float], None] | None = None,
    ) -> AbstractContextManager[Hold]:
        if intent is Intent.WRITE:
            return self._write(key, wait_s, on_wait)
        return self._read(key, wait_s, on_wait)

    def still_held(self, hold: Hold) -> bool:
        return (hold.key, hold.fence) in _open_holds

    # -- readers and writers --------------------------------------------------------------

    @contextmanager
    def _read(
        self, key: str, wait_s: float, on_wait: Callable[[float], None] | None
    ) -> Iterator[Hold]:
        # The audit's hot path: no waiter is built unless the device is taken.
        waiter: _Waiter | None = None
        slot = self._slot(key)
        try:
            with slot.cond:
                # Behind a writer of this process that is waiting: it asked first.
                while slot.holder is not None or slot.writer:
                    waiter = waiter or _Waiter(wait_s, on_wait)
                    if not waiter.wait_on(slot.cond):
                        raise self._busy_reading(key, Intent.READ, waiter, slot)
                slot.holder = Intent.READ
            try:
                offset = lock_offset(key) * 2
                fd = self._fd()
                if not _try_lock(fd, offset):
                    waiter = waiter or _Waiter(wait_s, on_wait)
                    if not waiter.poll(lambda: _try_lock(fd, offset)):
                        raise self._busy_reading(key, Intent.READ, waiter, None)
                try:
                    yield from self._opened(key, Intent.READ)
                finally:
                    _unlock(fd, offset)
            finally:
                with slot.cond:
                    slot.holder = None
                    slot.cond.notify_all()
        finally:
            self._release_slot(key, slot)

    @contextmanager
    def _write(
        self, key: str, wait_s: float, on_wait: Callable[[float], None] | None
    ) -> Iterator[Hold]:
        waiter = _Waiter(wait_s, on_wait)
        slot = self._slot(key)
        try:
            yield from self._write_in(key, slot, waiter)
        finally:
            self._release_slot(key, slot)

    def _write_in(self, key: str, slot: _Slot, waiter: _Waiter) -> Iterator[Hold]:
        with slot.cond:
            if slot.writer:
                raise write_refused(key, self._own_writer(slot))
            slot.writer, slot.writer_since = True, time.time()
        try:
            fd, offset = self._fd(), lock_offset(key) * 2
            if not _try_lock(fd, offset + 1):
                raise write_refused(key, self._file_writer(key))
            try:
                self._mark_writer(key, slot.writer_since)
                with slot.cond:
                    while slot.holder is not None:
                        if not waiter.wait_on(slot.cond):
                            raise self._busy_reading(key, Intent.WRITE, waiter, slot)
                    slot.holder = Intent.WRITE
                if not waiter.poll(lambda: _try_lock(fd, offset)):
                    raise self._busy_reading(key, Intent.WRITE, waiter, None)
                try:
                    yield from self._opened(key, Intent.WRITE)
                finally:
                    _unlock(fd, offset)
            finally:
                self._unmark_writer(key)
                _unlock(fd, offset + 1)
        finally:
            with slot.cond:
                if slot.holder is Intent.WRITE:
                    slot.holder = None
                slot.writer = False
                slot.cond.notify_all()

    @staticmethod
    def _opened(key: str, intent: Intent) -> Iterator[Hold]:
        hold = Hold(key=key, intent=intent, fence=time.monotonic_ns())
        _open_holds.add((key, hold.fence))
        try:
            yield hold
        finally:
            _open_holds.discard((key, hold.fence))

    # -- plumbing -------------------------------------------------------------------------

    def _slot(self, key: str) -> _Slot:
        with _guard:
            slot = _slots.get((self.lock_dir, key))
            if slot is None:
                slot = _slots[(self.lock_dir, key)] = _Slot()
            slot.users += 1
            return slot

    def _release_slot(self, key: str, slot: _Slot) -> None:
        """Forget an idle device's slot: a 10,000-device audit must not keep 10,000."""
        with _guard:
            slot.users -= 1
            if slot.users == 0 and _slots.get((self.lock_dir, key)) is slot:
                del _slots[(self.lock_dir, key)]

    def _fd(self) -> int:
        with _guard:
            fd = _fds.get(self.lock_dir)
            if fd is None:
                mode = lockdir.prepare(self.lock_dir)
                fd = lockdir.open_shared(self.lock_dir / LOCK_FILE, os.O_RDWR, mode)
                _fds[self.lock_dir] = fd
            return fd

    def _writer_file(self, key: str) -> Path:
        return lockdir.subdir(self.lock_dir, WRITERS_DIR) / quote(key, safe="")

    def _mark_writer(self, key: str, since: float) -> None:
        """Say when this write started, so a refused one can tell how long it has run."""
        with suppress(OSError):
            path = self._writer_file(key)
            mode = lockdir.prepare(self.lock_dir)
            fd = lockdir.open_shared(path, os.O_WRONLY | os.O_TRUNC, mode)
            with os.fdopen(fd, "w") as fh:
                fh.write(json.dumps({"since": since, "pid": os.getpid()}))

    def _unmark_writer(self, key: str) -> None:
        with suppress(OSError):
            self._writer_file(key).unlink()

    def _file_writer(self, key: str) -> Holder:
        """The write another process marked for `key` (its start and pid), if any."""
        try:
            mark = json.loads(self._writer_file(key).read_text())
            since, pid = float(mark["since"]), int(mark["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return Holder(Intent.WRITE)
        return Holder(Intent.WRITE, time.time() - since, f"{_HOST}:{pid}")

    @staticmethod
    def _own_writer(slot: _Slot) -> Holder:
        return Holder(Intent.WRITE, time.time() - slot.writer_since, f"{_HOST}:{os.getpid()}")

    def _busy_reading(
        self, key: str, intent: Intent, waiter: _Waiter, slot: _Slot | None
    ) -> SessionBusy:
        """`intent` waited for the whole wait; who had the device, as far as known."""
        if slot is not None:
            holder = self._own_writer(slot) if slot.holder is Intent.WRITE else Holder(Intent.READ)
        elif intent is Intent.WRITE:
            holder = Holder(Intent.READ)  # this write holds the write token: a read is there
        else:
            found = self._file_writer(key)
            holder = found if found.where else Holder(Intent.READ)
        return wait_expired(key, intent, waiter.elapsed(), holder)


class _Waiter:
    """A bounded wait that tells the person waiting, now and then."""

    def __init__(self, wait_s: float, on_wait: Callable[[float], None] | None) -> None:
        self.started = time.monotonic()
        self.deadline = self.started + max(0.0, wait_s)
        self.on_wait = on_wait
        self.told = -_PROGRESS_EVERY_S

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def _tell(self) -> None:
        elapsed = self.elapsed()
        if self.on_wait is not None and elapsed - self.told >= _PROGRESS_EVERY_S:
            self.told = elapsed
            with suppress(Exception):  # a failing observer must not fail the action
                self.on_wait(elapsed)

    def wait_on(self, cond: threading.Condition) -> bool:
        """One bounded wait on `cond` (held by the caller); False when time is up."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            return False
        self._tell()
        cond.wait(min(left, _PROGRESS_EVERY_S))
        return True

    def poll(self, attempt: Callable[[], bool]) -> bool:
        pause = _POLL_FIRST_S
        while not attempt():
            left = self.deadline - time.monotonic()
            if left <= 0:
                return False
            self._tell()
            time.sleep(min(pause, left))
            pause = min(pause * 2, _POLL_MAX_S)
        return True


def _try_lock(fd: int, offset: int) -> bool:
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
    except (BlockingIOError, PermissionError):  # EAGAIN/EACCES: another process has it
        return False
    return True


def _unlock(fd: int, offset: int) -> None:
    fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset)
