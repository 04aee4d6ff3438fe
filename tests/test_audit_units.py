"""Audit pieces without a lab: the batch runner, filters, report rendering and escaping."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from pathlib import Path

import pytest

from cpe.audit import Selection, read_logins_file, verdict_for
from cpe.audit_fix import SKIPPED, FixJob, plan_for
from cpe.audit_html import write_html
from cpe.audit_report import flat_row, summary, write_csv, write_json
from cpe.batch import Batch
from cpe.errors import (
    AuthError,
    DeviceUnreachable,
    InputError,
    LockoutRisk,
    ParseError,
    SessionBusy,
    Timeout,
    Unsupported,
    VaultError,
)
from cpe.journal import Journal

# --- the batch runner ------------------------------------------------------------------------


def _batch(work, **kw):  # type: ignore[no-untyped-def]
    results: list[object] = []
    b = Batch(
        work=work,
        on_result=results.append,
        on_timeout=lambda i: ("timeout", i),
        on_crash=lambda i, e: ("crash", i, type(e).__name__),
        poll_s=0.01,
        **kw,
    )
    return b, results


def test_batch_accounts_for_every_item_once_and_bounds_concurrency() -> None:
    lock = threading.Lock()
    live = peak = 0
    release = threading.Event()

    def work(i: int) -> object:
        nonlocal live, peak
        with lock:
            live += 1
            peak = max(peak, live)
        try:
            if i == 3:
                raise RuntimeError("boom")
            if i == 7:
                release.wait(5)  # overruns its deadline; its late result must be dropped
            time.sleep(0.001)
            return ("ok", i)
        finally:
            with lock:
                live -= 1

    b, results = _batch(work, concurrency=4, item_timeout_s=0.3)
    stats = b.run(iter(range(40)))
    release.set()
    assert peak <= 4
    assert ("timeout", 7) in results and ("ok", 7) not in results
    assert ("crash", 3, "RuntimeError") in results
    ids = sorted(r[1] for r in results)  # type: ignore[index]
    assert ids == list(range(40))
    assert stats.fed == 40 and stats.timed_out == 1


def test_batch_stop_finishes_in_flight_and_feeds_no_more() -> None:
    started: list[int] = []
    b, results = _batch(lambda i: (started.append(i), ("ok", i))[1], concurrency=2)

    def items():  # type: ignore[no-untyped-def]
        for i in range(1000):
            if i == 20:
                b.stop.set()
            yield i

    stats = b.run(items())
    assert len(results) == stats.completed
    assert sorted(r[1] for r in results) == sorted(started)  # type: ignore[index]
    assert len(started) < 1000 and stats.fed <= 21


def test_batch_reports_a_failing_inventory_and_keeps_earlier_results() -> None:
    def items():  # type: ignore[no-untyped-def]
        yield from range(5)
        raise InputError("IXC caiu")

    b, results = _batch(lambda i: ("ok", i), concurrency=3)
    stats = b.run(items())
    assert isinstance(stats.feeder_error, InputError)
    assert sorted(r[1] for r in results) == list(range(5))  # type: ignore[index]


# --- verdicts, filters, fix planning --------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "verdict"),
    [
        (DeviceUnreachable("x"), "unreachable"),
        (Timeout("x"), "unreachable"),
        (AuthError("x"), "auth_failed"),
        (LockoutRisk("x"), "locked"),
        (SessionBusy("x"), "busy"),
        (Unsupported("x"), "unsupported"),
        (ParseError("x"), "error"),
        (VaultError("x"), "error"),
        (ValueError("x"), "error"),
    ],
)
def test_error_kinds_map_to_verdicts(exc: BaseException, verdict: str) -> None:
    assert verdict_for(exc) == verdict


def test_selection_words_and_codes() -> None:
    sel = Selection.build(contract_status="blocked, reduced,FA")
    assert sel.statuses == ("CM", "CA", "FA") and sel.reduced
    assert Selection.from_params(json.loads(json.dumps(sel.as_params()))) == sel
    with pytest.raises(InputError):
        Selection.build(contract_status="quebrado")


def test_logins_file(tmp_path: Path) -> None:
    path = tmp_path / "logins.txt"
    path.write_text("\ufeffmaria.silva\n\n# comentário\njoao.souza  # loja\nmaria.silva\n", "utf-8")
    assert read_logins_file(path) == ("maria.silva", "joao.souza")
    with pytest.raises(InputError):
        read_logins_file(tmp_path / "nao-existe.txt")


def test_fix_plan_skips_blocked_and_optical_only() -> None:
    blocked = {
        "login": "a",
        "drifts": ["dns"],
        "detail": {"contract": {"allowed": False, "state": "blocked"}},
    }
    optical = {"login": "b", "drifts": ["optical"], "detail": {"contract": {"allowed": True}}}
    mixed = {"login": "c", "drifts": ["dns", "optical", "wifi_key"], "detail": {}}
    assert plan_for(blocked).outcome == SKIPPED  # type: ignore[union-attr]
    assert "óptico" in (plan_for(optical).reason or "")  # type: ignore[union-attr]
    job = plan_for(mixed)
    assert isinstance(job, FixJob)
    assert job.wants == {"pppoe": False, "dns": True, "wifi": True}


# --- rendering from a journal -------------------------------------------------------------------

EVIL_SSID = '=HYPERLINK("http://x")<script>alert(1)</script>'


@pytest.fixture()
def journal(tmp_path: Path) -> Journal:
    j = Journal(tmp_path / "journal.sqlite3")
    run = j.start_run("pytest", {})
    j.add_result(
        run,
        "b.login",
        "zte-onu",
        "drift",
        ["dns", "optical"],
        {
            "contract": {"state": "ok", "allowed": True},
            "reachable": True,
            "transport": "http",
            "dns": ["8.8.8.8", "8.8.4.4"],
            "wifi": [{"band": "2.4GHz", "ssid": EVIL_SSID, "ssid_ok": True, "wpa": "match"}],
            "optical": {"rx_dbm": -26.4, "verdict": "warning"},
        },
    )
    j.add_result(
        run,
        "a.login",
        "mercusys-ac12g",
        "unreachable",
        [],
        {
            "reachable": False,
            "error": {"mensagem": "Equipamento sem resposta."},
        },
    )
    j.add_fix_result(run, "b.login", dry_run=False, outcome="fixed", changed=["dns"])
    j.run_event(run, "finished")
    j.run_id = run  # type: ignore[attr-defined]
    return j


def test_reports_from_the_journal(journal: Journal) -> None:
    run = journal.run_id  # type: ignore[attr-defined]
    head = summary(journal, run)
    assert head.counts["drift"] == 1 and head.counts["ok"] == 0 and head.total == 2
    assert head.fix["fixed"] == 1

    buf = io.StringIO()
    write_json(journal, run, buf)
    doc = json.loads(buf.getvalue())
    assert [d["login"] for d in doc["devices"]] == ["a.login", "b.login"]
    assert doc["devices"][1]["fix"]["outcome"] == "fixed" and doc["devices"][0]["fix"] is None

    buf = io.StringIO()
    write_csv(journal, run, buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue().lstrip("\ufeff")), delimiter=";"))
    assert rows[1]["ssid_2_4ghz"].startswith("'="), "no formula runs in the spreadsheet"
    assert rows[1]["rx_dbm"] == "-26,4" and rows[1]["senha_wifi"] == "confere"

    buf = io.StringIO()
    write_html(journal, run, buf)
    page = buf.getvalue()
    assert page.count("<script>") == 1, "the SSID is escaped, not run"
    assert "&lt;script&gt;alert(1)" in page and "http://x" not in page.split("<table")[0]


def test_flat_row_without_wifi_or_optics() -> None:
    row = flat_row({"login": "x", "verdict": "ok", "drifts": []})
    assert row["senha_wifi"] == "" and row["rx_dbm"] == ""


def test_json_splice_never_duplicates_a_key(tmp_path: Path) -> None:
    j = Journal(tmp_path / "journal.sqlite3")
    run = j.start_run("pytest", {})
    j.add_result(run, "x", "zte-onu", "ok", [], {"at": "detail's own", "wan": {"up": True}})
    j.add_result(run, "y", "zte-onu", "ok", [], {})
    buf = io.StringIO()
    write_json(j, run, buf)
    x, y = json.loads(buf.getvalue(), object_pairs_hook=_no_duplicates)["devices"]
    assert x["at"] != "detail's own" and x["wan"] == {"up": True}
    assert set(y) == {"login", "model", "verdict", "drifts", "at", "fix", "fix_dry_run"}


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), keys
    return dict(pairs)
