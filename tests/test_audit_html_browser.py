"""The HTML audit report in a real browser: it sorts (empty values last), filters, hides
and shows columns, opens a details row, fits a 1366-px screen, and fetches nothing."""

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
        detail: dict[str, Any] = {
            "contract": {"state": "ok", "allowed": True},
            "firmware": f"V1.0-{login}",
            "error": {"mensagem": "Equipamento sem resposta. " * 6} if verdict != "ok" else {},
        }
        if rx is not None:
            detail["optical"] = {"rx_dbm": rx, "verdict": "warning" if rx < -25 else "ok"}
        j.add_result(run, login, model, verdict, drifts, detail)
    j.run_event(run, "finished")
    out = tmp_path / "r.html"
    with out.open("w", encoding="utf-8") as fh:
        write_html(j, run, fh)
    return out


def _fits(page: Any) -> bool:
    widths = page.evaluate(
        "() => { const w = document.querySelector('.wrap'); return [document.documentElement"
        ".scrollWidth, window.innerWidth, w.scrollWidth, w.clientWidth]; }"
    )
    return bool(widths[0] <= widths[1] and widths[2] <= widths[3])


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
                viewport={"width": 1366, "height": 768},
            )
            try:
                page = ctx.new_page()
                page.on("request", lambda r: requested.append(r.url))
                errors: list[str] = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(report.as_uri())

                def logins() -> list[str]:
                    return page.eval_on_selector_all(
                        "#devices tbody tr:not([hidden]) td.c-login",
                        "cells => cells.map(c => c.textContent)",
                    )

                assert logins() == sorted(logins())  # the journal's order: by login
                page.click("th:has-text('Sinal óptico')")  # numeric, ascending; blanks last
                assert logins() == [
                    "carla.souza",
                    "elisa.reis",
                    "bruno.rocha",
                    "ana.lima",
                    "diego.melo",
                ]
                page.click("th:has-text('Sinal óptico')")  # descending; blanks still last
                assert logins() == [
                    "bruno.rocha",
                    "elisa.reis",
                    "carla.souza",
                    "ana.lima",
                    "diego.melo",
                ]
                carla = page.locator("#devices tbody tr", has_text="carla.souza")
                assert "-26,8 dBm (fraco)" in carla.inner_text()
                assert "divergente" in carla.inner_text() and "sinal óptico" in carla.inner_text()
                assert _fits(page), "no horizontal scroll at 1366 px"
                # A hidden column is one click away, and every field is in the details row.
                firmware = page.locator("#devices thead th", has_text="Firmware")
                assert firmware.is_hidden()
                carla.locator("button[data-abrir]").click()
                details = page.locator("#devices tr.det")
                expect(details).to_contain_text("V1.0-carla.souza")
                page.click(".cols summary")
                for box in page.locator(".cols input").all():
                    box.check()
                assert firmware.is_visible()
                assert _fits(page), "all columns shown: still no horizontal scroll"
                assert page.locator("h2", has_text="Por modelo").count() == 0
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
