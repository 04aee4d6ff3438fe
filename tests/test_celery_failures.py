"""The Celery engine when things break: real redis-server, real `cpe worker` processes.

- kill -9 of a worker mid-audit: every device accounted for once, with its true verdict;
- Redis stopped mid-run: a clean stop with a Portuguese error, and `--resume` finishes
  once Redis is back (empty) and the worker has reconnected by itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cpe.journal import Journal
from tests.audit_helpers import FAST_ENV, expected, plans_of
from tests.celery_support import Worker, cpe, env_for, report_of, wait_for, worker_home
from tests.conftest import Lab, start_lab, stop_lab
from tests.redis_server import RedisServer, redis_server  # noqa: F401

pytest.importorskip("celery")
pytestmark = [pytest.mark.timeout(420), pytest.mark.xdist_group("celery-failures")]

SLOW_SIZE = 20
CALLER = [sys.executable, "-m", "cpe", "audit", "--engine", "celery", "--chunk-size", "2"]
CALLER += ["--format", "json", "--no-progress"]
#: Each request waits this long in the lab: a device takes a second or two, so a worker
#: is surely holding devices when it is killed.
LATENCY_MS = 150


@pytest.fixture(scope="module")
def slow_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    started = start_lab(
        tmp_path_factory.mktemp("celery-slow"), size=SLOW_SIZE, latency_ms=LATENCY_MS
    )
    try:
        yield started
    finally:
        stop_lab(started)


def _truth(lab: Lab) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {login: expected(p) for login, p in plans_of(SLOW_SIZE, 0.0, False).items()}


def _journaled(home: Path, run_id: str | None = None) -> int:
    journal = Journal(home / "journal.sqlite3")
    runs = journal.runs(limit=1)
    if not runs:
        return 0
    return sum(journal.verdict_counts(run_id or runs[0]["run_id"]).values())


def test_a_worker_killed_mid_audit_loses_no_device(
    slow_lab: Lab,
    redis_server: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    # Its own Redis database: the module's other workers serve the other lab's fleet.
    url = redis_server.url.replace("/0", "/1")
    # A short visibility timeout: the killed worker's chunks come back within seconds.
    env = {"CPE_BROKER_VISIBILITY_S": "6", **FAST_ENV}
    alfa = Worker("kalfa", worker_home(slow_lab, tmp_path / "a"), url, "--concurrency", "2", **env)
    bravo = Worker(
        "kbravo", worker_home(slow_lab, tmp_path / "b"), url, "--concurrency", "2", **env
    )
    caller = None
    try:
        alfa.wait_ready()
        bravo.wait_ready()
        caller = subprocess.Popen(
            CALLER,
            env=env_for(slow_lab.home, url, **env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for(lambda: _journaled(slow_lab.home) >= 2, 60, "first results", poll_s=0.05)
        bravo.kill9()  # mid-run: it holds chunks it will never acknowledge
        out, errs = caller.communicate(timeout=120)
        assert caller.returncode == 0, errs[-3000:]
        report = json.loads(out)
    finally:
        if caller is not None and caller.poll() is None:
            caller.kill()
        alfa.stop()
        bravo.stop()
    logins = [d["login"] for d in report["devices"]]
    assert len(logins) == len(set(logins)) == SLOW_SIZE  # every device once
    got = {d["login"]: (d["verdict"], tuple(sorted(d["drifts"]))) for d in report["devices"]}
    assert got == _truth(slow_lab)  # and each with its true verdict (no false "busy")


def test_redis_stopped_mid_run_stops_cleanly_and_resume_finishes(
    slow_lab: Lab, tmp_path: Path
) -> None:
    server = RedisServer(tmp_path / "redis")
    server.start()
    url = server.url
    worker = Worker(
        "solo", worker_home(slow_lab, tmp_path / "w"), url, "--concurrency", "4", **FAST_ENV
    )
    caller = None
    try:
        worker.wait_ready()
        # The module's lab may hold earlier runs: wait for results of this one.
        earlier = {r["run_id"] for r in Journal(slow_lab.home / "journal.sqlite3").runs(50)}
        caller = subprocess.Popen(
            CALLER,
            env=env_for(slow_lab.home, url, **FAST_ENV),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

        def new_results() -> int:
            runs = Journal(slow_lab.home / "journal.sqlite3").runs(limit=1)
            if not runs or runs[0]["run_id"] in earlier:
                return 0
            return _journaled(slow_lab.home, runs[0]["run_id"])

        wait_for(lambda: new_results() >= 2, 60, "first results", poll_s=0.05)
        server.stop()
        out, errs = caller.communicate(timeout=60)
        assert caller.returncode == 1, errs[-3000:]
        run_id = out.strip().splitlines()[-1]
        assert "Redis" in errs and f"cpe audit --resume {run_id}" in errs
        journal = Journal(slow_lab.home / "journal.sqlite3")
        assert journal.run_state(run_id) == "interrupted"
        partial = _journaled(slow_lab.home, run_id)
        assert 0 < partial < SLOW_SIZE
        # Redis comes back (empty); the worker reconnects by itself; the run resumes.
        server.start()
        worker.wait_ready(timeout_s=90)
        resumed = cpe(slow_lab.home, url, "audit", "--resume", run_id, "--format", "json")
        report = report_of(resumed)
    finally:
        if caller is not None and caller.poll() is None:
            caller.kill()
        worker.stop()
        server.stop()
    assert report["run_id"] == run_id
    got = {d["login"]: (d["verdict"], tuple(sorted(d["drifts"]))) for d in report["devices"]}
    assert got == _truth(slow_lab)
    assert journal.run_state(run_id) == "finished"
