"""How the vault and its key file reach the disk: an owner-only CPE_HOME, atomic writes
(temp file in the same directory, fsync, os.replace, fsync of the directory, 0600) and
a directory lock that serialises saves across processes. A crash mid-write keeps the
old file."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path


def ensure_home(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    # mkdir's mode is filtered by the umask and ignored for an existing dir: set it.
    if stat.S_IMODE(home.stat().st_mode) != 0o700:
        home.chmod(0o700)


def digest_of(path: Path) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


def atomic_write(path: Path, blob: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        try:
            os.fchmod(fd, 0o600)
            view = memoryview(blob)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not every filesystem allows it, hence best effort.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def dir_lock(directory: Path) -> Iterator[None]:
    """Serialise saves across processes (flock on the directory: no extra lock file)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
