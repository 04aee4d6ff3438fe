"""Debian's Chromium under Playwright for the staff screens' browser tests: one browser
per module, pages that may reach only the service under test."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
OUT = Path(__file__).resolve().parent.parent / "test-output"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium_context() -> Iterator[Any]:
    """A persistent context (fresh profile) at 1366×768, pt-BR, São Paulo time."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="cpe-chromium-")
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                headless=True,
                args=ARGS,
                viewport={"width": 1366, "height": 768},
                locale="pt-BR",
                timezone_id="America/Sao_Paulo",
            )
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def new_page(context: Any, base_url: str, timeout_ms: int = 45_000) -> Any:
    """A page whose requests may go to `base_url` only (anything else is aborted)."""
    context.clear_cookies()
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(base_url) else route.abort()
        ),
    )
    return page


def log_in(page: Any, base_url: str, name: str, password: str) -> None:
    page.goto(base_url + "/login")
    page.fill("#usuario", name)
    page.fill("#senha", password)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/")


def fits_width(page: Any) -> bool:
    """No horizontal scroll at the page's width."""
    return bool(
        page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    )
