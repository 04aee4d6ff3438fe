"""The agent service's API against an IXC simulator (no device is contacted here): who may
call what (authentication, roles, disabled users, revoked tokens, hashed secrets), the
page's session (cookie flags, CSRF, logout), rate limits, admin user/token management, and
hardening (error bodies that do not echo input, security headers).

Customer actions, the device lock and N3 tickets are in test_service_customers.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cpe.service.store import UserStore
from tests.service_api_fixtures import client as client
from tests.service_api_fixtures import clock as clock
from tests.service_api_fixtures import store as store
from tests.service_api_fixtures import world as world
from tests.service_support import World, app_for, bearer, login

pytestmark = pytest.mark.timeout(60)


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


# --- hardening: error bodies, headers ---------------------------------------------------


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
