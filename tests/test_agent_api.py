"""The agent page's API (/api/agente) against in-process simulators and the IXC simulator:
the screen-login check, strict booleans, the dry run, the Wi-Fi change holding the device
across IXC and the device, jobs with live stages, the actions offered per device state,
and the runbook's service orders with the provider's hours."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cpe.journal import Journal
from cpe.models import Band
from cpe.progress import Stage
from cpe.service.deadline import RUNBOOK_TEXT, TZ
from cpe.service.offers import outage_minutes
from cpe.service.store import UserStore
from cpe.settings import Settings, load_settings
from tests.inproc import World, world
from tests.service_support import Clock, add_users, app_for, bearer

pytestmark = pytest.mark.timeout(90)

#: Wednesday 20:00 in São Paulo: outside the provider's hours (Mon–Fri 08–17).
EVENING = datetime(2025, 6, 11, 20, 0, tzinfo=TZ)


@pytest.fixture(scope="module")
def w(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world(tmp_path_factory.mktemp("agent-api") / "home", ["mercusys-ac12g", "zte-onu"]) as wo:
        yield wo


@pytest.fixture(scope="module")
def settings(w: World) -> Settings:
    return load_settings(home=w.home)


@pytest.fixture(scope="module")
def store(settings: Settings) -> UserStore:
    return add_users(settings)


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def client(settings: Settings, store: UserStore, clock: Clock) -> Iterator[TestClient]:
    app = app_for(settings, clock, outras_demandas_assunto_id="21", outras_demandas_setor="5")
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def ana(store: UserStore) -> dict[str, str]:
    return bearer(store, "ana")


def _row(w: World, table: str, login: str) -> dict[str, str]:
    lrow = next(r for r in w.ixc.rows("radusuarios") if r["login"] == login)
    if table == "radusuarios":
        return lrow
    key = {"cliente_contrato": "id_contrato", "cliente": "id_cliente"}[table]
    row = w.ixc.row(table, lrow[key])
    assert row is not None
    return row


def _contract(w: World, login: str, **changes: str) -> None:
    w.ixc.update("cliente_contrato", _row(w, "cliente_contrato", login)["id"], **changes)


def _view(client: TestClient, who: dict[str, str], login: str) -> dict[str, Any]:
    resp = client.get(f"/api/agente/clientes/{login}", headers=who)
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()
    return data


def _run(client: TestClient, who: dict[str, str], login: str, **body: Any) -> dict[str, Any]:
    """Start a job and follow its SSE stream to the end: (stages, final snapshot)."""
    resp = client.post(
        f"/api/agente/clientes/{login}/tarefas", json={"login_tela": login, **body}, headers=who
    )
    assert resp.status_code == 202, resp.text
    job = resp.json()["tarefa"]
    events: list[tuple[str, dict[str, Any]]] = []
    with client.stream("GET", f"/api/agente/tarefas/{job}/eventos", headers=who) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        kind = ""
        for line in stream.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                events.append((kind, json.loads(line[6:])))
    assert events and events[-1][0] == "fim"
    return {"etapas": [e["etapa"] for k, e in events if k == "etapa"], "fim": events[-1][1]}


def _journal(settings: Settings, login: str) -> list[dict[str, Any]]:
    return [h for h in Journal(settings.journal_file).history(login) if h["kind"] == "action"]


# --- never the wrong customer --------------------------------------------------------------


def test_actions_for_a_login_other_than_the_one_on_screen_are_refused(
    w: World, client: TestClient, ana: dict[str, str], settings: Settings
) -> None:
    login, dev = w.add("mercusys-ac12g", dns_drift=True, ssid_drift=False)
    other, _ = w.add("mercusys-ac12g", dns_drift=True, ssid_drift=False)
    orders_before = len(w.ixc.rows("su_oss_chamado"))
    calls = [
        ("tarefas", {"acao": "corrigir_dns", "login_tela": other}),
        ("mostrar", {"campo": "pppoe", "login_tela": other}),
        (
            "os",
            {
                "tipo": "n3",
                "motivo": "tecnico",
                "login_tela": other,
                "telefone": "(12) 99999-0000",
                "confirmou_contato": True,
            },
        ),
    ]
    for path, body in calls:
        resp = client.post(f"/api/agente/clientes/{login}/{path}", json=body, headers=ana)
        assert resp.status_code == 409, (path, resp.text)
        erro = resp.json()["erro"]
        assert erro["tipo"] == "login_divergente"
        assert other in erro["mensagem"] and login in erro["mensagem"]
        assert "Nada foi feito" in erro["mensagem"]
    assert dev.dns == ["8.8.8.8", "8.8.4.4"]
    assert len(w.ixc.rows("su_oss_chamado")) == orders_before
    assert _journal(settings, login) == []


# --- strict booleans, dry run ----------------------------------------------------------------


def test_string_booleans_are_422_and_write_nothing(
    w: World, client: TestClient, ana: dict[str, str], store: UserStore, settings: Settings
) -> None:
    login, dev = w.add("mercusys-ac12g", dns_drift=True, ssid_drift=True)
    for body in ({"dns": "false"}, {"dns": True, "pppoe": "false"}, {"dns": 1}, {"dsn": True}):
        resp = client.post(f"/api/customers/{login}/reconfigure", json=body, headers=ana)
        assert resp.status_code == 422, (body, resp.text)
        assert resp.json()["erro"]["tipo"] == "bad_input"
    job = client.post(
        f"/api/agente/clientes/{login}/tarefas",
        json={"acao": "corrigir_dns", "login_tela": login, "simulacao": "true"},
        headers=ana,
    )
    assert job.status_code == 422
    adm = bearer(store, "adm")
    patched = client.patch("/api/users/tec", json={"disabled": "true"}, headers=adm)
    assert patched.status_code == 422
    assert client.get("/api/me", headers=bearer(store, "tec")).status_code == 200
    assert dev.dns == ["8.8.8.8", "8.8.4.4"] and dev.wifi[Band.GHZ_2_4].ssid == "Antiga"
    assert _journal(settings, login) == []


def test_a_dry_run_is_reported_as_a_dry_run(
    w: World, client: TestClient, ana: dict[str, str], settings: Settings
) -> None:
    login, dev = w.add("mercusys-ac12g", dns_drift=True, ssid_drift=False)
    resp = client.post(
        f"/api/customers/{login}/reconfigure", json={"dns": True, "dry_run": True}, headers=ana
    )
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert data["ok"] is True and data["simulacao"] is True
    assert data["alteraria"] == ["dns"]
    assert data["texto"].startswith("Simulação: nada foi alterado")
    assert "Feito" not in data["texto"]
    job = _run(client, ana, login, acao="corrigir_dns", simulacao=True)
    assert job["fim"]["resultado"]["simulacao"] is True
    assert dev.dns == ["8.8.8.8", "8.8.4.4"]
    assert [h["outcome"] for h in _journal(settings, login)] == ["dry_run", "dry_run"]


# --- the Wi-Fi change holds the device ----------------------------------------------------------


def test_wifi_change_holds_the_device_across_ixc_and_device_writes(
    w: World, client: TestClient, ana: dict[str, str], store: UserStore, settings: Settings
) -> None:
    login, dev = w.add("mercusys-ac12g", dns_drift=False, ssid_drift=False)
    backend = client.app.state.backend  # type: ignore[attr-defined]
    inside, release = threading.Event(), threading.Event()

    def hold_at_the_device_read(stage: Stage | str) -> None:
        if stage == Stage.READING:  # IXC is written; the device is not yet
            inside.set()
            assert release.wait(30)

    outcome: dict[str, Any] = {}

    def agent_a() -> None:
        outcome["a"] = backend.change_wifi(
            "ana",
            login,
            [{"band": "2.4GHz", "ssid": "Rede da Ana", "senha": "senha-da-ana-1"}],
            progress=hold_at_the_device_read,
        )

    a = threading.Thread(target=agent_a)
    a.start()
    try:
        assert inside.wait(30)
        assert _row(w, "radusuarios", login)["ssid_router_wifi"] == "Rede da Ana"
        # Agent B, at the same moment, for a different SSID: refused before IXC.
        b = client.post(
            f"/api/customers/{login}/wifi",
            json={"networks": [{"band": "2.4GHz", "ssid": "Rede do Beto"}]},
            headers=bearer(store, "tec"),
        )
        assert b.status_code == 409
        assert "Outro atendimento" in b.json()["erro"]["mensagem"]
        assert _row(w, "radusuarios", login)["ssid_router_wifi"] == "Rede da Ana"
        # Nor can a fix run on that device meanwhile.
        fix = _run(client, ana, login, acao="aplicar_wifi_ixc")
        assert fix["fim"]["resultado"]["erro"]["tipo"] == "busy"
    finally:
        release.set()
        a.join(30)
    assert outcome["a"]["ok"] is True and "Feito e conferido" in outcome["a"]["texto"]
    assert dev.wifi[Band.GHZ_2_4].ssid == "Rede da Ana"
    saved = [h for h in _journal(settings, login) if h["action"] == "alterar_wifi_ixc"]
    assert len(saved) == 1 and "Rede da Ana" in saved[0]["message"]


def test_ixc_written_but_device_failed_says_they_differ_and_retry_fixes_it(
    w: World, client: TestClient, ana: dict[str, str]
) -> None:
    login, dev = w.add("mercusys-ac12g", dns_drift=False, ssid_drift=False)
    dev.knobs.web_down = True  # the customer's router stops answering its web UI
    job = _run(
        client,
        ana,
        login,
        acao="alterar_wifi",
        redes=[{"band": "2.4GHz", "ssid": "Casa Nova", "passphrase": "nova-senha-99"}],
    )
    r = job["fim"]["resultado"]
    assert job["fim"]["estado"] == "falhou"
    assert r["ok"] is False and r["ixc_e_equipamento_diferentes"] is True
    assert "o IXC e o equipamento estão diferentes" in r["texto"]
    assert r["tentar_de_novo"] == "aplicar_wifi_ixc"
    assert "nova-senha-99" not in json.dumps(job)
    assert _row(w, "radusuarios", login)["ssid_router_wifi"] == "Casa Nova"
    view = _view(client, ana, login)
    assert view["acoes"] == []  # the device does not answer: nothing to apply now
    dev.knobs.web_down = False
    assert next(a["id"] for a in _view(client, ana, login)["acoes"]) == "aplicar_wifi_ixc"
    retry = _run(client, ana, login, acao="aplicar_wifi_ixc")
    assert retry["fim"]["resultado"]["ok"] is True
    assert dev.wifi[Band.GHZ_2_4].ssid == "Casa Nova"


def test_a_fix_waits_for_a_read_in_progress_instead_of_failing_busy(
    w: World, client: TestClient, ana: dict[str, str], settings: Settings
) -> None:
    from cpe import actions
    from cpe.context import Context

    login, dev = w.add("mercusys-ac12g", dns_drift=True, ssid_drift=False)
    dev.knobs.latency_ms = 150  # every answer of the device takes 0.15 s: a slow read
    logins = dev.counters.logins
    reading = threading.Thread(
        target=actions.status, args=(Context(settings, operator="outra-aba"), login)
    )
    reading.start()
    try:
        for _ in range(200):  # until the read has logged in (it holds the device by then)
            if dev.counters.logins > logins:
                break
            threading.Event().wait(0.02)
        job = _run(client, ana, login, acao="corrigir_dns")
    finally:
        reading.join(30)
        dev.knobs.latency_ms = 0
    assert job["fim"]["resultado"]["ok"] is True, job["fim"]["resultado"]


# --- live stages --------------------------------------------------------------------------------


def test_pppoe_fix_streams_its_stages_and_names_what_changed(
    w: World, client: TestClient, ana: dict[str, str], store: UserStore, settings: Settings
) -> None:
    login, dev = w.add("mercusys-ac12g", dns_drift=True, ssid_drift=False, pppoe_drift=True)
    view = _view(client, ana, login)
    offer = next(a for a in view["acoes"] if a["id"] == "reaplicar_pppoe")
    assert offer["derruba_conexao"] is True
    minutes = outage_minutes(settings)  # the tool's own bounds for the restart
    assert f"sem internet por até {minutes} minutos" in offer["confirmacao"]["texto"]
    assert "8.8.8.8 / 8.8.4.4 para 1.1.1.1 / 1.0.0.1" in offer["confirmacao"]["texto"]
    assert "não desligue o equipamento" in offer["confirmacao"]["dizer_ao_cliente"]
    job = _run(client, ana, login, acao="reaplicar_pppoe")
    assert job["etapas"] == [
        "reading",
        "writing_dns",
        "writing_pppoe",
        "wan_restart",
        "waiting_management",
        "verifying",
    ]
    fim = job["fim"]
    assert fim["estado"] == "concluida" and fim["resultado"]["alterado"] == ["dns", "pppoe"]
    assert fim["resultado"]["texto"] == (
        "Feito e conferido no equipamento: DNS e PPPoE alterados e conferidos na releitura."
    )
    assert [e["texto"] for e in fim["etapas"]][:3] == [
        "lendo o equipamento",
        "gravando DNS",
        "gravando PPPoE",
    ]
    assert dev.pppoe_user == login and dev.dns == ["1.1.1.1", "1.0.0.1"]
    # The job is its starter's: another agent does not see it.
    other = client.get(f"/api/agente/tarefas/{fim['id']}", headers=bearer(store, "tec"))
    assert other.status_code == 404


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


def _order(
    client: TestClient, who: dict[str, str], login: str, tipo: str, motivo: str, **kw: Any
) -> Any:
    body = {"tipo": tipo, "motivo": motivo, "login_tela": login, **kw}
    return client.post(f"/api/agente/clientes/{login}/os", json=body, headers=who)


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
