"""The failure ledger for one host (the `FailureLedger` contract of base.py).

One small append-only file per device with any history, LOCK_DIR/ledger/<host:port>:
    F <unix time> <candidate id>     a login attempt that did not (yet) succeed
    L <unix time> <lock end>         the device is locked until then
A success removes the file: the device's history no longer matters. A lock makes the
failures before it stop counting (the device starts its counter again when the lock
ends). A device without a file costs one stat() of the directory to read (its listing is
kept while the directory's mtime stays put, and only trusted once that mtime is old
enough that a file made in the same clock tick cannot hide behind it), so the audit's hot
path stays a few system calls per device.

Appends take flock on the file and check it is still the one at the path (a concurrent
success may have removed it, a compaction replaced it), so no line is lost between
processes. A line that cannot be read but starts with F still counts as a failure: the
ledger errs towards not trying.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

from cpe.coord import lockdir
from cpe.coord.base import Attempt

__all__ = ["LocalFailureLedger"]

LEDGER_DIR = "ledger"
#: Past this size a file is rewritten with only what still counts.
_COMPACT_BYTES = 4096
#: How old the directory's last change must be for its listing to prove an absence
#: (file-system timestamps advance by clock ticks, not nanoseconds).
_RACY_NS = 2_000_000_000


@dataclass
class _State:
    failures: list[Attempt] = field(default_factory=list)
    locked_until: float = 0.0


def _parse(text: str) -> _State:
    state = _State()
    for line in text.splitlines():
        kind, _, rest = line.partition(" ")
        parts = rest.split(" ")
        try:
            if kind == "F":
                state.failures.append(Attempt(parts[1] if len(parts) > 1 else "", float(parts[0])))
            elif kind == "L":
                state.failures.clear()
                state.locked_until = max(state.locked_until, float(parts[1]))
        except (ValueError, IndexError):
            if kind == "F":
                state.failures.append(Attempt("", 0.0))
    return state


class LocalFailureLedger:
    def __init__(self, lock_dir: Path) -> None:
        self.lock_dir = lock_dir
        self._dir: Path | None = None
        self._dir_text: str | None = None
        #: device → (file name, path) (str: pathlib and quoting cost more than the read).
        self._paths: dict[str, tuple[str, str]] = {}
        #: (directory mtime, listing trusted, names): see the module's docstring.
        self._listing: tuple[int, bool, frozenset[str]] = (-1, False, frozenset())

    # -- reading ----------------------------------------------------------------------------

    def failures(self, device: str, *, since: float) -> list[Attempt]:
        return [a for a in self._state(device).failures if a.at >= since]

    def locked_until(self, device: str) -> float | None:
        until = self._state(device).locked_until
        return until if until > time.time() else None

    def devices(self) -> Iterator[str]:
        try:
            names = os.listdir(self._ledger_dir())
        except FileNotFoundError:
            return
        for name in sorted(names):
            if not name.startswith("."):
                yield unquote(name)

    # -- writing ----------------------------------------------------------------------------

    def record_failure(self, device: str, candidate: str, *, at: float) -> None:
        self._append(device, f"F {at:.3f} {_clean(candidate)}\n")

    def record_lock(self, device: str, *, until: float) -> None:
        self._append(device, f"L {time.time():.3f} {until:.3f}\n")

    def record_success(self, device: str, candidate: str, *, at: float) -> None:
        if not self._may_exist(device):
            return
        path = self._path(device)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_nlink:
                with suppress(FileNotFoundError):
                    os.unlink(path)
        finally:
            os.close(fd)

    # -- plumbing ---------------------------------------------------------------------------

    def _ledger_dir(self) -> Path:
        if self._dir is None:
            self._dir = lockdir.subdir(self.lock_dir, LEDGER_DIR)
        return self._dir

    def _names(self, device: str) -> tuple[str, str]:
        known = self._paths.get(device)
        if known is None:
            name = quote(device, safe="")
            known = self._paths[device] = (name, os.path.join(self._dir_str(), name))
        return known

    def _dir_str(self) -> str:
        if self._dir_text is None:
            self._dir_text = str(self._ledger_dir())
        return self._dir_text

    def _path(self, device: str) -> str:
        return self._names(device)[1]

    def _may_exist(self, device: str) -> bool:
        """False only when a trusted listing of the directory says there is no file."""
        directory = self._dir_str()
        mtime = os.stat(directory).st_mtime_ns
        seen, trusted, names = self._listing
        if mtime != seen or not trusted:
            names = frozenset(os.listdir(directory))
            # A file made within the same clock tick as `mtime` would not move it: only a
            # listing taken well after the last change can vouch for an absence.
            trusted = time.time_ns() - mtime > _RACY_NS
            self._listing = (mtime, trusted, names)
            if not trusted:
                return True
        return self._names(device)[0] in names

    def _state(self, device: str) -> _State:
        if not self._may_exist(device):
            return _State()
        try:
            fd = os.open(self._path(device), os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:  # the audit's common case: no history at all
            return _State()
        try:
            chunks = []
            while chunk := os.read(fd, 65536):
                chunks.append(chunk)
        finally:
            os.close(fd)
        return _parse(b"".join(chunks).decode("ascii", errors="replace"))

    def _append(self, device: str, line: str) -> None:
        path = Path(self._path(device))
        mode = lockdir.prepare(self.lock_dir)
        while True:
            fd = lockdir.open_shared(path, os.O_RDWR | os.O_APPEND, mode)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                st = os.fstat(fd)
                try:
                    current = os.stat(path).st_ino == st.st_ino
                except FileNotFoundError:
                    current = False
                if not current:
                    continue  # removed or replaced while we waited: open the new one
                os.write(fd, line.encode("ascii"))
                if st.st_size + len(line) > _COMPACT_BYTES:
                    self._compact(fd, path, mode)
                return
            finally:
                os.close(fd)

    @staticmethod
    def _compact(fd: int, path: Path, mode: int) -> None:
        """Rewrite with only what still counts (called holding the file's flock)."""
        os.lseek(fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        state = _parse(b"".join(chunks).decode("ascii", errors="replace"))
        lines = []
        if state.locked_until > time.time():
            lines.append(f"L {time.time():.3f} {state.locked_until:.3f}\n")
        lines += [f"F {a.at:.3f} {_clean(a.candidate)}\n" for a in state.failures]
        if sum(map(len, lines)) > _COMPACT_BYTES // 2:
            return  # everything still counts: nothing worth rewriting
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        out = lockdir.open_shared(tmp, os.O_WRONLY | os.O_TRUNC, mode)
        try:
            os.write(out, "".join(lines).encode("ascii"))
        finally:
            os.close(out)
        os.replace(tmp, path)


def _clean(candidate: str) -> str:
    """Candidate ids are opaque hex; keep any other text from breaking a line."""
    return "".join(c for c in candidate if c.isalnum() or c in "-_.") or "-"
