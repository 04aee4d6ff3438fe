"""The agent service's customer actions against an IXC simulator (no device is contacted
here): the device lock (a second agent gets "busy"), Wi-Fi input validation, the journaled
"mostrar", the customer view (masked secrets, blocked and reduced contracts), search, and
N3 tickets with the runbook's deadline.

Authentication, roles, CSRF, rate limits and admin are in test_service_auth.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cpe.coord import Intent, device_locks
from cpe.coord.local_locks import BUSY_WRITE_PT
from cpe.journal import Journal
from cpe.service.deadline import RUNBOOK_TEXT
from cpe.service.store import UserStore
from tests.service_api_fixtures import client as client
from tests.service_api_fixtures import clock as clock
from tests.service_api_fixtures import store as store
from tests.service_api_fixtures import world as world
from tests.service_support import SATURDAY, WEDNESDAY, Clock, World, bearer

pytestmark = pytest.mark.timeout(60)


# --- device lock ---------------------------------------------------------------------------


def _device(world: World, login: str) -> str:
    row = world.ixc.row("radusuarios", world.ids[login]["radusuarios"])
    assert row is not None
    return f"{row['ip']}:2389"


def _writing(world: World, login: str) -> Any:
    """Another agent's fix holding the device right now."""
    return device_locks(world.settings).hold(_device(world, login), Intent.WRITE, wait_s=1)


def test_second_agent_gets_device_busy(client: TestClient, world: World, store: UserStore) -> None:
    with _writing(world, "ana.ok"):
        resp = client.post(
            "/api/customers/ana.ok/reconfigure",
            json={"pppoe": True, "dns": True},
            headers=bearer(store, "tec"),
        )
    assert resp.status_code == 409
    data = resp.json()
    assert data["ok"] is False
    # Refused at once (a second write), saying how long the first has been running.
    assert data["texto"].startswith(BUSY_WRITE_PT + " (começou há ")
    assert "outro atendimento está alterando este equipamento agora" in data["texto"].lower()


def test_wifi_change_refused_while_device_busy_leaves_ixc_alone(
    client: TestClient, world: World, store: UserStore
) -> None:
    before = world.ixc.row("radusuarios", world.ids["ana.ok"]["radusuarios"])
    with _writing(world, "ana.ok"):
        resp = client.post(
            "/api/customers/ana.ok/wifi",
            json={
                "networks": [{"band": "2.4GHz", "ssid": "NovaRede", "passphrase": "nova-senha-1"}]
            },
            headers=bearer(store, "ana"),
        )
    assert resp.status_code == 409
    assert resp.json()["erro"]["mensagem"].startswith(BUSY_WRITE_PT + " (começou há ")
    assert world.ixc.row("radusuarios", world.ids["ana.ok"]["radusuarios"]) == before


# --- Wi-Fi validation, reveal, policy ------------------------------------------------------


@pytest.mark.parametrize(
    ("network", "words"),
    [
        ({"band": "2.4GHz", "ssid": "", "passphrase": None}, "SSID"),
        ({"band": "2.4GHz", "ssid": "A" * 33, "passphrase": None}, "SSID"),
        ({"band": "2.4GHz", "ssid": "Casa", "passphrase": "curta"}, "8 a 63"),
        ({"band": "9GHz", "ssid": "Casa", "passphrase": None}, "banda"),
    ],
)
def test_wifi_input_is_validated_before_ixc(
    client: TestClient, world: World, store: UserStore, network: dict[str, Any], words: str
) -> None:
    before = world.ixc.row("radusuarios", world.ids["ana.ok"]["radusuarios"])
    resp = client.post(
        "/api/customers/ana.ok/wifi", json={"networks": [network]}, headers=bearer(store, "ana")
    )
    assert resp.status_code == 400
    assert words in resp.json()["erro"]["mensagem"]
    if network.get("passphrase"):
        assert network["passphrase"] not in resp.text
    assert world.ixc.row("radusuarios", world.ids["ana.ok"]["radusuarios"]) == before


def test_reveal_is_journaled(client: TestClient, world: World, store: UserStore) -> None:
    resp = client.post(
        "/api/customers/ana.ok/reveal",
        json={"field": "wifi", "band": "5GHz"},
        headers=bearer(store, "ana"),
    )
    assert resp.status_code == 200
    assert resp.json()["valor"] == "wifi5-secret-0001"
    history = Journal(world.settings.journal_file).history("ana.ok")
    assert history[0]["action"] == "mostrar_senha"
    assert history[0]["operator"] == "ana"
    assert "5GHz" in history[0]["message"]
    assert "wifi5-secret-0001" not in str(history)


def test_customer_view_masks_customer_secrets(client: TestClient, store: UserStore) -> None:
    resp = client.get("/api/customers/ana.ok", headers=bearer(store, "ana"))
    assert resp.status_code == 200
    data = resp.json()
    assert data["ixc"]["senha_pppoe"] == "••••••••"
    assert {w["band"]: w["ssid"] for w in data["ixc"]["wifi"]} == {
        "2.4GHz": "Casa1_2G",
        "5GHz": "Casa1_5G",
    }
    for secret in ("ppp-secret-0001", "wifi24-secret-0001", "wifi5-secret-0001"):
        assert secret not in resp.text
    assert data["pode_abrir_os"] is True
    # The unknown model stops the action before the network, with a reason.
    assert data["estado"][0]["nivel"] == "erro"


def test_blocked_contract_gets_banner_data_no_actions(client: TestClient, store: UserStore) -> None:
    ana = bearer(store, "ana")
    data = client.get("/api/customers/bia.bloq", headers=ana).json()
    assert data["contrato"]["bloqueado"] is True
    assert data["pode_abrir_os"] is False
    assert "pagar" in data["motivo_sem_os"]
    refused = client.post("/api/customers/bia.bloq/reconfigure", json={}, headers=ana)
    assert refused.status_code == 409
    assert refused.json()["erro"]["tipo"] == "refused"
    assert (
        client.post(
            "/api/customers/bia.bloq/reveal", json={"field": "pppoe"}, headers=ana
        ).status_code
        == 409
    )


def test_reduced_speed_contract_is_flagged(client: TestClient, store: UserStore) -> None:
    data = client.get("/api/customers/caio.red", headers=bearer(store, "ana")).json()
    assert data["contrato"]["reduzido"] is True
    assert data["contrato"]["permitido"] is True
    assert any("100 Mbps" in a for a in data["contrato"]["avisos"])


def test_search_by_login_name_and_cpf(client: TestClient, store: UserStore) -> None:
    ana = bearer(store, "ana")
    by_login = client.get("/api/search?q=ana.ok", headers=ana).json()["resultados"]
    assert by_login[0]["login"] == "ana.ok"
    by_name = client.get("/api/search?q=Número 2", headers=ana).json()["resultados"]
    assert [r["login"] for r in by_name] == ["bia.bloq"]
    assert by_name[0]["bloqueado"] is True
    by_cpf = client.get("/api/search?q=000.000.000-03", headers=ana).json()["resultados"]
    assert [r["login"] for r in by_cpf] == ["caio.red"]
    short = client.get("/api/search?q=an", headers=ana)
    assert short.status_code == 400


def test_unknown_login_is_404_in_portuguese(client: TestClient, store: UserStore) -> None:
    resp = client.get("/api/customers/ninguem.aqui", headers=bearer(store, "ana"))
    assert resp.status_code == 404
    assert "não encontrado" in resp.json()["erro"]["mensagem"]


# --- N3 tickets ------------------------------------------------------------------------------


def test_ticket_on_a_weekday_gets_24h(client: TestClient, world: World, store: UserStore) -> None:
    resp = client.post(
        "/api/customers/ana.ok/ticket",
        json={
            "findings": ["PPPoE NÃO conectado: erro de autenticação"],
            "note": "(12) 99999-0001, tarde",
        },
        headers=bearer(store, "ana"),
    )
    assert resp.status_code == 201, resp.text
    data = resp.json()
    assert data["horas"] == 24
    assert data["prazo"] == "2025-06-12T10:00-03:00"
    assert "24 horas corridas" in data["texto_sugerido"]
    assert "quinta-feira, 12/06 às 10:00" in data["texto_sugerido"]
    assert data["texto_roteiro"] == RUNBOOK_TEXT
    rows = [r for r in world.ixc.rows("su_oss_chamado") if r["id"] == data["os_id"]]
    assert len(rows) == 1
    row = rows[0]
    assert row["id_cliente"] == world.ids["ana.ok"]["cliente"]
    assert row["id_login"] == world.ids["ana.ok"]["radusuarios"]
    assert row["id_assunto"] == "7" and row["setor"] == "3" and row["status"] == "A"
    assert row["data_abertura"] == "2025-06-11 10:00:00"
    assert "erro de autenticação" in row["mensagem"]
    assert "(12) 99999-0001, tarde" in row["mensagem"]
    assert "Atendente: ana" in row["mensagem"]
    history = Journal(world.settings.journal_file).history("ana.ok")
    assert history[0]["action"] == "abrir_os_n3"
    assert data["os_id"] in history[0]["message"]


def test_ticket_on_a_weekend_gets_48h(
    client: TestClient, world: World, store: UserStore, clock: Clock
) -> None:
    clock.now = SATURDAY
    deadline = client.get("/api/n3-deadline", headers=bearer(store, "ana")).json()
    assert deadline["horas"] == 48 and deadline["fim_de_semana"] is True
    resp = client.post(
        "/api/customers/caio.red/ticket",
        json={"findings": ["sem sinal"]},
        headers=bearer(store, "ana"),
    )
    assert resp.status_code == 201
    data = resp.json()
    assert data["horas"] == 48
    assert data["prazo"] == "2025-06-16T15:30-03:00"
    assert "48 horas corridas" in data["texto_sugerido"]
    assert "segunda-feira, 16/06 às 15:30" in data["texto_sugerido"]
    clock.now = WEDNESDAY


def test_blocked_contract_cannot_get_a_ticket(
    client: TestClient, world: World, store: UserStore
) -> None:
    before = len(world.ixc.rows("su_oss_chamado"))
    resp = client.post(
        "/api/customers/bia.bloq/ticket", json={"findings": ["x"]}, headers=bearer(store, "ana")
    )
    assert resp.status_code == 409
    assert "Não abrimos O.S. para clientes bloqueados" in resp.json()["erro"]["mensagem"]
    assert len(world.ixc.rows("su_oss_chamado")) == before


def test_ticket_needs_a_configured_route(world: World, store: UserStore) -> None:
    from cpe.service.app import create_app
    from cpe.service.config import ServiceConfig

    app = create_app(world.settings, ServiceConfig(n3_assunto_id=None, n3_setor=None))
    with TestClient(app) as c:
        resp = c.post(
            "/api/customers/ana.ok/ticket", json={"findings": ["x"]}, headers=bearer(store, "ana")
        )
    assert resp.status_code == 501
    assert "CPE_N3_ASSUNTO_ID" in resp.json()["erro"]["mensagem"]
