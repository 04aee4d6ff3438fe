"""Two `cpe worker` processes never hold two sessions to one device (issue 14).

A real redis-server on loopback, two real workers with their own CPE_HOMEs and their own
lock directories (so only the Redis device locks can keep them apart), one simulated
device in this process (tests.inproc) that answers slowly, and two audits and a fix
of that one device started at once from the coordinator's home: the device sees at most
one session at a time, every job finishes with the device's true verdict (none gives up
as busy), and both workers took part.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cpe.journal import Journal
from tests.celery_support import ROOT, WORKER_FILES, Worker, env_for
from tests.inproc import count_sessions, world
from tests.redis_server import RedisServer, redis_server  # noqa: F401

pytest.importorskip("celery")
# The same group as the kill -9 and Redis-stop tests: never at the same time as them on
# this loaded machine (real processes, minutes at worst, never a timed assertion).
pytestmark = [pytest.mark.timeout(600), pytest.mark.xdist_group("celery-failures")]

MODEL = "mercusys-ac12g"
#: Each request waits this long: a session lasts a second or more, long enough for
#: jobs started together to overlap on the device if nothing kept them apart.
LATENCY_MS = 150.0
AUDITS = 2
CALLER = [sys.executable, "-m", "cpe", "audit", "--engine", "celery", "--chunk-size", "1"]
CALLER += ["--format", "json", "--no-progress", "--device-timeout", "300"]


def _worker_home(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, mode=0o700)
    for name in WORKER_FILES:
        shutil.copy2(src / name, dst / name)
    return dst


def _caller(home: Path, broker: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CALLER, *args],
        env=env_for(home, broker),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _tasks_by_worker(broker: str, home: Path, nodes: list[str]) -> dict[str, int]:
    """Tasks each worker ran so far (asked again when a worker's answer is late)."""
    from cpe.scale.app import configured
    from cpe.settings import Settings

    inspect = configured(Settings(home=home, broker_url=broker)).control.inspect(timeout=5)
    got: dict[str, int] = {}
    for _ in range(5):
        stats = inspect.stats() or {}
        got |= {name: sum((s.get("total") or {}).values()) for name, s in stats.items()}
        if all(n in got for n in nodes):
            break
    return got


def _round(home: Path, broker: str, login: str, *, fix: bool) -> list[dict[str, Any]]:
    """Audits (and a fix) of one device started at once; their reports."""
    jobs = [_caller(home, broker, "--login", login) for _ in range(AUDITS)]
    if fix:
        jobs.append(_caller(home, broker, "--login", login, "--fix"))
    outputs = [job.communicate(timeout=400) for job in jobs]
    codes = [job.returncode for job in jobs]
    assert codes[:AUDITS] == [0] * AUDITS and codes[AUDITS:] in ([], [0], [1]), [
        err[-2000:] for _, err in outputs
    ]
    reports = [json.loads(out) for out, _ in outputs]
    for report in reports:
        (device,) = report["devices"]
        assert device["login"] == login
        assert device["verdict"] in ("ok", "drift"), device  # a session, not "busy"
    return reports


@pytest.fixture
def device_world(tmp_path: Path) -> Iterator[Any]:
    with world(tmp_path / "coord", [MODEL]) as w:
        yield w


def test_two_workers_never_hold_two_sessions_to_one_device(
    device_world: Any,
    redis_server: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    w = device_world
    url = redis_server.url
    login, dev = w.add(MODEL, dns_drift=True, ssid_drift=False)
    dev.knobs.latency_ms = LATENCY_MS
    seen = count_sessions(dev)
    # Generous waits and budgets: four jobs queue on one slow device, on a loaded machine.
    patient = {"CPE_READ_WAIT_S": "240", "CPE_WRITE_WAIT_S": "240"}
    workers = [
        Worker(
            name,
            _worker_home(w.home, tmp_path / name),
            url,
            "--concurrency",
            "4",
            CPE_LOCK_DIR=str(tmp_path / f"locks-{name}"),
            **patient,
        )
        for name in ("charlie", "delta")
    ]
    nodes = [wk.node for wk in workers]
    try:
        for worker in workers:
            worker.wait_ready()
        before = _tasks_by_worker(url, w.home, nodes)
        reports = _round(w.home, url, login, fix=True)
        ran = {n: _tasks_by_worker(url, w.home, nodes).get(n, 0) - before.get(n, 0) for n in nodes}
        for _ in range(2):  # one round nearly always spreads; on a skewed machine, again
            if all(ran.values()):
                break
            _round(w.home, url, login, fix=False)
            after = _tasks_by_worker(url, w.home, nodes)
            ran = {n: after.get(n, 0) - before.get(n, 0) for n in nodes}
    finally:
        for worker in workers:
            worker.stop()
    # the fix ran on a worker and wrote the device's DNS
    journal = Journal(w.home / "journal.sqlite3")
    fixes = list(journal.fix_results(reports[-1]["run_id"], dry_run=False))
    assert [f["outcome"] for f in fixes] == ["fixed"], fixes
    assert dev.dns[:2] == ["1.1.1.1", "1.0.0.1"]
    # every job opened a session of its own, one at a time
    assert seen["total"] >= len(reports), seen
    assert seen["max"] == 1, f"two sessions at once on one device: {seen}"
    # and both workers had some of the jobs
    assert all(n > 0 for n in ran.values()), ran
    print(f"\nsessions on the device: {seen}; chunks per worker: {ran}")
