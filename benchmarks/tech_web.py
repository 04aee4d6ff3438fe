"""A technician in the browser: log in, start an audit of the whole lab, read its result.

    python benchmarks/tech_web.py [--size 200] [--latency-ms 20] [--rounds 2]

Starts a lab and the service (in-process, loopback), drives Debian's Chromium with
Playwright as a `tecnico`, and prints, per round: from the click on "Iniciar auditoria" to
the finished result on screen (counts and "Desde a auditoria anterior"), and from the
click on "Abrir relatório" to the report's table in the page. Runs in a temporary
CPE_HOME; needs /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

from cpe.lab import control
from cpe.service.app import create_app
from cpe.service.config import ServiceConfig
from cpe.service.server import ServerThread
from cpe.service.store import Role, UserStore
from cpe.settings import Settings, load_settings

#: A throw-away service user of the temporary CPE_HOME.
PASSWORD = "bench-" + os.urandom(8).hex()


def main() -> int:
    from playwright.sync_api import expect, sync_playwright

    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=200)
    ap.add_argument("--latency-ms", type=float, default=20.0)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()

    home = Path(tempfile.mkdtemp(prefix="cpe-tech-web-"))
    os.environ["CPE_HOME"] = str(home)
    control.up(
        Settings(home=home),
        size=args.size,
        latency_ms=args.latency_ms,
        admin_password=SecretStr("Bench-" + os.urandom(6).hex()),
    )
    results: list[dict[str, float]] = []
    try:
        settings = load_settings()
        UserStore(settings.journal_file).add_user("bench", Role.TECNICO, PASSWORD)
        with ServerThread(create_app(settings, ServiceConfig())) as srv, sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-gpu"],
            )
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.set_default_timeout(600_000)
            page.goto(srv.url + "/login")
            page.fill("#usuario", "bench")
            page.fill("#senha", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(srv.url + "/")
            page.goto(srv.url + "/tecnico")
            page.locator("#f-modelo option[value='zyxel']").wait_for(state="attached")
            for _ in range(args.rounds):
                message = page.locator("#auditoria-msg")
                before = message.get_attribute("data-run")
                t0 = time.monotonic()
                page.click("#btn-iniciar")
                page.wait_for_function(
                    "b => document.querySelector('#auditoria-msg').dataset.run !== b", arg=before
                )
                run_id = message.get_attribute("data-run")
                expect(page.locator("#ex-titulo")).to_have_text(f"Auditoria {run_id}")
                expect(page.locator("#ex-estado")).to_have_text("concluída", timeout=600_000)
                page.locator("#ex-contagens .card").first.wait_for()
                result_s = time.monotonic() - t0
                t1 = time.monotonic()
                page.click("#btn-relatorio")
                frame = page.frame_locator("#ex-relatorio")
                expect(frame.locator("#count")).to_contain_text(f"de {args.size}")
                report_s = time.monotonic() - t1
                results.append({"start_to_result_s": result_s, "open_report_s": report_s})
            browser.close()
    finally:
        control.down(Settings(home=home))
    print(
        json.dumps(
            {"size": args.size, "latency_ms": args.latency_ms, "rounds": results}, indent=2
        )
    )
    for i, r in enumerate(results, 1):
        print(
            f"round {i}: start→result {r['start_to_result_s']:.2f} s, "
            f"open report {r['open_report_s']:.2f} s ({args.size} devices)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
