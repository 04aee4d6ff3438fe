"""The agent page's flows in a real browser (Debian's Chromium driven by Playwright; the
service and the lab from tests/agent_browser_helpers.py): never the wrong customer, a
confirmation before every write, live progress, only the actions that can work, and the
Wi-Fi written to IXC but not to the device.

Lab devices (tests/service_support.lab_world, cpe/lab/plan.py SCRIPT) and who uses them:
0 Wi-Fi change + device failure, 1 DNS fix, 2 Wi-Fi mismatch, 3 PPPoE fix, 5 blocked,
7 no optical signal, 8 unreachable, 11 bridge, 15 + 4 the search race.

The runbook screens, keyboard-only use and axe: test_agent_browser_runbook.py.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests import agent_browser_helpers as helpers
from tests.agent_browser_helpers import (
    Service,
    _actions,
    _loaded,
    _login,
    _no_canary,
    _open,
    _result,
    _set_login,
    _shot,
    agent_service,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240), helpers.NEEDS_CHROMIUM]

# The shared fixtures, bound here so that pytest finds them in this module.
browser, page = helpers.browser, helpers.page


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    home = tmp_path_factory.mktemp("agent-browser-flows") / "home"
    with agent_service(home, block_start=171) as svc:
        yield svc


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
