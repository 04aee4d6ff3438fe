"""What changed between two audits, on planted changes between two audits of an
in-process lab (simulators whose state a test can change between runs): one device fixed
(with `cpe reconfigure`'s action), one broken, one taken offline, one back online, one
whose drift changed kind. Then `cpe audit report RUN_ID` renders finished runs exactly as
`cpe audit` did, also after later runs, and `cpe audit --compare` reads the journal only.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cpe import actions
from cpe.audit import AuditRunner, AuditSettings, Selection
from cpe.audit_compare import compare, compare_finished, previous_run, since_previous
from cpe.audit_report import write_json
from cpe.audit_words import local_time, provider_tz
from cpe.errors import InputError
from cpe.models import Band
from drivers.sim import Fault, SimDevice
from tests.inproc import World, world

pytestmark = pytest.mark.timeout(180)

MODELS = ["mercusys-ac12g", "zte-onu", "fiberhome-onu", "zyxel"]


@dataclass
class Planted:
    w: World
    runs: list[str] = field(default_factory=list)
    #: role -> login
    who: dict[str, str] = field(default_factory=dict)

    def audit(self, **selection: str) -> str:
        ctx = self.w.context()
        runner = AuditRunner(ctx, AuditSettings(concurrency=4, device_timeout_s=30.0))
        sel = Selection(**selection)  # type: ignore[arg-type]
        run_id = runner.start(sel)
        assert runner.run(run_id, sel).complete
        return run_id

    def device(self, role: str) -> SimDevice:
        return self.w.devices[self.who[role]]


def _set(w: World, fn: object) -> None:
    """Change a simulator between requests, on its own event loop."""
    w.runner.run_sync(fn)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Planted]:
    with world(tmp_path_factory.mktemp("compare"), MODELS) as w:
        p = Planted(w)
        roles = [
            ("fixed", "mercusys-ac12g", True),  # drifted (DNS), fixed between the audits
            ("broken", "zte-onu", False),  # clean, then its DNS is changed
            ("offline", "fiberhome-onu", False),  # answers, then stops answering
            ("back", "zyxel", False),  # does not answer, then answers again
            ("changed", "mercusys-ac12g", True),  # DNS drift, then DNS and SSID
            ("steady", "zte-onu", False),  # clean in both
        ]
        for role, model, dns in roles:
            login, _dev = w.add(model, dns_drift=dns, ssid_drift=False)
            p.who[role] = login
        _set(w, lambda: setattr(p.device("back").knobs, "fault", Fault.RESET))
        p.runs.append(p.audit())

        ctx = w.context()
        result = actions.reconfigure(ctx, p.who["fixed"], dns=True)
        assert result.verified and result.changed == ["dns"]

        def plant() -> None:
            p.device("broken").dns = ["8.8.8.8", "8.8.4.4"]
            p.device("offline").knobs.fault = Fault.RESET
            p.device("back").knobs.fault = None
            p.device("changed").wifi[Band.GHZ_2_4].ssid = "Outro_Nome"

        _set(w, plant)
        p.runs.append(p.audit())
        yield p


def test_planted_changes_are_listed_against_the_first_run(planted: Planted) -> None:
    first, second = planted.runs
    who = planted.who
    ctx = planted.w.context()
    result = compare(ctx.journal, first, second)
    assert result.run_id == first and result.later_run_id == second
    assert result.resolved == [who["fixed"]], "a device fixed between two audits is resolved"
    assert result.new == [who["broken"]]
    assert result.unreachable_new == [who["offline"]]
    assert result.reachable_again == [who["back"]]
    assert result.drift_changed == [
        {"login": who["changed"], "before": ["dns"], "after": ["dns", "ssid"]}
    ]
    assert result.added == [] and result.removed == []
    assert result.counts["resolved"] == 1 and result.counts["new"] == 1
    assert who["steady"] not in json.dumps(result.as_dict())


def test_json_report_carries_since_previous(planted: Planted, tmp_path: Path) -> None:
    import io

    first, second = planted.runs
    journal = planted.w.context().journal
    buf = io.StringIO()
    write_json(journal, second, buf)
    since = json.loads(buf.getvalue())["since_previous"]
    assert since["run_id"] == first
    assert since["resolved"] == [planted.who["fixed"]]
    assert since["new"] == [planted.who["broken"]]
    assert since["unreachable_new"] == [planted.who["offline"]]
    assert since["reachable_again"] == [planted.who["back"]]
    assert since["counts"]["drift_changed"] == 1
    buf = io.StringIO()
    write_json(journal, first, buf)
    assert json.loads(buf.getvalue())["since_previous"] is None


def test_previous_run_is_the_same_scope_and_completed(planted: Planted) -> None:
    first, second = planted.runs
    ctx = planted.w.context()
    journal = ctx.journal
    assert previous_run(journal, second) == first
    # Another scope does not compare with the whole fleet's runs...
    scoped = planted.audit(model="zte-onu")
    assert previous_run(journal, scoped) is None
    # ...an interrupted run is never "the previous one"...
    runner = AuditRunner(ctx, AuditSettings(concurrency=2))
    interrupted = runner.start(Selection())
    journal.run_event(interrupted, "interrupted", "teste", {"reason": "teste"})
    later = planted.audit()
    assert previous_run(journal, later) == second
    # ...and a later run does not change what an earlier run compares with.
    assert previous_run(journal, second) == first
    since = since_previous(journal, later)
    assert since is not None and not since.changed


def test_compare_refuses_unknown_or_unfinished_runs(planted: Planted) -> None:
    journal = planted.w.context().journal
    first, _ = planted.runs
    with pytest.raises(InputError, match="não encontrada"):
        compare_finished(journal, first, "nao-existe")
    running = journal.start_run("teste", {"selection": {}})
    with pytest.raises(InputError, match="não terminou"):
        compare_finished(journal, first, running)
    # A run still going compares with nothing yet (its missing devices are not "removed").
    assert since_previous(journal, running) is None
    import io

    from cpe.audit_html import write_html

    buf = io.StringIO()
    write_html(journal, running, buf)
    assert "A comparação aparece quando a auditoria terminar" in buf.getvalue()


def _cpe(w: World, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("CPE_")}
    env |= {"CPE_HOME": str(w.home), "CPE_READ_TIMEOUT_S": "3", "CPE_CONNECT_TIMEOUT_S": "2"}
    return subprocess.run(
        [sys.executable, "-m", "cpe", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _run_id(stderr: str) -> str:
    line = next(ln for ln in stderr.splitlines() if ln.startswith("Execução: "))
    return line.split(": ", 1)[1].strip()


def test_report_renders_finished_runs_identically(planted: Planted, tmp_path: Path) -> None:
    """Each format as `cpe audit` wrote it, then again from the journal after later runs
    exist: byte for byte the same, and no device was contacted for the re-render."""
    w = planted.w
    originals: dict[str, tuple[str, Path]] = {}
    for fmt in ("html", "json", "csv", "table"):
        out = tmp_path / f"original.{fmt}"
        res = _cpe(w, "audit", "--no-progress", "--format", fmt, "--output", str(out))
        assert res.returncode == 0, res.stderr[-2000:]
        assert "Desde a auditoria anterior" in res.stderr  # the CLI summary
        originals[fmt] = (_run_id(res.stderr), out)
    logins_before = sum(d.counters.logins for d in w.devices.values())
    for fmt, (run_id, original) in originals.items():
        again = tmp_path / f"again.{fmt}"
        res = _cpe(w, "audit", "report", run_id, "--format", fmt, "--output", str(again))
        assert res.returncode == 0, res.stderr[-2000:]
        assert again.read_bytes() == original.read_bytes(), fmt
    assert sum(d.counters.logins for d in w.devices.values()) == logins_before
    html = originals["html"][1].read_text(encoding="utf-8")
    assert "Desde a auditoria anterior" in html and "gerado em" not in html
    # stdout too: the table on stdout is the same as the one in the file.
    res = _cpe(w, "audit", "report", originals["table"][0])
    assert res.returncode == 0 and "Desde a auditoria anterior" in res.stdout


def test_report_and_compare_errors(planted: Planted) -> None:
    w = planted.w
    res = _cpe(w, "audit", "report", "nao-existe")
    assert res.returncode == 2 and "não encontrada" in res.stderr
    res = _cpe(w, "audit", "report", planted.runs[0], "--format", "pdf")
    assert res.returncode == 2 and "formato" in res.stderr


def test_compare_cli_reads_the_journal_only(planted: Planted) -> None:
    w = planted.w
    first, second = planted.runs
    logins_before = sum(d.counters.logins for d in w.devices.values())
    res = _cpe(w, "audit", "--compare", first, second, "--format", "json")
    assert res.returncode == 0, res.stderr[-2000:]
    doc = json.loads(res.stdout)
    assert doc["run_id"] == first and doc["run_b"] == second
    assert doc["resolved"] == [planted.who["fixed"]]
    table = _cpe(w, "audit", "--compare", first, second)
    assert table.returncode == 0
    assert "resolvidos" in table.stdout and planted.who["fixed"] in table.stdout
    assert sum(d.counters.logins for d in w.devices.values()) == logins_before
    assert _cpe(w, "audit", "--compare", first, "nada").returncode == 2


def test_times_in_the_provider_zone() -> None:
    assert local_time("2025-06-11T13:05:09+00:00", provider_tz()) == "11/06/2025 10:05"
    assert local_time("2025-06-11T13:05:09+00:00", provider_tz("UTC")) == "11/06/2025 13:05"
    assert local_time(None, provider_tz()) == ""
