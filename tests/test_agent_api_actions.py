"""The agent page's API (/api/agente) running actions, against in-process simulators and
the IXC simulator: the screen-login check, strict booleans, the dry run, the Wi-Fi change
holding the device across IXC and the device, and jobs with live stages.

Reading a customer (offers, runbook, O.S., history): test_agent_api_customer.py."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cpe.models import Band
from cpe.progress import Stage
from cpe.service.offers import outage_minutes
from cpe.service.store import UserStore
from cpe.settings import Settings
from tests import agent_api_helpers as h
from tests.agent_api_helpers import _journal, _row, _run, _view
from tests.inproc import World
from tests.service_support import bearer

pytestmark = pytest.mark.timeout(90)

# The shared module-scoped fixtures, bound here so that pytest finds them in this module.
w, settings, store, clock, client, ana = h.w, h.settings, h.store, h.clock, h.client, h.ana


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
