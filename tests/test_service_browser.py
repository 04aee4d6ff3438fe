"""The agent page in a real browser: Debian's Chromium driven by Playwright, the service
in-process on a loopback port, the embedded lab behind it. Screenshots go to test-output/.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cpe.service.app import create_app
from cpe.service.config import ServiceConfig
from cpe.service.server import ServerThread
from cpe.settings import Settings
from tests.service_support import CANARY, PASSWORDS, Clock, add_users, lab_world, pick

CHROMIUM = Path("/usr/bin/chromium")
OUT = Path(__file__).resolve().parent.parent / "test-output"
TIMEOUT_MS = 45_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(180),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Chromium do Debian ausente (/usr/bin/chromium): apt-get install chromium",
    ),
]


@pytest.fixture(scope="module")
def lab(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Settings, list[dict[str, Any]]]]:
    with lab_world(tmp_path_factory.mktemp("svc-browser") / "home", block_start=171) as world:
        yield world


@pytest.fixture(scope="module")
def server(lab: tuple[Settings, list[dict[str, Any]]]) -> Iterator[ServerThread]:
    settings, _ = lab
    add_users(settings)
    app = create_app(settings, ServiceConfig(), clock=Clock())
    with ServerThread(app) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium with a fresh profile directory (a persistent context, as Playwright
    wants the user-data-dir passed), shared by this module's tests."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="cpe-chromium-")
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                headless=True,
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
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


@pytest.fixture()
def page(browser: Any, server: ServerThread) -> Iterator[Any]:
    browser.clear_cookies()
    pg = browser.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    # Nothing but our own loopback server: any other address is refused.
    pg.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(server.url) else route.abort()
        ),
    )
    try:
        yield pg
    finally:
        pg.close()


def _login_and_open(page: Any, server: ServerThread, who: str) -> None:
    page.goto(server.url + "/")
    assert page.url.endswith("/login")
    page.fill("#usuario", "ana")
    page.fill("#senha", PASSWORDS["ana"])
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")
    page.fill("#q", who)
    page.click("#btn-buscar")
    page.locator(f'#resultados button[data-login="{who}"]').click()
    page.locator("#estado li").first.wait_for()
    page.wait_for_function(
        "() => !document.querySelector('#estado').textContent.includes('Consultando')"
    )


def _no_canary(page: Any) -> None:
    assert CANARY not in page.content()
    assert all(CANARY not in c["value"] for c in page.context.cookies())


def test_agent_reapplies_pppoe_and_dns(
    page: Any, server: ServerThread, lab: tuple[Settings, list[dict[str, Any]]]
) -> None:
    _, devices = lab
    who = pick(devices, planted={"dns"}, models=("mercusys", ""))
    _login_and_open(page, server, who)
    estado = page.locator("#estado")
    assert "Online" in estado.inner_text()
    assert "FORA do padrão" in estado.inner_text()
    assert page.locator("#banner").is_hidden()
    assert page.locator("#btn-os").is_visible()
    # The session cookie is out of the page's reach.
    cookie = next(c for c in page.context.cookies() if c["name"] == "cpe_sessao")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "cpe_sessao" not in page.evaluate("document.cookie")
    page.click("#btn-reaplicar")
    result = page.locator("#resultado.ok")
    result.wait_for()
    assert "Feito e conferido" in result.inner_text()
    page.wait_for_function(
        "() => document.querySelector('#estado').textContent.includes('no padrão')"
    )
    page.locator("#historico td", has_text="feito e conferido").first.wait_for()
    # "mostrar" reveals the customer's PPPoE password (journaled), never the router's.
    page.locator('button[data-campo="pppoe"]').click()
    page.locator("#dados", has_text="ocultar").wait_for()
    page.locator("#historico td", has_text="Senha exibida").first.wait_for()
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "service-reaplicar.png"), full_page=False)
    _no_canary(page)


def test_blocked_contract_shows_banner_and_no_ticket_button(
    page: Any, server: ServerThread, lab: tuple[Settings, list[dict[str, Any]]]
) -> None:
    _, devices = lab
    blocked = [d for d in devices if "blocked" in d["planted"]]
    blocked.sort(key=lambda d: not d["model"].startswith("mercusys"))
    who = blocked[0]["login"]
    _login_and_open(page, server, who)
    banner = page.locator("#banner")
    assert banner.is_visible()
    text = banner.inner_text()
    assert "Contrato bloqueado" in text
    assert "abrir O.S." in text and "pagamento" in text
    assert page.locator("#btn-os").is_hidden()
    assert page.locator("#btn-reaplicar").is_hidden()
    assert page.locator("#btn-wifi").is_hidden()
    assert page.locator('button[data-campo="pppoe"]').count() == 0
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "service-bloqueado.png"), full_page=False)
    _no_canary(page)


def test_agent_opens_an_n3_ticket_with_the_deadline(
    page: Any, server: ServerThread, lab: tuple[Settings, list[dict[str, Any]]]
) -> None:
    _, devices = lab
    who = pick(devices, planted={"unreachable"}, models=("mercusys", ""))
    _login_and_open(page, server, who)
    assert "Offline" in page.locator("#estado").inner_text()
    page.click("#btn-os")
    page.locator("#os-prazo", has_text="24 horas").wait_for()
    page.fill("#os-obs", "(12) 97777-1234, à tarde")
    page.click("#btn-os-abrir")
    page.locator("#os-resultado").wait_for()
    titulo = page.locator("#os-titulo").inner_text()
    assert "aberta para o N3" in titulo and "24 horas" in titulo
    texto = page.locator("#os-texto").inner_text()
    assert texto.startswith("Nesse caso, vou abrir um chamado")
    assert "quinta-feira, 12/06 às 10:00" in texto
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "service-os-n3.png"), full_page=False)
    _no_canary(page)


def test_agent_changes_the_wifi_from_the_ixc_prefill(
    page: Any, server: ServerThread, lab: tuple[Settings, list[dict[str, Any]]]
) -> None:
    _, devices = lab
    who = pick(devices, planted=set(), models=("mercusys-ac12g", "mercusys", ""))
    _login_and_open(page, server, who)
    page.click("#btn-wifi")
    ssid = page.locator("#wifi-ssid-24GHz")
    prefilled = ssid.input_value()
    assert prefilled and prefilled in page.locator("#dados").inner_text()
    ssid.fill("Casa Nova do Cliente")
    page.fill("#wifi-senha-24GHz", "nova-senha-2024")
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "service-wifi-form.png"), full_page=False)
    page.click("#btn-wifi-salvar")
    result = page.locator("#resultado.ok")
    result.wait_for()
    assert "Feito e conferido" in result.inner_text()
    page.locator("#estado", has_text="Casa Nova do Cliente").wait_for()
    page.locator("#dados", has_text="Casa Nova do Cliente").wait_for()
    page.locator("#historico td", has_text="Wi-Fi gravado no IXC").first.wait_for()
    _no_canary(page)
