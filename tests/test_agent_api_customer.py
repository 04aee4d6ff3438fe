"""The agent page's API (/api/agente) reading a customer, against in-process simulators
and the IXC simulator: the actions offered per device state and contract, the runbook's
service orders with the provider's hours, and the history.

Running actions (screen-login check, dry run, Wi-Fi, live stages): test_agent_api_actions.py."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cpe.journal import Journal
from cpe.service.deadline import RUNBOOK_TEXT
from cpe.settings import Settings
from tests import agent_api_helpers as h
from tests.agent_api_helpers import EVENING, _contract, _journal, _order, _row, _view
from tests.inproc import World
from tests.service_support import Clock

pytestmark = pytest.mark.timeout(90)

# The shared module-scoped fixtures, bound here so that pytest finds them in this module.
w, settings, store, clock, client, ana = h.w, h.settings, h.store, h.clock, h.client, h.ana


# --- only actions that can work -----------------------------------------------------------------


def test_offers_follow_the_device_state(w: World, client: TestClient, ana: dict[str, str]) -> None:
    dns_only, _ = w.add("mercusys-ac12g", dns_drift=True, ssid_drift=False)
    view = _view(client, ana, dns_only)
    assert [a["id"] for a in view["acoes"]] == ["corrigir_dns", "alterar_wifi"]
    dns = view["acoes"][0]["confirmacao"]
    assert "a internet do cliente não cai" in dns["texto"]
    assert view["os_n3_tecnico"] is True
    wifi, _ = w.add("mercusys-ac12g", dns_drift=False, ssid_drift=True)
    offer = _view(client, ana, wifi)["acoes"][0]
    assert offer["id"] == "aplicar_wifi_ixc"
    assert "“Antiga” para “Rede" in offer["confirmacao"]["texto"]
    assert "precisam se conectar de novo" in offer["confirmacao"]["texto"]
    # Unreachable: no device action; the runbook's step and the N3.
    gone, dev = w.add("mercusys-ac12g")
    dev.knobs.web_down = True
    view = _view(client, ana, gone)
    assert view["acoes"] == [] and view["situacao"] == "unreachable"
    step = view["roteiro"][0]
    assert step["id"] == "sem_resposta" and step["os"]["tipo"] == "n3"
    assert "Abrir N3" in step["roteiro"][0]
    # An ONU without optical signal: nothing to apply, the N3.
    onu, odev = w.add("zte-onu", dns_drift=True, ssid_drift=False)
    odev.pon_registered, odev.rx_dbm = False, -40.0
    odev.evaluate_wan()
    view = _view(client, ana, onu)
    assert view["situacao"] == "no_signal" and view["acoes"] == []
    assert view["roteiro"][0]["id"] == "sem_sinal"
    assert any("Sem sinal óptico" in x["texto"] for x in view["estado"])


def test_tv_only_and_own_router_customers(
    w: World, client: TestClient, ana: dict[str, str]
) -> None:
    tv, tv_dev = w.add("mercusys-ac12g")
    _contract(w, tv, contrato="SeAC - TV 1 Kbps")
    sessions = tv_dev.counters.logins
    view = _view(client, ana, tv)
    assert view["contrato"]["so_tv"] is True and view["acoes"] == []
    assert view["equipamento"] is None and tv_dev.counters.logins == sessions  # not contacted
    assert "SeAC" in view["estado"][0]["texto"]
    assert view["roteiro"][0]["id"] == "so_tv" and view["roteiro"][0]["os"]["motivo"] == "tv"
    refused = client.post(
        f"/api/agente/clientes/{tv}/tarefas",
        json={"acao": "corrigir_dns", "login_tela": tv},
        headers=ana,
    )
    assert refused.status_code == 409 and "só de TV" in refused.json()["erro"]["mensagem"]
    own, _ = w.add("mercusys-ac12g")
    w.ixc.update("radusuarios", _row(w, "radusuarios", own)["id"], tipo_equipamento="P")
    view = _view(client, ana, own)
    assert [a["id"] for a in view["acoes"]] == ["dados_pppoe"]
    assert view["estado"][0]["nivel"] == "info" and "não é um erro" in view["estado"][0]["texto"]
    assert "informando o PPPoE" in " ".join(view["roteiro"][0]["roteiro"])
    shown = client.post(
        f"/api/agente/clientes/{own}/mostrar",
        json={"campo": "pppoe", "login_tela": own},
        headers=ana,
    )
    assert shown.status_code == 200 and shown.json()["valor"].startswith("ppp-")


# --- the runbook's service orders -------------------------------------------------------------


def test_n3_needs_the_confirmed_contact_and_goes_to_ixc_with_its_route(
    w: World, client: TestClient, ana: dict[str, str], settings: Settings
) -> None:
    login, dev = w.add("mercusys-ac12g")
    dev.knobs.web_down = True
    view = _view(client, ana, login)
    assert view["n3"]["mensagem_sugerida"] == RUNBOOK_TEXT
    assert view["n3"]["prazo_roteiro"] == (
        "24h corridas em dias de semana, 48h corridas aos fins de semana"
    )
    assert _order(client, ana, login, "n3", "tecnico").status_code == 400
    unconfirmed = _order(client, ana, login, "n3", "tecnico", telefone="(12) 98888-1111")
    assert unconfirmed.status_code == 400
    assert "mensagem sugerida" in unconfirmed.json()["erro"]["mensagem"]
    resp = _order(
        client,
        ana,
        login,
        "n3",
        "tecnico",
        telefone="(12) 98888-1111",
        periodo="T",
        confirmou_contato=True,
        grave=True,
        achados=view["achados"],
    )
    assert resp.status_code == 201, resp.text
    data = resp.json()
    assert data["horas"] == 24 and data["ao_abrir"].startswith("Finalizar o atendimento")
    row = next(r for r in w.ixc.rows("su_oss_chamado") if r["id"] == data["os_id"])
    assert (row["id_assunto"], row["setor"], row["melhor_horario_agenda"]) == ("7", "3", "T")
    assert "(12) 98888-1111, tarde" in row["mensagem"]
    assert "sinalizado no grupo" in row["mensagem"]
    assert _journal(settings, login)[0]["action"] == "abrir_os_n3"


def test_fixed_ip_follows_the_providers_hours(
    w: World, client: TestClient, ana: dict[str, str], clock: Clock
) -> None:
    login, _ = w.add("mercusys-ac12g", dns_drift=False, ssid_drift=False)
    ip = next(p for p in _view(client, ana, login)["roteiro"] if p["id"] == "ip_fixo")
    assert ip["os"] is None and "transfira ao setor Contratar" in ip["agora"]
    assert "transferir ao setor Contratar" in ip["roteiro"][0]
    assert _order(client, ana, login, "outras_demandas", "ip_fixo").status_code == 409
    clock.now = EVENING
    try:
        ip = next(p for p in _view(client, ana, login)["roteiro"] if p["id"] == "ip_fixo")
        assert ip["os"] == {
            "tipo": "outras_demandas",
            "motivo": "ip_fixo",
            "rotulo": "Abrir O.S. de Outras Demandas",
        }
        assert "fora do horário do provedor" in ip["agora"]
        resp = _order(client, ana, login, "outras_demandas", "ip_fixo", observacao="IP fixo")
        assert resp.status_code == 201, resp.text
    finally:
        clock.now = Clock().now
    row = next(r for r in w.ixc.rows("su_oss_chamado") if r["id"] == resp.json()["os_id"])
    assert (row["id_assunto"], row["setor"]) == ("21", "5")
    assert row["mensagem"].startswith("Outras Demandas pelo atendimento")
    assert "IP fixo" in row["mensagem"]


def test_blocked_paused_and_address_change(
    w: World, client: TestClient, ana: dict[str, str], clock: Clock
) -> None:
    blocked, _ = w.add("mercusys-ac12g")
    _contract(w, blocked, status_internet="CM")
    view = _view(client, ana, blocked)
    assert view["acoes"] == [] and view["os_n3_tecnico"] is False
    ids = [p["id"] for p in view["roteiro"]]
    assert ids == ["bloqueado", "bloqueado_mais_de_2"]
    assert "Não realizam o desbloqueio em confiança." in view["roteiro"][0]["roteiro"][1]
    n3 = _order(client, ana, blocked, "n3", "tecnico", telefone="1", confirmou_contato=True)
    assert n3.status_code == 409
    assert _order(client, ana, blocked, "outras_demandas", "endereco").status_code == 409
    assert _order(client, ana, blocked, "outras_demandas", "financeiro").status_code == 409
    clock.now = EVENING
    try:
        late = _order(client, ana, blocked, "outras_demandas", "financeiro")
        assert late.status_code == 201, late.text
    finally:
        clock.now = Clock().now
    paused, _ = w.add("mercusys-ac12g")
    _contract(w, paused, contrato_suspenso="S", status_internet="CM")
    view = _view(client, ana, paused)
    assert view["contrato"]["pausado"] is True and view["contrato"]["estado_pt"] == "pausado"
    warnings = " ".join(view["contrato"]["avisos"])
    assert "não é bloqueio por falta de pagamento" in warnings
    assert "boleto" not in warnings.lower() and "segunda via" not in warnings
    assert view["roteiro"][0]["id"] == "pausado"
    assert view["roteiro"][0]["os"] == {
        "tipo": "outras_demandas",
        "motivo": "pausa",
        "rotulo": "Abrir O.S. de Outras Demandas",
    }
    assert _order(client, ana, paused, "outras_demandas", "pausa").status_code == 201
    n3 = _order(client, ana, paused, "n3", "tecnico", telefone="1", confirmou_contato=True)
    assert n3.status_code == 409
    moving, _ = w.add("mercusys-ac12g")
    resp = _order(client, ana, moving, "outras_demandas", "endereco", observacao="Rua Nova, 10")
    assert resp.status_code == 201
    row = next(r for r in w.ixc.rows("su_oss_chamado") if r["id"] == resp.json()["os_id"])
    assert "mudança de endereço" in row["mensagem"] and "Rua Nova, 10" in row["mensagem"]


# --- history ---------------------------------------------------------------------------------


def test_history_puts_agent_actions_first_in_portuguese(
    w: World, client: TestClient, ana: dict[str, str], settings: Settings
) -> None:
    login, _ = w.add("mercusys-ac12g")
    journal = Journal(settings.journal_file)
    run = journal.start_run("auditoria", {})
    for _ in range(3):
        journal.add_result(run, login, "mercusys-ac12g", "drift", ["dns"], {})
        run = journal.start_run("auditoria", {})
    for outcome in ("rolled_back", "changed_unverified", "verified"):
        journal.record_action(
            operator="ana",
            login=login,
            device=None,
            action="reconfigure",
            outcome=outcome,
            changed=["dns", "wifi_key"],
        )
    h = client.get(f"/api/agente/clientes/{login}/historico", headers=ana).json()
    assert [a["resultado_pt"] for a in h["acoes"]] == [
        "feito e conferido",
        "alterado, mas não conferido",
        "não confirmado; alterações desfeitas",
    ]
    assert h["acoes"][0]["alteracoes_pt"] == "DNS e senha do Wi-Fi"
    assert h["auditorias"]["total"] == 3
    assert h["auditorias"]["itens"][0]["veredito_pt"] == "divergente"
