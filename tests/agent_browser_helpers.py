"""Shared by the agent page's browser tests (test_agent_browser_*.py): the service
in-process on a loopback port with the embedded lab behind it (its WAN restart raised so a
PPPoE fix's stages can be watched live), one Chromium per module (tests/browser_support.py),
pages that may reach only that service, and the helpers that log in, open a customer and
wait for a result. Screenshots go to test-output/.

Each test module builds its own lab and service through `agent_service` (about 3 s)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import Request, Response

from cpe.context import Context
from cpe.service.app import create_app
from cpe.service.config import ServiceConfig
from cpe.service.deadline import TZ
from cpe.service.server import ServerThread
from cpe.settings import Settings
from tests.browser_support import CHROMIUM, OUT, chromium_context, new_page
from tests.service_support import CANARY, PASSWORDS, Clock, add_users, lab_world

TIMEOUT_MS = 45_000
EVENING = datetime(2025, 6, 11, 20, 0, tzinfo=TZ)

NEEDS_CHROMIUM = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Chromium do Debian ausente (/usr/bin/chromium): apt-get install chromium",
)


@dataclass
class Service:
    srv: ServerThread
    settings: Settings
    devices: list[dict[str, Any]]
    clock: Clock
    #: Login -> seconds: the page's customer request for it answers that much later.
    slow: dict[str, float] = field(default_factory=dict)
    answered: dict[str, threading.Event] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.srv.url

    def login_at(self, index: int) -> str:
        return str(self.devices[index]["login"])

    def ixc(self) -> Any:
        return Context(self.settings).inventory


@contextmanager
def agent_service(home: Path, block_start: int) -> Iterator[Service]:
    """The service on a loopback port over a 16-device lab in `home` (CANARY passwords)."""
    with lab_world(home, block_start, wan_restart_s=2.5) as (settings, devices):
        add_users(settings)
        clock = Clock()
        # Every test logs in: more logins than the per-user default allows in a minute.
        app = create_app(settings, ServiceConfig(login_burst=100), clock=clock)
        svc = Service(ServerThread(app), settings, devices, clock)

        @app.middleware("http")
        async def slow_customer(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            login = request.url.path.rsplit("/", 1)[-1]
            delay = svc.slow.get(login) if "/api/agente/clientes/" in request.url.path else None
            if delay:
                await asyncio.sleep(delay)
            response = await call_next(request)
            if delay:
                svc.answered.setdefault(login, threading.Event()).set()
            return response

        with svc.srv:
            yield svc


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium with a fresh profile directory, shared by a module's tests."""
    with chromium_context() as context:
        yield context


@pytest.fixture()
def page(browser: Any, service: Service) -> Iterator[Any]:
    """A page that may reach only `service` (the module's own fixture of that name)."""
    pg = new_page(browser, service.url, TIMEOUT_MS)
    try:
        yield pg
    finally:
        service.clock.now = Clock().now
        pg.close()


# --- helpers -----------------------------------------------------------------------------------


def _login(page: Any, service: Service) -> None:
    page.goto(service.url + "/")
    assert page.url.endswith("/login")
    page.fill("#usuario", "ana")
    page.fill("#senha", PASSWORDS["ana"])
    page.click("button[type=submit]")
    page.wait_for_url(service.url + "/")


def _loaded(page: Any, login: str) -> None:
    page.wait_for_function(
        "(l) => document.querySelector('#cli-login').textContent === l && "
        "!document.querySelector('#estado').textContent.includes('Consultando')",
        arg=login,
    )


def _open(page: Any, service: Service, login: str, *, logged_in: bool = False) -> None:
    if not logged_in:
        _login(page, service)
    page.fill("#q", login)
    page.click("#btn-buscar")
    page.locator(f'#resultados button[data-login="{login}"]').click()
    _loaded(page, login)


def _actions(page: Any) -> list[str]:
    ids: list[str] = page.eval_on_selector_all("#acoes button", "bs => bs.map(b => b.dataset.acao)")
    return ids


def _result(page: Any) -> str:
    box = page.locator("#resultado")
    page.wait_for_function(
        "() => { const r = document.querySelector('#resultado');"
        " return !r.hidden && !r.classList.contains('andamento'); }"
    )
    text: str = box.inner_text()
    return text


def _no_canary(page: Any) -> None:
    assert CANARY not in page.content()
    assert all(CANARY not in c["value"] for c in page.context.cookies())


def _shot(page: Any, name: str) -> None:
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / f"agente-{name}.png"), full_page=True)


def _set_contract(service: Service, login: str, **fields: str) -> None:
    inv = service.ixc()
    sub = inv.subscriber(login)
    inv.client.update_full("cliente_contrato", sub.contract.contract_id, fields)


def _set_login(service: Service, login: str, **fields: str) -> None:
    inv = service.ixc()
    inv.client.update_full("radusuarios", inv.subscriber(login).login_id, fields)
