"""`cpe audit` end to end on a lab started here: the lab's plan is the ground truth.

Every device must get `cpe.lab.plan.expected_verdict` / `expected_drifts` (whatever
families this build has), an interrupted run resumed must end like an uninterrupted one,
`--fix --dry-run` must change nothing, and no report may hold a secret.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from cpe.audit import (
    VERDICTS,
    AuditRunner,
    AuditSettings,
    DeviceResult,
    NullObserver,
    RunOutcome,
    Selection,
)
from cpe.audit_report import CSV_COLUMNS, device_rows
from cpe.context import Context
from cpe.lab import plan as P
from cpe.settings import load_settings
from tests.audit_helpers import FAST_ENV, expected, plans_of
from tests.conftest import Lab, start_lab, stop_lab

SIZE = 40
FAULT_RATE = 0.25
#: With this seed the lab plants every fault kind (hang, reset, garbage, slow, reboot).
SEED = 2392


@dataclass
class Fleet:
    lab: Lab
    plans: dict[str, P.DevicePlan]
    secrets: list[str] = field(default_factory=list)
    reference: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    reference_run: str = ""

    def ctx(self) -> Context:
        return Context(settings=load_settings(), operator="pytest")

    def env(self, **extra: str) -> dict[str, str]:
        return self.lab.env() | FAST_ENV | extra

    def cpe(self, *args: str, timeout: float = 180, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cpe", *args],
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _secrets(ctx: Context, canary: str) -> list[str]:
    """The canary, the IXC token, and every PPPoE password and Wi-Fi key of the lab
    (IXC's, and the old key the lab planted on drifted devices)."""
    token = ctx.vault.secret("ixc_token")
    assert token is not None
    out = [canary, token.get_secret_value(), "senha-antiga-1"]
    for sub in ctx.inventory.iter_subscribers():
        if sub.pppoe_password is not None:
            out.append(sub.pppoe_password.get_secret_value())
        out += [w.passphrase.get_secret_value() for w in sub.wifi if w.passphrase is not None]
    assert len(out) > SIZE, "the lab's secrets to look for were not read"
    return out


def _verdicts(ctx: Context, run_id: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {
        r["login"]: (r["verdict"], tuple(sorted(r["drifts"])))
        for r in device_rows(ctx.journal, run_id)
    }


def _audit(ctx: Context, observer: Any = None, **kw: Any) -> RunOutcome:
    runner = AuditRunner(
        ctx, AuditSettings(concurrency=8, device_timeout_s=40.0), observer or NullObserver()
    )
    run_id = runner.start(Selection(**kw))
    return runner.run(run_id, Selection(**kw))


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    canary = "Canary-" + secrets.token_urlsafe(12)
    home = tmp_path_factory.mktemp("audit")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPE_HOME", str(home))
        for k, v in FAST_ENV.items():
            mp.setenv(k, v)
        lab = start_lab(home, size=SIZE, admin_password=canary, fault_rate=FAULT_RATE, seed=SEED)
        try:
            f = Fleet(lab, plans_of(SIZE, FAULT_RATE, single_password=True, seed=SEED))
            assert {d["login"]: d["model"] for d in lab.devices} == {
                p.login: p.model for p in f.plans.values()
            }, "the test's plan is not the lab's"
            ctx = f.ctx()
            f.secrets = _secrets(ctx, canary)
            outcome = _audit(ctx)
            assert outcome.complete
            f.reference_run = outcome.run_id
            f.reference = _verdicts(ctx, outcome.run_id)
            yield f
        finally:
            stop_lab(lab)


# --- ground truth ------------------------------------------------------------------------------


def test_every_planted_condition_found_and_nothing_else(fleet: Fleet) -> None:
    got = fleet.reference
    assert set(got) == set(fleet.plans), "every device accounted for, once"
    wrong = {
        login: (plan.model, plan.planted, plan.fault, expected(plan), got[login])
        for login, plan in fleet.plans.items()
        if got[login] != expected(plan)
    }
    assert wrong == {}
    # The planted kinds this lab holds were all looked at.
    planted = Counter(p for plan in fleet.plans.values() for p in plan.planted)
    assert planted[P.DNS] and planted[P.UNREACHABLE] and planted[P.BUSY]


def test_details_say_why(fleet: Fleet) -> None:
    ctx = fleet.ctx()
    rows = {r["login"]: r for r in device_rows(ctx.journal, fleet.reference_run)}
    for login, plan in fleet.plans.items():
        row = rows[login]
        contract = row["contract"]
        if P.BLOCKED in plan.planted:
            assert contract["state"] == "blocked" and contract["allowed"] is False
        elif P.REDUCED in plan.planted:
            assert contract["state"] == "reduced"
        if row["verdict"] in ("ok", "drift"):
            assert row["reachable"] is True and row["transport"] in ("http", "ssh", "telnet")
            assert row["firmware"]
            if P.WEB_DOWN in plan.planted:
                assert row["transport"] in ("ssh", "telnet")
            if P.PPPOE in plan.planted:
                assert row["pppoe_ok"] is False and row["wan"]["pppoe_auth_error"] is True
            if P.WIFI_KEY in plan.planted:
                assert any(w["wpa"] == "mismatch" for w in row["wifi"])
            if P.OPTICAL in plan.planted:
                assert row["optical"]["verdict"] in ("warning", "critical", "no_signal")
        elif row["verdict"] == "unreachable":
            assert row["reachable"] is False and row["error"]["mensagem"]


def test_filters(fleet: Fleet) -> None:
    ctx = fleet.ctx()
    model = next(iter(fleet.plans.values())).model
    out = _audit(ctx, model=model)
    assert out.complete
    want = {lo for lo, p in fleet.plans.items() if p.model == model}
    assert set(_verdicts(ctx, out.run_id)) == want
    blocked = {lo for lo, p in fleet.plans.items() if P.BLOCKED in p.planted}
    out = _audit(ctx, statuses=("CM", "CA"))
    assert set(_verdicts(ctx, out.run_id)) == blocked


@pytest.mark.parametrize("lookup_max", [50, 1])
def test_logins_file_selection(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, lookup_max: int
) -> None:
    """Short lists are looked up login by login, long ones filtered from one stream."""
    import cpe.audit

    monkeypatch.setattr(cpe.audit, "LOOKUP_MAX", lookup_max)
    ctx = fleet.ctx()
    some = sorted(lo for lo, p in fleet.plans.items() if not p.fault)[:3]
    out = _audit(ctx, logins=(*some, "nao.existe"))
    got = _verdicts(ctx, out.run_id)
    assert set(got) == {*some, "nao.existe"}
    assert got["nao.existe"] == ("error", ())
    assert all(got[lo] == fleet.reference[lo] for lo in some)


# --- resume -----------------------------------------------------------------------------------


class StopAfter(NullObserver):
    def __init__(self, runner_box: list[AuditRunner], n: int) -> None:
        self.box, self.n, self.seen = runner_box, n, 0
        self.logins: list[str] = []

    def device_done(self, result: DeviceResult, counts: Counter[str]) -> None:
        self.logins.append(result.login)
        self.seen += 1
        if self.seen == self.n:
            self.box[0].stop_reason = "test"
            self.box[0].stop.set()


class Totals(NullObserver):
    def __init__(self) -> None:
        self.totals: list[tuple[int, bool]] = []
        self.first_done_total: int | None = None

    def total_known(self, total: int, final: bool) -> None:
        self.totals.append((total, final))

    def device_done(self, result: DeviceResult, counts: Counter[str]) -> None:
        if self.first_done_total is None:
            self.first_done_total = self.totals[-1][0] if self.totals else None


def test_progress_knows_the_total_before_the_first_device(fleet: Fleet) -> None:
    """The read-ahead is bounded, so the total for the ETA comes from the inventory's
    count; with a model filter it grows as the register is read, then is exact."""
    ctx = fleet.ctx()
    seen = Totals()
    runner = AuditRunner(ctx, AuditSettings(concurrency=4, device_timeout_s=40.0), seen)
    out = runner.run(runner.start(Selection()), Selection())
    assert out.complete
    # Known from the count before the feeder read anything, not grown as it read.
    assert seen.totals[0] == (SIZE, False)
    assert seen.first_done_total == SIZE
    assert seen.totals[-1] == (SIZE, True)

    models = [p.model for p in fleet.plans.values()]
    model = min(set(models), key=models.count)
    filtered = Totals()
    runner = AuditRunner(ctx, AuditSettings(concurrency=4, device_timeout_s=40.0), filtered)
    sel = Selection(model=model)
    out = runner.run(runner.start(sel), sel)
    wanted = models.count(model)
    assert filtered.totals[-1] == (wanted, True)
    assert all(t <= wanted for t, _ in filtered.totals)


def test_resume_gives_the_same_report_without_redoing_devices(fleet: Fleet) -> None:
    ctx = fleet.ctx()
    box: list[AuditRunner] = []
    first = StopAfter(box, 10)
    runner = AuditRunner(ctx, AuditSettings(concurrency=4, device_timeout_s=40.0), first)
    box.append(runner)
    run_id = runner.start(Selection())
    out = runner.run(run_id, Selection())
    assert out.state == "interrupted"
    assert ctx.journal.run_state(run_id) == "interrupted"
    done = ctx.journal.done_logins(run_id)
    assert 10 <= len(done) < SIZE

    second = StopAfter([], 10**9)
    again = AuditRunner(ctx, AuditSettings(concurrency=8, device_timeout_s=40.0), second)
    out2 = again.run(run_id, again.selection_of(run_id), resumed=True)
    assert out2.complete and ctx.journal.run_state(run_id) == "finished"
    assert not set(second.logins) & done, "a finished device was audited again"
    assert _verdicts(ctx, run_id) == fleet.reference


def test_sigint_records_interruption_and_resume_finishes(fleet: Fleet, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cpe",
            "audit",
            "--concurrency",
            "1",
            "--no-progress",
            "--format",
            "json",
            "--output",
            str(report),
        ],
        env=fleet.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    journal = fleet.lab.home / "journal.sqlite3"
    known = {r for (r,) in _query(journal, "SELECT DISTINCT run_id FROM run_events")}
    run_id = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        runs = [
            r
            for (r,) in _query(journal, "SELECT DISTINCT run_id FROM run_events")
            if r not in known
        ]
        if runs:
            run_id = runs[0]
            n = _query(journal, "SELECT COUNT(*) FROM audit_results WHERE run_id=?", run_id)[0][0]
            if n >= 3:
                break
        time.sleep(0.05)
    assert run_id is not None and proc.poll() is None, "the audit ended before the signal"
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=90)
    assert proc.returncode == 130, stderr[-2000:]
    assert stdout.strip() == run_id
    assert f"cpe audit --resume {run_id}" in stderr
    assert "Traceback" not in stderr
    assert not report.exists(), "no report for an interrupted run"
    events = [e for (e,) in _query(journal, "SELECT event FROM run_events WHERE run_id=?", run_id)]
    assert events[-1] == "interrupted"

    res = fleet.cpe("audit", "--resume", run_id, "--no-progress", "--format", "json")
    assert res.returncode == 0, res.stderr[-2000:]
    doc = json.loads(res.stdout)
    assert doc["run_id"] == run_id and doc["state"] == "finished"
    got = {d["login"]: (d["verdict"], tuple(sorted(d["drifts"]))) for d in doc["devices"]}
    assert got == fleet.reference


def _query(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    if not db.exists():
        return []
    conn = sqlite3.connect(db, timeout=10)
    try:
        return list(conn.execute(sql, args))
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


# --- reports and secrets --------------------------------------------------------------------


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: Counter[str] = Counter()
        self.body_rows = 0
        self.external: list[str] = []
        self.csp = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        a = dict(attrs)
        if tag == "tr" and "tbody" in self.stack:
            self.body_rows += 1
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.csp = "default-src 'none'" in (a.get("content") or "")
        for name in ("src", "href"):
            if a.get(name):
                self.external.append(f"{tag}.{name}={a[name]}")
        if tag not in ("meta", "input", "br", "rect", "img"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass


def test_reports_parse_and_hold_no_secret(fleet: Fleet, tmp_path: Path) -> None:
    outputs: list[str] = []
    files: list[Path] = []

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        res = fleet.cpe(*args, CPE_LOG_LEVEL="DEBUG")
        outputs.extend([res.stdout, res.stderr])
        assert res.returncode == 0, res.stderr[-2000:]
        return res

    first = run("audit", "--no-progress", "--format", "json")
    doc = json.loads(first.stdout)
    run_id = doc["run_id"]
    assert set(doc) >= {"run_id", "summary", "devices"}
    assert set(doc["summary"]) >= set(VERDICTS) and sum(doc["summary"].values()) == SIZE
    assert {d["login"] for d in doc["devices"]} == set(fleet.plans)
    for d in doc["devices"]:
        assert set(d) >= {"login", "model", "verdict", "drifts"} and d["verdict"] in VERDICTS

    for fmt in ("json", "csv", "html", "table"):
        path = tmp_path / f"report.{fmt}"
        run("audit", "--resume", run_id, "--format", fmt, "--output", str(path))
        files.append(path)
    run("audit", "--resume", run_id, "--format", "table")
    login = next(lo for lo, p in fleet.plans.items() if p.planted == [])
    run("history", login)
    run("history", login, "--json")

    raw = (tmp_path / "report.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == SIZE

    parser = _Html()
    parser.feed((tmp_path / "report.html").read_text(encoding="utf-8"))
    parser.close()
    assert parser.body_rows == SIZE
    assert parser.tags["table"] == 1 and parser.tags["svg"] >= 2 and parser.tags["script"] == 1
    assert parser.csp and parser.external == [], "self-contained: nothing to fetch"

    assert json.loads((tmp_path / "report.json").read_text())["run_id"] == run_id
    texts = outputs + [p.read_text(encoding="utf-8-sig") for p in files]
    leaks = [n[:4] + "…" for n in fleet.secrets for t in texts if n in t]
    for path in fleet.lab.home.rglob("*"):
        if path.is_file() and path.name != "vault.bin":
            blob = path.read_bytes()
            leaks += [f"{path.name}:{n[:4]}…" for n in fleet.secrets if n.encode() in blob]
    assert leaks == []


def test_history_shows_audits_and_actions(fleet: Fleet) -> None:
    login = next(lo for lo, p in fleet.plans.items() if P.DNS in p.planted and not p.fault)
    res = fleet.cpe("history", login, "--json")
    assert res.returncode == 0
    events = json.loads(res.stdout)["events"]
    assert any(e["kind"] == "audit" and e["run_id"] == fleet.reference_run for e in events)
    table = fleet.cpe("history", login)
    assert "auditoria" in table.stdout


# --- fix ---------------------------------------------------------------------------------------


def test_fix_dry_run_changes_nothing(fleet: Fleet) -> None:
    res = fleet.cpe("audit", "--fix", "--dry-run", "--no-progress", "--format", "json")
    assert res.returncode == 0, res.stderr[-2000:]
    doc = json.loads(res.stdout)
    assert "fix_dry_run" in doc and "fix" not in doc
    for d in doc["devices"]:
        plan = fleet.plans[d["login"]]
        fix = d["fix_dry_run"]
        if d["verdict"] != "drift":
            assert fix is None
        elif P.BLOCKED in plan.planted or d["drifts"] == ["optical"]:
            assert fix["outcome"] == "skipped" and fix["reason"]
        else:
            assert fix["outcome"] == "would_fix", fix
            assert set(fix["changed"]) <= set(d["drifts"])
    again = fleet.cpe("audit", "--no-progress", "--format", "json")
    got = {
        x["login"]: (x["verdict"], tuple(sorted(x["drifts"])))
        for x in json.loads(again.stdout)["devices"]
    }
    assert got == fleet.reference
