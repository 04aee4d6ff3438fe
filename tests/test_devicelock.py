"""Device locks: one action per device across threads and across processes."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cpe.devicelock import device_lock, lock_offset
from cpe.errors import SessionBusy

ROOT = Path(__file__).resolve().parent.parent

HOLDER = """
import sys, time
from pathlib import Path
from cpe.devicelock import device_lock
with device_lock(Path(sys.argv[1]), sys.argv[2]):
    print("held", flush=True)
    sys.stdin.readline()
"""


PROBE = """
import sys
from pathlib import Path
from cpe.devicelock import device_lock
from cpe.errors import SessionBusy
try:
    with device_lock(Path(sys.argv[1]), sys.argv[2]):
        print("free")
except SessionBusy:
    print("busy")
"""


def _probe(home: Path, key: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(home), key],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return out.stdout.strip()


def _holder(home: Path, key: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(home), key],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_another_process_holding_the_device_means_busy(tmp_path: Path) -> None:
    proc = _holder(tmp_path, "127.0.1.5:2389")
    try:
        with (
            pytest.raises(SessionBusy, match="another process"),
            device_lock(tmp_path, "127.0.1.5:2389"),
        ):
            pass
        # Another device is free meanwhile.
        with device_lock(tmp_path, "127.0.1.6:2389"):
            pass
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)
    # The holder is gone: its lock went with it.
    with device_lock(tmp_path, "127.0.1.5:2389"):
        pass


def test_a_process_that_dies_holding_the_lock_releases_it(tmp_path: Path) -> None:
    proc = _holder(tmp_path, "127.0.1.7:2389")
    proc.kill()
    proc.wait(timeout=10)
    with device_lock(tmp_path, "127.0.1.7:2389"):
        pass


def test_two_threads_of_one_process_never_share_a_device(tmp_path: Path) -> None:
    inside = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with device_lock(tmp_path, "127.0.1.8:2389"):
            inside.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    try:
        assert inside.wait(10)
        with pytest.raises(SessionBusy), device_lock(tmp_path, "127.0.1.8:2389"):
            pass
    finally:
        release.set()
        t.join(10)
    # Unlocking one device leaves this process's other locks in place (byte ranges).
    with device_lock(tmp_path, "127.0.1.9:2389"):
        with device_lock(tmp_path, "127.0.1.10:2389"):
            pass
        assert _probe(tmp_path, "127.0.1.9:2389") == "busy"
        assert _probe(tmp_path, "127.0.1.10:2389") == "free"
    assert _probe(tmp_path, "127.0.1.9:2389") == "free"


def test_lock_offsets_differ_per_device_and_stay_in_range() -> None:
    offsets = {lock_offset(f"127.0.{i // 250}.{i % 250}:2389") for i in range(10_000)}
    assert len(offsets) == 10_000
    assert all(0 <= o < 2**62 for o in offsets)
