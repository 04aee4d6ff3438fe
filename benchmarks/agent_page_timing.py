"""Login to a fixed device on the agent page, timed, with the clicks counted (a benchmark,
not a test).

    python benchmarks/agent_page_timing.py [--wan-restart-s 3.0] [--runs 3]

Starts the embedded lab (16 devices, the lab's default WAN restart of 3 s), the service on
a loopback port and Debian's Chromium, then, as an N1 agent would, for a DNS fix (lab
device 1) and a PPPoE fix (lab device 3): open the page, log in, search the login (a
single result opens by itself), click the fix, confirm, and wait for "Feito e conferido".
Typing is instantaneous here: the figures are the tool's time, not the agent's hands.
Each run uses a fresh lab, so the device has its drift again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402

from cpe.lab import control  # noqa: E402
from cpe.service.app import create_app  # noqa: E402
from cpe.service.config import ServiceConfig  # noqa: E402
from cpe.service.server import ServerThread  # noqa: E402
from cpe.service.store import Role, UserStore  # noqa: E402
from cpe.settings import load_settings  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
AGENT, PASSWORD = "agente.bench", "senha-do-bench-123"


class Clicks:
    def __init__(self, page: Any) -> None:
        self.page, self.n = page, 0

    def click(self, selector: str) -> None:
        self.n += 1
        self.page.click(selector)


def one_fix(page: Any, url: str, login: str, action: str) -> tuple[float, int]:
    clicks = Clicks(page)
    start = time.perf_counter()
    page.goto(url + "/")
    page.fill("#usuario", AGENT)
    page.fill("#senha", PASSWORD)
    clicks.click("button[type=submit]")
    page.wait_for_url(url + "/")
    page.fill("#q", login)
    clicks.click("#btn-buscar")
    page.locator(f'#acoes button[data-acao="{action}"]').wait_for()
    clicks.click(f'#acoes button[data-acao="{action}"]')
    clicks.click("#confirmar-sim")
    page.locator("#resultado.ok", has_text="Feito e conferido").wait_for()
    return time.perf_counter() - start, clicks.n


def run(wan_restart_s: float) -> dict[str, tuple[float, int]]:
    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="cpe-bench-page-"))
    os.environ["CPE_HOME"] = str(home)
    for var in ("CPE_IXC_URL", "CPE_IXC_TOKEN", "CPE_INVENTORY_CSV", "CPE_VAULT_KEY"):
        os.environ.pop(var, None)
    settings = load_settings()
    control.up(
        settings, size=16, admin_password=SecretStr("Bench-Adm1n-9"), wan_restart_s=wan_restart_s
    )
    try:
        settings = load_settings()
        devices = control.status(settings)["devices"]
        UserStore(settings.journal_file).add_user(AGENT, Role.AGENTE, PASSWORD)
        app = create_app(settings, ServiceConfig())
        out: dict[str, tuple[float, int]] = {}
        with ServerThread(app) as srv, sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            try:
                for name, index, action in (
                    ("dns", 1, "corrigir_dns"),
                    ("pppoe", 3, "reaplicar_pppoe"),
                ):
                    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
                    page = ctx.new_page()
                    page.set_default_timeout(120_000)
                    out[name] = one_fix(page, srv.url, devices[index]["login"], action)
                    ctx.close()
            finally:
                browser.close()
        return out
    finally:
        control.down(settings)
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wan-restart-s", type=float, default=3.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    samples: dict[str, list[tuple[float, int]]] = {"dns": [], "pppoe": []}
    for _ in range(args.runs):
        for name, value in run(args.wan_restart_s).items():
            samples[name].append(value)
    report = {
        name: {
            "segundos_mediana": round(statistics.median(s for s, _ in values), 2),
            "segundos": [round(s, 2) for s, _ in values],
            "cliques": values[0][1],
        }
        for name, values in samples.items()
    }
    report["lab_wan_restart_s"] = args.wan_restart_s  # type: ignore[assignment]
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
