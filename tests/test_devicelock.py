"""Device locks (cpe.coord.local_locks): one session per device across threads and
processes; a read waits, a write waits for a read, only a second write is refused."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cpe.coord import Intent
from cpe.coord.local_locks import BUSY_WRITE_PT, LocalDeviceLocks, lock_offset
from cpe.errors import SessionBusy

ROOT = Path(__file__).resolve().parent.parent

HOLDER = """
import sys
from pathlib import Path
from cpe.coord import Intent
from cpe.coord.local_locks import LocalDeviceLocks
with LocalDeviceLocks(Path(sys.argv[1])).hold(sys.argv[2], Intent(sys.argv[3]), wait_s=5):
    print("held", flush=True)
    sys.stdin.readline()
"""

PROBE = """
import sys
from pathlib import Path
from cpe.coord import Intent
from cpe.coord.local_locks import LocalDeviceLocks
from cpe.errors import SessionBusy
try:
    with LocalDeviceLocks(Path(sys.argv[1])).hold(sys.argv[2], Intent.READ, wait_s=0):
        print("free")
except SessionBusy:
    print("busy")
"""


def _probe(locks: Path, key: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(locks), key],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return out.stdout.strip()


def _holder(locks: Path, key: str, intent: Intent) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(locks), key, intent.value],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


def _release(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=10)


def test_a_second_write_is_refused_at_once_saying_how_long_the_first_has_run(
    tmp_path: Path,
) -> None:
    locks = LocalDeviceLocks(tmp_path)
    proc = _holder(tmp_path, "127.0.1.5:2389", Intent.WRITE)
    try:
        started = time.monotonic()
        with (
            pytest.raises(SessionBusy) as info,
            locks.hold("127.0.1.5:2389", Intent.WRITE, wait_s=30),
        ):
            pass
        assert time.monotonic() - started < 10, "a second write must not wait for the first"
        assert info.value.pt().startswith(BUSY_WRITE_PT + " (começou há ")
        # A read waits for the write, bounded, and says what it waited for.
        seen: list[float] = []
        with (
            pytest.raises(SessionBusy) as info,
            locks.hold("127.0.1.5:2389", Intent.READ, wait_s=1.2, on_wait=seen.append),
        ):
            pass
        assert seen, "a person waiting is told so"
        assert BUSY_WRITE_PT in info.value.pt()
        # Another device is free meanwhile.
        with locks.hold("127.0.1.6:2389", Intent.WRITE, wait_s=0):
            pass
    finally:
        _release(proc)
    # The holder is gone: its lock went with it.
    with locks.hold("127.0.1.5:2389", Intent.WRITE, wait_s=0):
        pass


def test_a_write_waits_for_a_read_in_another_process(tmp_path: Path) -> None:
    locks = LocalDeviceLocks(tmp_path)
    proc = _holder(tmp_path, "127.0.1.11:2389", Intent.READ)
    waited: list[float] = []

    def reader_finishes(elapsed: float) -> None:
        waited.append(elapsed)
        if proc.stdin is not None and not proc.stdin.closed:
            proc.stdin.close()  # the read ends while the write waits

    with locks.hold("127.0.1.11:2389", Intent.WRITE, wait_s=30, on_wait=reader_finishes) as h:
        assert h.intent is Intent.WRITE and locks.still_held(h)
    assert waited, "the write waited for the read instead of failing"
    proc.wait(timeout=10)


def test_a_process_that_dies_holding_the_lock_releases_it(tmp_path: Path) -> None:
    proc = _holder(tmp_path, "127.0.1.7:2389", Intent.WRITE)
    proc.kill()
    proc.wait(timeout=10)
    with LocalDeviceLocks(tmp_path).hold("127.0.1.7:2389", Intent.WRITE, wait_s=0):
        pass


def test_two_threads_of_one_process_never_share_a_device(tmp_path: Path) -> None:
    locks = LocalDeviceLocks(tmp_path)
    inside = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def hold() -> None:
        with locks.hold("127.0.1.8:2389", Intent.READ, wait_s=0):
            order.append("first read")
            inside.set()
            release.wait(10)
            order.append("first read done")

    t = threading.Thread(target=hold)
    t.start()
    try:
        assert inside.wait(10)
        # A second read waits (one session at a time) and runs once the first is done.
        with locks.hold("127.0.1.8:2389", Intent.READ, wait_s=30, on_wait=lambda s: release.set()):
            order.append("second read")
    finally:
        release.set()
        t.join(10)
    assert order == ["first read", "first read done", "second read"]
    # Two writes in one process: the second is refused at once.
    with locks.hold("127.0.1.8:2389", Intent.WRITE, wait_s=0):
        with pytest.raises(SessionBusy), locks.hold("127.0.1.8:2389", Intent.WRITE, wait_s=30):
            pass
    # Unlocking one device leaves this process's other locks in place (byte ranges).
    with locks.hold("127.0.1.9:2389", Intent.READ, wait_s=0):
        with locks.hold("127.0.1.10:2389", Intent.READ, wait_s=0):
            pass
        assert _probe(tmp_path, "127.0.1.9:2389") == "busy"
        assert _probe(tmp_path, "127.0.1.10:2389") == "free"
    assert _probe(tmp_path, "127.0.1.9:2389") == "free"


def test_fences_increase_and_a_closed_hold_is_no_longer_held(tmp_path: Path) -> None:
    locks = LocalDeviceLocks(tmp_path)
    fences = []
    for intent in (Intent.READ, Intent.WRITE, Intent.READ):
        with locks.hold("127.0.1.12:2389", intent, wait_s=0) as hold:
            assert locks.still_held(hold)
            fences.append(hold.fence)
        assert not locks.still_held(hold)
    assert fences == sorted(set(fences))


def test_lock_offsets_differ_per_device_and_stay_in_range() -> None:
    offsets = {lock_offset(f"127.0.{i // 250}.{i % 250}:2389") for i in range(10_000)}
    assert len(offsets) == 10_000
    assert all(0 <= o < 2**62 for o in offsets)
