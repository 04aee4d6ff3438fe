"""The Celery engine end to end: real redis-server on loopback, real `cpe worker`
processes with their own CPE_HOMEs, the embedded lab.

- two workers give the same verdict per device as the in-process audit, and both work;
- `--fix` runs on the workers, recorded in the caller's journal and the worker's;
- the service's technician-started audit goes to the workers;
- a schedule fires and its run lands in the journal, with its report.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cpe.journal import Journal
from tests.audit_helpers import FAST_ENV
from tests.celery_support import Worker, cpe, report_of, verdicts, wait_for, worker_home
from tests.conftest import Lab, start_lab, stop_lab
from tests.redis_server import RedisServer, redis_server  # noqa: F401

pytest.importorskip("celery")
# Real processes (workers, beat) that start in seconds on an idle machine, far slower
# on a loaded one: a bound of minutes, never a timed assertion.
pytestmark = [pytest.mark.timeout(420), pytest.mark.xdist_group("celery")]

SIZE = 16


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    started = start_lab(tmp_path_factory.mktemp("celery-lab"), size=SIZE)
    try:
        yield started
    finally:
        stop_lab(started)


@pytest.fixture(scope="module")
def workers(
    lab: Lab,
    redis_server: RedisServer,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[Worker]]:
    started = [
        Worker(
            name,
            worker_home(lab, tmp_path_factory.mktemp(name)),
            redis_server.url,
            "--concurrency",
            "4",
            **FAST_ENV,
        )
        for name in ("alfa", "bravo")
    ]
    try:
        for w in started:
            w.wait_ready()
        yield started
    finally:
        for w in started:
            w.stop()


def _tasks_by_worker(broker: str, home: Path) -> dict[str, int]:
    from cpe.scale.app import configured
    from cpe.settings import Settings

    stats = configured(Settings(home=home, broker_url=broker)).control.inspect(timeout=1).stats()
    return {name: sum((s.get("total") or {}).values()) for name, s in (stats or {}).items()}


def test_two_workers_give_the_in_process_verdicts(
    lab: Lab,
    workers: list[Worker],
    redis_server: RedisServer,  # noqa: F811
) -> None:
    url = redis_server.url
    local = report_of(cpe(lab.home, url, "audit", "--engine", "local", "--format", "json"))
    remote = report_of(
        cpe(lab.home, url, "audit", "--engine", "celery", "--chunk-size", "2", "--format", "json")
    )
    assert verdicts(remote) == verdicts(local)
    assert len(remote["devices"]) == SIZE
    assert remote["summary"] == local["summary"]
    # and the work was really spread: both workers ran chunks
    done = _tasks_by_worker(url, lab.home)
    assert all(done.get(w.node, 0) > 0 for w in workers), done
    # the caller's journal has the run (its params say which engine)
    journal = Journal(lab.home / "journal.sqlite3")
    params = journal.run_params(remote["run_id"])
    assert params is not None and params["engine"] == "celery"
    # nothing secret crossed: the stored rows carry masked detail only
    for row in journal.results(remote["run_id"]):
        text = json.dumps(row)
        assert "passphrase" not in text or '"***"' in text


def test_fix_runs_on_the_workers(
    lab: Lab,
    workers: list[Worker],
    redis_server: RedisServer,  # noqa: F811
) -> None:
    url = redis_server.url
    proc = cpe(lab.home, url, "audit", "--engine", "celery", "--fix", "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    run_id = json.loads(proc.stdout)["run_id"]
    journal = Journal(lab.home / "journal.sqlite3")
    fixes = {r["login"]: r for r in journal.fix_results(run_id, dry_run=False)}
    drifted = {r["login"] for r in journal.results(run_id) if r["verdict"] == "drift"}
    assert set(fixes) == drifted  # every drifted device has exactly one fix outcome
    fixed = [login for login, r in fixes.items() if r["outcome"] == "fixed"]
    assert fixed, fixes
    # the workers wrote the device actions in their own journals (journal first, there)
    acted = set()
    for w in workers:
        for login in fixed:
            acted |= {
                login
                for e in Journal(w.home / "journal.sqlite3").history(login)
                if e["kind"] == "action"
            }
    assert acted == set(fixed)
    # and a new audit sees them fixed
    again = report_of(cpe(lab.home, url, "audit", "--engine", "celery", "--format", "json"))
    assert all(verdicts(again)[login][0] in ("ok", "drift") for login in fixed)
    assert all("dns" not in verdicts(again)[login][1] for login in fixed)


def test_the_service_sends_technician_audits_to_the_workers(
    lab: Lab,
    workers: list[Worker],
    redis_server: RedisServer,  # noqa: F811
) -> None:
    from cpe.service.backend import Backend
    from cpe.service.config import ServiceConfig
    from cpe.settings import load_settings

    before = sum(_tasks_by_worker(redis_server.url, lab.home).values())
    settings = load_settings(home=lab.home, broker_url=redis_server.url)
    backend = Backend(settings, ServiceConfig())
    run_id = backend.start_audit("tecnico1", model=None, login_glob=None, contract_status=None)[
        "run_id"
    ]
    journal = Journal(lab.home / "journal.sqlite3")
    wait_for(lambda: journal.run_state(run_id) == "finished", 90, "the service's audit")
    assert sum(journal.verdict_counts(run_id).values()) == SIZE
    assert sum(_tasks_by_worker(redis_server.url, lab.home).values()) > before


# --- schedules --------------------------------------------------------------------------------


def test_a_schedule_fires_and_its_run_lands_in_the_journal(
    lab: Lab,
    workers: list[Worker],
    redis_server: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    url = redis_server.url
    folder = tmp_path / "relatorios"
    bad = cpe(lab.home, url, "schedule", "add", "--cron", "0 25 * * *", "--folder", str(folder))
    assert bad.returncode == 2 and "cron" in bad.stderr
    added = cpe(
        lab.home,
        url,
        "schedule",
        "add",
        "--every",
        "2s",
        "--format",
        "json",
        "--folder",
        str(folder),
    )
    assert added.returncode == 0, added.stderr
    schedule_id = added.stdout.strip()
    coordinator = Worker("coord", lab.home, url, command=("schedule", "serve"), **FAST_ENV)
    try:
        report = wait_for(lambda: sorted(folder.glob("auditoria-*.json")), 90, "a scheduled run")
        listed = json.loads(cpe(lab.home, url, "schedule", "list", "--json").stdout)
    finally:
        removed = cpe(lab.home, url, "schedule", "remove", schedule_id)
        coordinator.stop()
    assert removed.returncode == 0, removed.stderr
    data = json.loads(report[0].read_text())
    journal = Journal(lab.home / "journal.sqlite3")
    assert journal.run_state(data["run_id"]) == "finished"
    assert len(data["devices"]) == SIZE
    (mine,) = [s for s in listed["schedules"] if s["id"] == schedule_id]
    assert mine["every_s"] == 2 and mine["last_run"]["run_id"]
    started = [r for r in journal.runs(limit=50) if r["run_id"] == data["run_id"]]
    assert started
    after = json.loads(cpe(lab.home, url, "schedule", "list", "--json").stdout)
    assert schedule_id not in {s["id"] for s in after["schedules"]}
