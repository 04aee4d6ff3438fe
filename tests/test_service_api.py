"""The agent service's API against an IXC simulator (no device is contacted here):
authentication, roles, CSRF, rate limit, device lock, Wi-Fi validation, the journaled
"mostrar", and N3 tickets with the runbook's deadline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cpe.coord import Intent, device_locks
from cpe.coord.local_locks import BUSY_WRITE_PT
from cpe.journal import Journal
from cpe.service.deadline import RUNBOOK_TEXT
from cpe.service.store import UserStore
from tests.service_support import (
    SATURDAY,
    WEDNESDAY,
    Clock,
    World,
    add_users,
    app_for,
    bearer,
    ixc_world,
    login,
)

pytestmark = pytest.mark.timeout(60)


# One IXC simulator and one user database per module (scrypt makes users slow to create);
# tests that disable or limit someone use users or apps of their own.
@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with ixc_world(tmp_path_factory.mktemp("svc") / "home") as w:
        yield w


@pytest.fixture(scope="module")
def store(world: World) -> UserStore:
    return add_users(world.settings)


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def client(world: World, store: UserStore, clock: Clock) -> Iterator[TestClient]:
    with TestClient(app_for(world.settings, clock)) as c:
        yield c


# --- who may call what --------------------------------------------------------------------

Call = tuple[str, str, Any]
AGENTE_CALLS: list[Call] = [
    ("GET", "/api/me", None),
    ("GET", "/api/search?q=ana.ok", None),
    ("GET", "/api/customers/ana.ok", None),
    ("GET", "/api/customers/ana.ok/history", None),
    ("POST", "/api/customers/ana.ok/reconfigure", {"dns": True}),
    ("POST", "/api/customers/ana.ok/wifi", {"networks": [{"band": "2.4GHz", "ssid": "X"}]}),
    ("POST", "/api/customers/ana.ok/reveal", {"field": "pppoe"}),
    ("POST", "/api/customers/ana.ok/ticket", {"findings": ["x"]}),
    ("GET", "/api/n3-deadline", None),
]
TECNICO_CALLS: list[Call] = [
    ("GET", "/api/history", None),
    ("GET", "/api/audits", None),
    ("POST", "/api/audits", {}),
    ("GET", "/api/audits/nada", None),
    ("GET", "/api/audits/nada/report?format=csv", None),
]
ADMIN_CALLS: list[Call] = [
    ("GET", "/api/users", None),
    ("POST", "/api/users", {"name": "novo", "role": "agente", "password": "x" * 12}),
    ("PATCH", "/api/users/ana", {"disabled": True}),
    ("GET", "/api/users/ana/tokens", None),
    ("POST", "/api/users/ana/tokens", {}),
    ("DELETE", "/api/users/ana/tokens/1", None),
    ("GET", "/api/vault", None),
    ("GET", "/api/events", None),
]
ALL_CALLS = AGENTE_CALLS + TECNICO_CALLS + ADMIN_CALLS


def call(client: TestClient, method: str, path: str, body: Any, **kw: Any) -> Any:
    return client.request(method, path, json=body, **kw)


@pytest.mark.parametrize(("method", "path", "body"), ALL_CALLS)
def test_unauthenticated_calls_are_refused(
    client: TestClient, method: str, path: str, body: Any
) -> None:
    resp = call(client, method, path, body)
    assert resp.status_code == 401
    assert "autenticad" in resp.json()["erro"]["mensagem"]
    bad = call(client, method, path, body, headers={"Authorization": "Bearer cpe_inventado"})
    assert bad.status_code == 401
    basic = call(client, method, path, body, headers={"Authorization": "Basic YTpi"})
    assert basic.status_code == 401


@pytest.mark.parametrize(("method", "path", "body"), TECNICO_CALLS + ADMIN_CALLS)
def test_agente_cannot_call_tecnico_or_admin_endpoints(
    client: TestClient, store: UserStore, method: str, path: str, body: Any
) -> None:
    resp = call(client, method, path, body, headers=bearer(store, "ana"))
    assert resp.status_code == 403
    assert "não permite" in resp.json()["erro"]["mensagem"]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
def test_tecnico_cannot_call_admin_endpoints(
    client: TestClient, store: UserStore, method: str, path: str, body: Any
) -> None:
    resp = call(client, method, path, body, headers=bearer(store, "tec"))
    assert resp.status_code == 403


def test_roles_reach_their_endpoints(client: TestClient, store: UserStore) -> None:
    tec = bearer(store, "tec")
    assert client.get("/api/history", headers=tec).status_code == 200
    assert client.get("/api/audits", headers=tec).status_code == 200
    adm = bearer(store, "adm")
    users = client.get("/api/users", headers=adm).json()["usuarios"]
    roles = {u["name"]: u["role"] for u in users}
    assert roles | {"adm": "admin", "ana": "agente", "tec": "tecnico"} == roles
    assert not any("hash" in k or "senha" in k for u in users for k in u)
    assert client.get("/api/search?q=ana.ok", headers=adm).status_code == 200


def test_disabled_user_and_revoked_token_lose_access(client: TestClient, store: UserStore) -> None:
    adm = bearer(store, "adm")
    created = client.post(
        "/api/users",
        json={"name": "dani", "role": "agente", "password": "senha-da-dani-1"},
        headers=adm,
    )
    assert created.status_code == 201
    made = client.post("/api/users/dani/tokens", json={"label": "script"}, headers=adm).json()
    dani = {"Authorization": f"Bearer {made['token']}"}
    assert client.get("/api/me", headers=dani).json()["usuario"] == "dani"
    assert client.delete(f"/api/users/dani/tokens/{made['id']}", headers=adm).status_code == 200
    assert client.get("/api/me", headers=dani).status_code == 401
    dani2 = bearer(store, "dani")
    assert client.patch("/api/users/dani", json={"disabled": True}, headers=adm).status_code == 200
    assert client.get("/api/me", headers=dani2).status_code == 401


def test_tokens_and_passwords_are_stored_hashed(world: World, store: UserStore) -> None:
    _, token = store.new_token("ana")
    raw = world.settings.journal_file.read_bytes()
    wal = world.settings.journal_file.with_name(world.settings.journal_file.name + "-wal")
    if wal.exists():
        raw += wal.read_bytes()
    assert token.encode() not in raw
    assert b"senha-da-ana-123" not in raw


# --- the page's session: cookie flags, CSRF ----------------------------------------------


def test_login_sets_a_strict_httponly_session_cookie(client: TestClient) -> None:
    form = client.get("/login")
    import re

    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf
    resp = client.post(
        "/login",
        data={"usuario": "ana", "senha": "senha-da-ana-123", "csrf": csrf.group(1)},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    cookie = next(h for h in resp.headers.get_list("set-cookie") if h.startswith("cpe_sessao="))
    low = cookie.lower()
    assert "httponly" in low and "samesite=strict" in low and "path=/" in low


def test_login_form_needs_its_csrf_token(client: TestClient) -> None:
    client.get("/login")
    resp = client.post(
        "/login", data={"usuario": "ana", "senha": "senha-da-ana-123", "csrf": "forjado"}
    )
    assert resp.status_code == 403
    assert "cpe_sessao" not in resp.cookies
    assert client.get("/api/me").status_code == 401


def test_login_from_another_site_is_refused(client: TestClient) -> None:
    import re

    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf
    data = {"usuario": "ana", "senha": "senha-da-ana-123", "csrf": csrf.group(1)}
    cross = client.post("/login", data=data, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    evil = client.post("/login", data=data, headers={"Origin": "http://evil.example"})
    assert evil.status_code == 403
    assert client.get("/api/me").status_code == 401


def test_wrong_password_is_refused(client: TestClient) -> None:
    form = client.get("/login")
    import re

    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf
    resp = client.post(
        "/login", data={"usuario": "ana", "senha": "errada-errada", "csrf": csrf.group(1)}
    )
    assert resp.status_code == 401
    assert "incorretos" in resp.text


def test_session_posts_need_the_csrf_header(client: TestClient, world: World) -> None:
    csrf = login(client, "ana")
    path = "/api/customers/ana.ok/reveal"
    body = {"field": "pppoe"}
    missing = client.post(path, json=body)
    assert missing.status_code == 403
    assert missing.json()["erro"]["tipo"] == "csrf"
    wrong = client.post(path, json=body, headers={"X-CSRF-Token": "x" + csrf})
    assert wrong.status_code == 403
    foreign = client.post(
        path, json=body, headers={"X-CSRF-Token": csrf, "Origin": "http://evil.example"}
    )
    assert foreign.status_code == 403
    ok = client.post(path, json=body, headers={"X-CSRF-Token": csrf, "Origin": "http://testserver"})
    assert ok.status_code == 200
    assert ok.json()["valor"] == "ppp-secret-0001"
    # Reads need no token; a session GET works.
    assert client.get("/api/me").json()["via"] == "session"


def test_logout_needs_csrf_and_ends_the_session(client: TestClient) -> None:
    csrf = login(client, "ana")
    client.post("/logout", data={"csrf": "forjado"})
    assert client.get("/api/me").status_code == 200
    client.post("/logout", data={"csrf": csrf})
    assert client.get("/api/me").status_code == 401
    assert client.get("/", follow_redirects=False).status_code == 303


def test_bearer_writes_need_no_csrf(client: TestClient, store: UserStore) -> None:
    resp = client.post(
        "/api/customers/ana.ok/reveal", json={"field": "pppoe"}, headers=bearer(store, "ana")
    )
    assert resp.status_code == 200


# --- rate limit ----------------------------------------------------------------------------


def test_rate_limit_per_user(world: World, store: UserStore) -> None:
    app = app_for(world.settings, rate_burst=3, rate_per_s=0.0)
    with TestClient(app) as c:
        ana, tec = bearer(store, "ana"), bearer(store, "tec")
        codes = [c.get("/api/me", headers=ana).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = c.get("/api/me", headers=ana)
        assert limited.status_code == 429
        assert "Aguarde" in limited.json()["erro"]["mensagem"]
        assert int(limited.headers["Retry-After"]) >= 1
        # Another user has a bucket of their own.
        assert c.get("/api/me", headers=tec).status_code == 200


def test_login_attempts_are_rate_limited(world: World, store: UserStore) -> None:
    import re

    with TestClient(app_for(world.settings, login_burst=2, login_per_s=0.0)) as c:
        statuses = []
        for _ in range(3):
            token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
            assert token
            statuses.append(
                c.post(
                    "/login", data={"usuario": "ana", "senha": "errada!!", "csrf": token.group(1)}
                ).status_code
            )
        assert statuses == [401, 401, 429]


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


# --- admin ---------------------------------------------------------------------------------


def test_admin_manages_users_and_tokens(client: TestClient, store: UserStore) -> None:
    adm = bearer(store, "adm")
    made = client.post(
        "/api/users",
        json={"name": "Joana", "role": "tecnico", "password": "uma-senha-longa"},
        headers=adm,
    )
    assert made.status_code == 201 and made.json() == {"usuario": "joana", "perfil": "tecnico"}
    weak = client.post(
        "/api/users", json={"name": "zé", "role": "agente", "password": "curta"}, headers=adm
    )
    assert weak.status_code == 400
    token = client.post("/api/users/joana/tokens", json={}, headers=adm).json()["token"]
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["perfil"] == "tecnico"
    listed = client.get("/api/users/joana/tokens", headers=adm).json()["tokens"]
    assert token not in str(listed)


def test_audit_endpoints_for_tecnico(client: TestClient, store: UserStore) -> None:
    tec = bearer(store, "tec")
    assert client.get("/api/audits/nao-existe", headers=tec).status_code == 400
    runs = client.get("/api/audits", headers=tec)
    assert runs.status_code == 200 and runs.json()["execucoes"] == []


def test_validation_errors_do_not_echo_input(client: TestClient, store: UserStore) -> None:
    resp = client.post(
        "/api/customers/ana.ok/wifi",
        json={"networks": [{"band": "2.4GHz", "ssid": "x", "passphrase": "S" * 80}]},
        headers=bearer(store, "ana"),
    )
    assert resp.status_code == 422
    assert "S" * 80 not in resp.text


def test_security_headers(client: TestClient) -> None:
    resp = client.get("/login")
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["cache-control"] == "no-store"
