"""The HTML audit report in a real browser: it sorts, filters, and fetches nothing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from cpe.audit_html import write_html
from cpe.journal import Journal

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(120),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium do Debian ausente"),
]


def _report(tmp_path: Path) -> Path:
    j = Journal(tmp_path / "journal.sqlite3")
    run = j.start_run("pytest", {})
    rows: list[tuple[str, str, str, list[str], float | None]] = [
        ("carla.souza", "zte-onu", "drift", ["optical"], -26.8),
        ("ana.lima", "mercusys-ac12g", "ok", [], None),
        ("bruno.rocha", "zte-onu", "ok", [], -18.2),
        ("diego.melo", "fiberhome-onu", "unreachable", [], None),
        ("elisa.reis", "fiberhome-onu", "drift", ["dns"], -21.0),
    ]
    for login, model, verdict, drifts, rx in rows:
        detail: dict[str, Any] = {"contract": {"state": "ok", "allowed": True}}
        if rx is not None:
            detail["optical"] = {"rx_dbm": rx, "verdict": "ok"}
        j.add_result(run, login, model, verdict, drifts, detail)
    j.run_event(run, "finished")
    out = tmp_path / "r.html"
    with out.open("w", encoding="utf-8") as fh:
        write_html(j, run, fh)
    return out


def test_report_sorts_and_filters_offline(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    report = _report(tmp_path)
    profile = tempfile.mkdtemp(prefix="cpe-chromium-")
    requested: list[str] = []
    try:
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                headless=True,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
            )
            try:
                page = ctx.new_page()
                page.on("request", lambda r: requested.append(r.url))
                errors: list[str] = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(report.as_uri())

                def logins() -> list[str]:
                    return page.eval_on_selector_all(
                        "#devices tbody tr:not([hidden]) td:first-child",
                        "cells => cells.map(c => c.textContent)",
                    )

                assert logins() == sorted(logins())  # the journal's order: by login
                page.click("th:has-text('RX (dBm)')")  # numeric, ascending; blanks first
                assert logins() == [
                    "ana.lima",
                    "diego.melo",
                    "carla.souza",
                    "elisa.reis",
                    "bruno.rocha",
                ]
                page.click("th:has-text('RX (dBm)')")
                assert logins()[:3] == ["bruno.rocha", "elisa.reis", "carla.souza"]
                page.select_option("#fv", "drift")
                assert sorted(logins()) == ["carla.souza", "elisa.reis"]
                page.select_option("#fv", "")
                page.fill("#q", "fiberhome")
                # The filter is debounced; expect() polls (the page's CSP forbids eval).
                expect(page.locator("#count")).to_have_text("2 de 5 equipamentos")
                assert sorted(logins()) == ["diego.melo", "elisa.reis"]
                assert errors == []
            finally:
                ctx.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert all(u.startswith("file://") for u in requested), requested
