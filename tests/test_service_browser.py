"""The agent page in a real browser: Debian's Chromium driven by Playwright, the service
in-process on a loopback port, the embedded lab behind it (its WAN restart raised so a
PPPoE fix's stages can be watched live). Screenshots go to test-output/.

Lab devices (tests/service_support.lab_world, cpe/lab/plan.py SCRIPT) and who uses them:
0 Wi-Fi change + device failure, 1 DNS fix, 2 Wi-Fi mismatch, 3 PPPoE fix, 4 runbook
menu, 5 blocked, 6 keyboard-only, 7 no optical signal, 8 unreachable + N3, 11 bridge,
12 TV-only, 13 own router, 14 paused, 15 + 4 the search race.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import tempfile
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import Request, Response

from cpe.context import Context
from cpe.service.app import create_app
from cpe.service.config import ServiceConfig
from cpe.service.deadline import RUNBOOK_TEXT, TZ
from cpe.service.server import ServerThread
from cpe.settings import Settings
from tests.service_support import CANARY, PASSWORDS, Clock, add_users, lab_world

CHROMIUM = Path("/usr/bin/chromium")
OUT = Path(__file__).resolve().parent.parent / "test-output"
TIMEOUT_MS = 45_000
EVENING = datetime(2025, 6, 11, 20, 0, tzinfo=TZ)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(240),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Chromium do Debian ausente (/usr/bin/chromium): apt-get install chromium",
    ),
]


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


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    home = tmp_path_factory.mktemp("svc-browser") / "home"
    with lab_world(home, block_start=171, wan_restart_s=2.5) as (settings, devices):
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
    """One Chromium with a fresh profile directory, shared by this module's tests."""
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
def page(browser: Any, service: Service) -> Iterator[Any]:
    browser.clear_cookies()
    pg = browser.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    # Nothing but our own loopback server: any other address is refused.
    pg.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(service.url) else route.abort()
        ),
    )
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


# --- 1. never the wrong customer -----------------------------------------------------------------


def _common_piece(a: str, b: str) -> str | None:
    for i in range(len(a) - 2):
        piece = a[i : i + 3]
        if "." not in piece and piece in b:
            return piece
    return None


def test_the_last_customer_clicked_wins_a_slow_answer_is_dropped(
    page: Any, service: Service
) -> None:
    candidates = [service.login_at(i) for i in (15, 4, 0, 1, 2, 6, 7, 12, 13, 14)]
    pair = next(
        ((a, b, p) for a, b in itertools.permutations(candidates, 2) if (p := _common_piece(a, b))),
        None,
    )
    if pair is None:
        pytest.skip("no two lab logins share three letters")
    slow, fast, piece = pair
    _login(page, service)
    page.fill("#q", piece)
    page.click("#btn-buscar")
    page.locator(f'#resultados button[data-login="{slow}"]').wait_for()
    service.slow[slow] = 2.0
    service.answered.pop(slow, None)
    try:
        page.locator(f'#resultados button[data-login="{slow}"]').click()
        page.locator(f'#resultados button[data-login="{fast}"]').click()
        _loaded(page, fast)
        # Wait for the slow answer to be sent and to reach (or be cut off from) the page.
        assert service.answered.setdefault(slow, threading.Event()).wait(20)
        page.wait_for_load_state("networkidle")
    finally:
        service.slow.clear()
    assert page.locator("#cli-login").inner_text() == fast
    shown = page.locator("#cliente").inner_text()
    assert slow not in shown.replace(fast, "")
    # An action names the login on screen; it is the fast one.
    with page.expect_request("**/mostrar") as req:
        page.locator('#dados button[data-campo="pppoe"]').click()
    assert req.value.post_data_json["login_tela"] == fast
    assert req.value.url.endswith(f"/clientes/{fast}/mostrar")


# --- 2, 3. confirm before a write; live progress -------------------------------------------------


def test_dns_fix_confirms_what_changes_and_shows_the_stages(page: Any, service: Service) -> None:
    who = service.login_at(1)
    _open(page, service, who)
    assert "FORA do padrão" in page.locator("#estado").inner_text()
    assert _actions(page) == ["corrigir_dns", "alterar_wifi", "abrir_os_n3"]
    page.click('#acoes button[data-acao="corrigir_dns"]')
    dialog = page.locator("#confirmar")
    dialog.wait_for()
    text = dialog.inner_text()
    assert "para 1.1.1.1 / 1.0.0.1" in text and "a internet do cliente não cai" in text
    assert "Diga ao cliente" in text
    _shot(page, "confirmar-dns")
    page.click("#confirmar-nao")  # cancel: nothing happens
    assert dialog.is_hidden() and page.locator("#andamento").is_hidden()
    page.click('#acoes button[data-acao="corrigir_dns"]')
    with page.expect_request("**/tarefas") as req:
        page.click("#confirmar-sim")
    assert req.value.post_data_json == {"acao": "corrigir_dns", "login_tela": who}
    result = _result(page)
    assert "Feito e conferido no equipamento: DNS alterado e conferido na releitura." in result
    stages = page.eval_on_selector_all("#etapas li", "ls => ls.map(l => l.dataset.etapa)")
    assert stages == ["reading", "writing_dns", "verifying"]
    assert "decorrido" in page.locator("#andamento").inner_text()
    page.locator("#estado", has_text="no padrão").wait_for()
    assert "corrigir_dns" not in _actions(page)
    page.locator("#historico td", has_text="feito e conferido").first.wait_for()
    _no_canary(page)


def test_pppoe_fix_warns_of_the_outage_and_streams_each_stage(page: Any, service: Service) -> None:
    who = service.login_at(3)
    _open(page, service, who)
    assert "reaplicar_pppoe" in _actions(page)
    page.click('#acoes button[data-acao="reaplicar_pppoe"]')
    dialog = page.locator("#confirmar")
    text = dialog.inner_text()
    assert "a internet do cliente vai cair" in text
    assert "fica sem internet por até" in text and "minutos" in text
    assert "não desligue o equipamento" in page.locator("#confirmar-dizer").inner_text()
    assert page.evaluate("document.activeElement.id") == "confirmar-nao"
    _shot(page, "confirmar-pppoe")
    page.click("#confirmar-sim")
    # Live: the page shows "aguardando a gerência" while it is going on (the lab's WAN
    # restart takes 2.5 s), before the result exists.
    waiting = page.locator('#etapas li[data-etapa="waiting_management"].atual')
    waiting.wait_for()
    assert "aguardando a gerência" in waiting.inner_text()
    assert page.locator("#resultado").is_hidden()
    _shot(page, "progresso-pppoe")
    result = _result(page)
    assert "Feito e conferido no equipamento: PPPoE alterado" in result
    stages = page.eval_on_selector_all("#etapas li", "ls => ls.map(l => l.dataset.etapa)")
    assert stages == ["reading", "writing_pppoe", "wan_restart", "waiting_management", "verifying"]
    assert "(total)" in page.locator("#decorrido").inner_text()
    _no_canary(page)


# --- 4. only the actions that can work ------------------------------------------------------------


def test_buttons_follow_the_device_state(page: Any, service: Service) -> None:
    _login(page, service)
    bridge = service.login_at(11)
    _open(page, service, bridge, logged_in=True)
    assert "reaplicar_pppoe" not in _actions(page) and "alterar_wifi" not in _actions(page)
    assert "modo bridge" in page.locator("#acoes-cartao").inner_text()
    unreachable = service.login_at(8)
    _open(page, service, unreachable, logged_in=True)
    assert _actions(page) == ["abrir_os_n3"]
    situation = page.locator("#roteiro-situacao").inner_text()
    assert "Equipamento sem resposta" in situation and "Abrir N3" in situation
    dark = service.login_at(7)
    _open(page, service, dark, logged_in=True)
    assert _actions(page) == ["abrir_os_n3"]
    assert "Sem sinal óptico" in page.locator("#estado").inner_text()
    assert "Sem sinal óptico" in page.locator("#roteiro-situacao").inner_text()
    blocked = service.login_at(5)
    _open(page, service, blocked, logged_in=True)
    assert _actions(page) == []
    assert "Contrato bloqueado" in page.locator("#banner").inner_text()
    assert page.locator('#dados button[data-campo="pppoe"]').count() == 0
    # A Wi-Fi that differs from IXC: "aplicar o Wi-Fi do IXC" in one click (and its OK).
    mismatch = service.login_at(2)
    _open(page, service, mismatch, logged_in=True)
    assert _actions(page)[0] == "aplicar_wifi_ixc"
    page.click('#acoes button[data-acao="aplicar_wifi_ixc"]')
    text = page.locator("#confirmar").inner_text()
    assert "precisam se conectar de novo" in text
    page.click("#confirmar-sim")
    assert "Feito e conferido" in _result(page)
    page.wait_for_function(
        "() => !document.querySelector('#acoes button[data-acao=aplicar_wifi_ixc]')"
    )
    _no_canary(page)


def test_wifi_written_to_ixc_but_not_to_the_device_says_so_and_retries(
    page: Any, service: Service
) -> None:
    who = service.login_at(0)
    host = str(service.devices[0]["host"])
    _open(page, service, who)
    page.click('#acoes button[data-acao="alterar_wifi"]')
    ssid = page.locator("#wifi-ssid-24GHz")
    assert ssid.input_value() and ssid.input_value() in page.locator("#dados").inner_text()
    ssid.fill("Casa Nova do Cliente")
    page.fill("#wifi-senha-24GHz", "nova-senha-2024")
    # The router goes away between the page's read and the agent's click.
    dead = ".".join([*host.split(".")[:2], "254", "254"])
    _set_login(service, who, ip=dead)
    try:
        page.click("#btn-wifi-salvar")
        assert "todos os aparelhos" in page.locator("#confirmar").inner_text().lower()
        page.click("#confirmar-sim")
        result = _result(page)
        assert "o IXC e o equipamento estão diferentes" in result
        assert "nova-senha-2024" not in page.content()
        _shot(page, "wifi-ixc-difere")
    finally:
        _set_login(service, who, ip=host)
    page.click('#resultado button[data-acao="tentar_de_novo"]')
    page.wait_for_function("() => document.querySelector('#resultado').classList.contains('ok')")
    assert "Feito e conferido" in page.locator("#resultado").inner_text()
    page.locator("#estado", has_text="Casa Nova do Cliente").wait_for()
    page.locator("#historico td", has_text="Wi-Fi gravado no IXC").first.wait_for()
    _no_canary(page)


# --- 5. the runbook's procedures ---------------------------------------------------------------


def _procedure(page: Any, pid: str) -> str:
    page.click(f'#roteiro-pedidos button[data-pedido="{pid}"]')
    text: str = page.locator(f"#proc-{pid}").inner_text()
    return text


def test_runbook_requests_with_the_providers_hours(page: Any, service: Service) -> None:
    who = service.login_at(4)
    _open(page, service, who)
    repeater = _procedure(page, "repetidor")
    assert "Não realizam o suporte, mas podem indicar algum profissional" in repeater
    assert "muito insatisfeito" in repeater
    assert page.locator('#proc-repetidor button[data-os="n3:repetidor"]').is_visible()
    fixed_ip = _procedure(page, "ip_fixo")
    assert "transfira ao setor Contratar" in fixed_ip
    assert page.locator("#proc-ip_fixo button[data-os]").count() == 0
    address = _procedure(page, "endereco")
    assert "Mudança de Endereço - Abrir OS de Outras Demandas." in address
    outlet = _procedure(page, "ponto")
    assert "É estudado caso a caso" in outlet
    reset = _procedure(page, "reset")
    assert "encaminhar o técnico para fazê-lo" in reset
    # Outside the provider's hours, the fixed IP becomes an O.S. of Outras Demandas.
    service.clock.now = EVENING
    page.click("#btn-atualizar")
    _loaded(page, who)
    assert "fechado" in page.locator("#horario").inner_text()
    fixed_ip = _procedure(page, "ip_fixo")
    assert "fora do horário do provedor" in fixed_ip
    page.click('#proc-ip_fixo button[data-os="outras_demandas:ip_fixo"]')
    page.locator("#form-os").wait_for()
    assert page.locator("#os-n3-roteiro").is_hidden()
    page.fill("#os-telefone", "(12) 97777-0000")
    page.fill("#os-obs", "Cliente quer IP fixo para câmeras")
    page.click("#btn-os-abrir")
    title = page.locator("#os-titulo")
    title.wait_for()
    assert "de Outras Demandas aberta" in title.inner_text()
    os_id = title.inner_text().split("nº ")[1].split(" ")[0]
    rows = list(service.ixc().client.list("su_oss_chamado", "id", os_id, "="))
    assert len(rows) == 1 and "IP fixo" in rows[0]["mensagem"]
    assert "Atendente: ana" in rows[0]["mensagem"]
    page.locator("#historico td", has_text="O.S. de Outras Demandas aberta").first.wait_for()


def test_runbook_contract_situations(page: Any, service: Service) -> None:
    _login(page, service)
    # Paused: the provider's O.S., never the payment text.
    paused = service.login_at(14)
    _set_contract(service, paused, contrato_suspenso="S")
    _open(page, service, paused, logged_in=True)
    banner = page.locator("#banner").inner_text()
    assert "Contrato pausado" in banner and "não é bloqueio por falta de pagamento" in banner
    assert "segunda via" not in banner.lower() and "boleto" not in banner.lower()
    assert _actions(page) == []
    situation = page.locator("#roteiro-situacao").inner_text()
    assert "religue de contrato pausado" in situation
    assert page.locator('#roteiro-situacao button[data-os="outras_demandas:pausa"]').is_visible()
    # Blocked: no O.S.; more than 2 late invoices → Financeiro in the provider's hours.
    blocked = service.login_at(5)
    _open(page, service, blocked, logged_in=True)
    assert "Não abrem O.S. para clientes bloqueados" in page.locator("#roteiro").inner_text()
    late = _procedure(page, "bloqueado_mais_de_2")
    assert "transfira ao Setor Financeiro" in late
    assert page.locator("#roteiro button[data-os]").count() == 0
    # TV only: no device action, and why.
    tv = service.login_at(12)
    _set_contract(service, tv, contrato="SeAC TV 1Kbps")
    _open(page, service, tv, logged_in=True)
    assert "Cliente só de TV" in page.locator("#banner").inner_text()
    assert _actions(page) == []
    assert "cliente só de TV" in page.locator("#acoes-nada").inner_text()
    assert "Selecionar Usuário TV" in page.locator("#roteiro-situacao").inner_text()
    # The customer's own router: not an error; the PPPoE data to help them.
    own = service.login_at(13)
    _set_login(service, own, tipo_equipamento="P")
    _open(page, service, own, logged_in=True)
    assert page.locator("#estado li.erro").count() == 0
    assert "não é um erro" in page.locator("#estado").inner_text()
    page.click('#acoes button[data-acao="dados_pppoe"]')
    page.locator("#dados", has_text="ocultar").wait_for()
    _shot(page, "roteador-proprio")
    _no_canary(page)


def test_n3_shows_the_runbook_message_before_opening(page: Any, service: Service) -> None:
    who = service.login_at(8)
    _open(page, service, who)
    page.click('#acoes button[data-acao="abrir_os_n3"]')
    page.locator("#form-os").wait_for()
    assert page.locator("#os-mensagem").inner_text() == RUNBOOK_TEXT
    prazo = page.locator("#os-prazo").inner_text()
    assert "24h corridas em dias de semana, 48h corridas aos fins de semana" in prazo
    assert "24 horas corridas, até quinta-feira, 12/06 às 10:00" in prazo
    page.click("#btn-os-abrir")  # not yet confirmed with the customer
    assert "confirme o telefone" in page.locator("#os-erro").inner_text()
    page.fill("#os-telefone", "(12) 97777-1234")
    page.select_option("#os-periodo", "T")
    page.check("#os-confirmou")
    page.click("#btn-os-abrir")
    title = page.locator("#os-titulo")
    title.wait_for()
    assert "aberta para o N3" in title.inner_text() and "24 horas corridas" in title.inner_text()
    after = page.locator("#os-depois").inner_text()
    assert "Finalizar o atendimento ao abrir a O.S." in after
    assert "sinalizar o provedor no grupo" in after
    assert "um técnico precisa reabilitá-lo" in after
    _shot(page, "os-n3")
    _no_canary(page)


# --- 8. keyboard only, accessibility ------------------------------------------------------------


def _tab_to(page: Any, selector: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_from_login_to_a_fixed_device(page: Any, service: Service) -> None:
    who = service.login_at(6)
    focused = "(id) => document.activeElement && document.activeElement.id === id"
    page.goto(service.url + "/")
    page.wait_for_function(focused, arg="usuario")  # the user field has the focus on arrival
    page.keyboard.type("ana")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORDS["ana"])
    page.keyboard.press("Enter")
    page.wait_for_url(service.url + "/")
    page.wait_for_function(focused, arg="q")  # then the search field has it
    page.keyboard.type(who)
    page.keyboard.press("Enter")
    _loaded(page, who)
    assert page.evaluate("document.activeElement.id") == "cliente-titulo"
    _tab_to(page, '#acoes button[data-acao="corrigir_dns"]')
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "confirmar-nao"
    page.keyboard.press("Escape")  # Esc cancels
    assert page.locator("#confirmar").is_hidden()
    page.keyboard.press("Enter")  # focus went back to the button
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "confirmar-sim"
    page.keyboard.press("Enter")
    assert "Feito e conferido" in _result(page)
    # The runbook menu opens from the keyboard too.
    _tab_to(page, '#roteiro-pedidos button[data-pedido="repetidor"]')
    page.keyboard.press("Enter")
    assert page.locator("#proc-repetidor").is_visible()
    assert page.get_attribute('button[data-pedido="repetidor"]', "aria-expanded") == "true"


def _axe(page: Any, where: str) -> list[str]:
    """axe-core (npm's, as bundled by the axe-playwright-python package) on the page as it
    is now: its serious and critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.response["testEngine"]["name"] == "axe-core"
    bad = [
        f"{where}: {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    return bad


def test_axe_finds_no_serious_or_critical_violation(page: Any, service: Service) -> None:
    page.goto(service.url + "/login")
    problems = _axe(page, "login")
    _login(page, service)
    problems += _axe(page, "vazio")
    _open(page, service, service.login_at(15), logged_in=True)
    problems += _axe(page, "cliente")
    _procedure(page, "repetidor")
    page.click('#acoes button[data-acao="abrir_os_n3"]')
    page.locator("#form-os").wait_for()
    problems += _axe(page, "form-os")
    page.click("#btn-os-cancelar")
    page.click('#acoes button[data-acao="alterar_wifi"]')
    problems += _axe(page, "form-wifi")
    page.click("#btn-wifi-cancelar")
    # Device 15 runs a DHCP WAN (a PPPoE drift too): its DNS goes with the PPPoE fix.
    page.click(
        '#acoes button[data-acao="corrigir_dns"], #acoes button[data-acao="reaplicar_pppoe"]'
    )
    problems += _axe(page, "confirmar")
    page.click("#confirmar-sim")
    _result(page)
    problems += _axe(page, "resultado")
    _open(page, service, service.login_at(5), logged_in=True)
    problems += _axe(page, "bloqueado")
    assert problems == []
