"""The agent page's runbook screens and accessibility in a real browser (Debian's Chromium
driven by Playwright; the service and the lab from tests/agent_browser_helpers.py): the
runbook's procedures with the provider's hours, the contract situations, the N3 form,
keyboard-only use and axe-core.

Lab devices (tests/service_support.lab_world, cpe/lab/plan.py SCRIPT) and who uses them:
4 runbook menu, 5 blocked, 6 keyboard-only, 8 unreachable + N3, 12 TV-only, 13 own router,
14 paused, 15 axe.

The agent's flows (search, confirm, progress, offered actions): test_agent_browser_flows.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cpe.service.deadline import RUNBOOK_TEXT
from tests import agent_browser_helpers as helpers
from tests.agent_browser_helpers import (
    EVENING,
    Service,
    _actions,
    _loaded,
    _login,
    _no_canary,
    _open,
    _result,
    _set_contract,
    _set_login,
    _shot,
    agent_service,
)
from tests.service_support import PASSWORDS

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240), helpers.NEEDS_CHROMIUM]

# The shared fixtures, bound here so that pytest finds them in this module.
browser, page = helpers.browser, helpers.page


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    home = tmp_path_factory.mktemp("agent-browser-runbook") / "home"
    with agent_service(home, block_start=181) as svc:
        yield svc


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
