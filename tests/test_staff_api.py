"""The technicians' and admins' API and pages without a lab (an IXC simulator only): the
role boundary for every route and screen, the bulk fix's guards (unknown or unfinished
run, strict booleans, the confirmation count), the journal's health, and the service
hardening of issue 13: a 1 MiB body limit before reading and before authentication,
login limits per name and per address, PATCH of an unknown user."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cpe.journal import Journal
from cpe.service.server import ServerThread
from cpe.service.store import Role, UserStore
from tests.service_support import World, add_users, app_for, bearer, ixc_world, login

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with ixc_world(tmp_path_factory.mktemp("staff") / "home") as w:
        yield w


@pytest.fixture(scope="module")
def store(world: World) -> UserStore:
    return add_users(world.settings)


@pytest.fixture(scope="module")
def client(world: World, store: UserStore) -> Iterator[TestClient]:
    with TestClient(app_for(world.settings)) as c:
        yield c


@pytest.fixture(scope="module")
def runs(world: World) -> dict[str, str]:
    """A finished run with one PPPoE drift (its fix would drop one connection), one DNS
    drift and a blocked contract; and a run still going."""
    j = Journal(world.settings.journal_file)
    finished = j.start_run("tec", {"selection": {}})
    contract = {"state": "ok", "allowed": True}
    j.add_result(finished, "a.pppoe", "zte-onu", "drift", ["pppoe"], {"contract": contract})
    j.add_result(finished, "b.dns", "zte-onu", "drift", ["dns"], {"contract": contract})
    j.add_result(
        finished,
        "c.bloq",
        "zte-onu",
        "drift",
        ["dns"],
        {"contract": {"state": "blocked", "allowed": False}},
    )
    j.add_result(finished, "d.ok", "zte-onu", "ok", [], {"contract": contract})
    j.run_event(finished, "finished", "tec", {"devices": 4})
    running = j.start_run("tec", {"selection": {"model": "zte-onu"}})
    j.add_result(running, "a.pppoe", "zte-onu", "drift", ["pppoe"], {})
    return {"finished": finished, "running": running}


# --- who may see and call what -------------------------------------------------------------

TEC_ROUTES = [
    ("GET", "/api/tec/capacidades", None),
    ("GET", "/api/tec/execucoes", None),
    ("GET", "/api/tec/execucoes/nada", None),
    ("GET", "/api/tec/execucoes/nada/relatorio.html", None),
    ("GET", "/api/tec/comparar?a=x&b=y", None),
    ("GET", "/api/tec/equipamentos/ana.ok", None),
    ("GET", "/api/tec/execucoes/nada/correcao", None),
    ("POST", "/api/tec/execucoes/nada/correcao", {"simulacao": True}),
    ("GET", "/api/schedules", None),
    ("POST", "/api/schedules", {"cron": "0 2 * * *"}),
    ("DELETE", "/api/schedules/s-000000", None),
]
ADM_ROUTES = [("GET", "/api/adm/diario", None)]


@pytest.mark.parametrize(("method", "path", "body"), TEC_ROUTES + ADM_ROUTES)
def test_agent_gets_none_of_the_staff_api(
    client: TestClient, store: UserStore, method: str, path: str, body: Any
) -> None:
    assert client.request(method, path, json=body).status_code == 401
    resp = client.request(method, path, json=body, headers=bearer(store, "ana"))
    assert resp.status_code == 403


@pytest.mark.parametrize(("method", "path", "body"), ADM_ROUTES)
def test_technician_gets_none_of_the_admin_api(
    client: TestClient, store: UserStore, method: str, path: str, body: Any
) -> None:
    resp = client.request(method, path, json=body, headers=bearer(store, "tec"))
    assert resp.status_code == 403


SCREENS = [
    "/tecnico",
    "/admin",
    "/equipe/equipe.js",
    "/equipe/tech.js",
    "/equipe/agenda.js",
    "/equipe/admin.js",
]
#: What each role may open among SCREENS.
ALLOWED = {
    "ana": set(),
    "tec": {"/tecnico", "/equipe/equipe.js", "/equipe/tech.js", "/equipe/agenda.js"},
    "adm": set(SCREENS),
}


@pytest.mark.parametrize("who", ["ana", "tec", "adm"])
def test_screens_by_role(world: World, store: UserStore, who: str) -> None:
    with TestClient(app_for(world.settings)) as c:
        anonymous = c.get("/tecnico", follow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"
        assert c.get("/equipe/tech.js").status_code == 401
        login(c, who)
        for path in SCREENS:
            resp = c.get(path, follow_redirects=False)
            if path in ALLOWED[who]:
                assert resp.status_code == 200, path
            else:
                assert resp.status_code == 403, path
                assert "function" not in resp.text and "<table" not in resp.text
        page = c.get("/").text
        assert ("/tecnico" in page) == (who != "ana")
        assert ("/admin" in page) == (who == "adm")
    assert c.get("/equipe/nada.js").status_code == 404


def test_screen_pages_carry_the_session_csrf_and_no_inline_script(
    client: TestClient,
) -> None:
    csrf = login(client, "adm")
    for path in ("/tecnico", "/admin"):
        page = client.get(path)
        assert f'name="csrf-token" content="{csrf}"' in page.text
        assert "<script>" not in page.text and "style=" not in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]


# --- runs, fix guards ------------------------------------------------------------------------


def test_runs_progress_and_plan(
    client: TestClient, store: UserStore, runs: dict[str, str]
) -> None:
    tec = bearer(store, "tec")
    got = client.get("/api/tec/execucoes", headers=tec).json()["execucoes"]
    listed = {r["run_id"]: r for r in got}
    assert listed[runs["finished"]]["estado"] == "finished"
    assert listed[runs["finished"]]["contagens"]["drift"] == 3
    assert listed[runs["running"]]["estado"] == "running"
    assert listed[runs["running"]]["escopo_pt"] == "modelo zte-onu"
    going = client.get(f"/api/tec/execucoes/{runs['running']}", headers=tec).json()
    assert going["andamento"]["feitos"] == 1 and going["desde_anterior"] is None
    plan = client.get(f"/api/tec/execucoes/{runs['finished']}/correcao", headers=tec).json()
    assert [c["login"] for c in plan["corrigir"]] == ["a.pppoe", "b.dns"]
    assert plan["perdem_conexao"] == ["a.pppoe"] and plan["total_perdem_conexao"] == 1
    assert [p["login"] for p in plan["pulados"]] == ["c.bloq"]
    assert "bloqueado" in plan["pulados"][0]["motivo"]
    assert client.get("/api/tec/execucoes/nada/relatorio.html", headers=tec).status_code == 404
    report = client.get(f"/api/tec/execucoes/{runs['finished']}/relatorio.html", headers=tec)
    assert report.status_code == 200
    assert "frame-ancestors 'self'" in report.headers["content-security-policy"]
    assert report.headers["x-frame-options"] == "SAMEORIGIN"


def test_fix_guards(
    client: TestClient, store: UserStore, world: World, runs: dict[str, str]
) -> None:
    tec = bearer(store, "tec")
    path = "/api/tec/execucoes/{}/correcao"
    unknown = client.post(path.format("nada"), json={"simulacao": True}, headers=tec)
    assert unknown.status_code == 404
    unfinished = client.post(path.format(runs["running"]), json={"simulacao": True}, headers=tec)
    assert unfinished.status_code == 409 and "não terminou" in unfinished.json()["erro"]["mensagem"]
    # A string is not a boolean: "false" never starts a real fix.
    lax = client.post(path.format(runs["finished"]), json={"simulacao": "false"}, headers=tec)
    assert lax.status_code == 422  # a validation error (issue 13: strict booleans)
    # The confirmation must count the customers who lose their connection (1 here).
    for wrong in (None, 0, 2):
        resp = client.post(
            path.format(runs["finished"]),
            json={"simulacao": False, "perdem_conexao": wrong},
            headers=tec,
        )
        assert resp.status_code == 409, wrong
        assert "1 cliente(s) perdem a conexão" in resp.json()["erro"]["mensagem"]
    journal = Journal(world.settings.journal_file)
    assert not list(journal.fix_results(runs["finished"], dry_run=False))
    assert not any(e["event"].startswith("fix_") for e in journal.run_events_of(runs["finished"]))


def test_compare_and_device_timeline(
    client: TestClient, store: UserStore, runs: dict[str, str]
) -> None:
    tec = bearer(store, "tec")
    refused = client.get(f"/api/tec/comparar?a={runs['finished']}&b={runs['running']}", headers=tec)
    assert refused.status_code == 400 and "não terminou" in refused.json()["erro"]["mensagem"]
    device = client.get("/api/tec/equipamentos/a.pppoe", headers=tec).json()
    assert {a["run_id"] for a in device["auditorias"]} == set(runs.values())
    assert device["auditorias"][0]["veredito_pt"] == "divergente"


def test_journal_health(client: TestClient, store: UserStore, runs: dict[str, str]) -> None:
    health = client.get("/api/adm/diario", headers=bearer(store, "adm")).json()
    assert health["ok"] is True and health["verificacao"] == ["ok"]
    assert health["contagens"]["audit_results"] >= 5 and health["tamanho_bytes"] > 0
    assert health["ultima_escrita"]


def test_journal_health_of_a_damaged_file(tmp_path: Any) -> None:
    from cpe.journal_health import check_journal

    path = tmp_path / "journal.sqlite3"
    j = Journal(path)
    j.start_run("x", {})
    j.close()  # the last connection: the WAL goes into the file
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the schema page, overwritten
    path.write_bytes(bytes(data))
    health = check_journal(path)
    assert health["ok"] is False and "PROBLEMAS" in health["mensagem"]
    empty = tmp_path / "vazio.sqlite3"
    empty.touch()
    assert check_journal(empty)["ok"] is False
    assert not check_journal(tmp_path / "nao-existe.sqlite3")["existe"]
    assert not (tmp_path / "nao-existe.sqlite3").exists(), "looking never creates it"


# --- issue 13 item 5: body limit, login limits, PATCH 404 ----------------------------------


def test_body_over_1_mib_is_refused_before_authentication(client: TestClient) -> None:
    client.cookies.clear()
    big = b"{" + b" " * (1024 * 1024) + b"}"
    resp = client.post("/api/users", content=big, headers={"Content-Type": "application/json"})
    assert resp.status_code == 413  # not 401: refused before anyone is authenticated
    assert "1 MiB" in resp.json()["erro"]["mensagem"]

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 65536

    streamed = client.post("/api/users", content=chunks())
    assert streamed.status_code == 413
    assert client.post("/api/users", content=b"{}").status_code == 401  # small: goes on


def test_body_limit_answers_before_the_body_is_sent(world: World) -> None:
    """Only the headers are sent: the 413 comes back without the service waiting for
    (or reading) the declared 2 MiB."""
    with ServerThread(app_for(world.settings)) as srv, socket.create_connection(
        (srv.host, srv.port), timeout=10
    ) as sock:
        sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2097152\r\n\r\n"
        )
        started = time.monotonic()
        answer = sock.recv(4096).decode("latin-1")
        waited = time.monotonic() - started
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert waited < 9, "the answer did not wait for the body"


def _post_login(c: TestClient, name: str, password: str) -> int:
    token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
    assert token
    resp = c.post(
        "/login",
        data={"usuario": name, "senha": password, "csrf": token.group(1)},
        follow_redirects=False,
    )
    return resp.status_code


def test_a_call_centre_behind_one_address_logs_in_and_guessing_is_capped(
    world: World, store: UserStore
) -> None:
    from tests.service_support import PASSWORDS

    app = app_for(
        world.settings, login_burst=2, login_per_s=0.0, login_ip_burst=3, login_ip_per_s=0.0
    )
    with TestClient(app) as c:
        # Everyone behind the proxy logs in, many times over: successes cost the address
        # nothing, and a success resets the name's own limit.
        for _ in range(4):
            for who in ("ana", "tec", "adm"):
                assert _post_login(c, who, PASSWORDS[who]) == 303
        # Wrong passwords across many names from that address hit the ceiling...
        codes = [_post_login(c, f"chute{i}", "errada-errada") for i in range(5)]
        assert codes == [401, 401, 401, 429, 429]
        # ...and a name's own limit holds on its own.
    with TestClient(app_for(world.settings, login_burst=2, login_per_s=0.0)) as c:
        codes = [_post_login(c, "ana", "errada-errada") for _ in range(3)]
        assert codes == [401, 401, 429]


def test_patch_of_an_unknown_user_is_404_and_writes_nothing(
    client: TestClient, store: UserStore
) -> None:
    adm = bearer(store, "adm")
    before = store.events(1000)
    for body in ({"disabled": True}, {"role": "tecnico"}, {}):
        resp = client.patch("/api/users/ninguem", json=body, headers=adm)
        assert resp.status_code == 404
        assert "não existe" in resp.json()["erro"]["mensagem"]
    assert client.post("/api/users/ninguem/tokens", json={}, headers=adm).status_code == 404
    assert client.get("/api/users/ninguem/tokens", headers=adm).status_code == 404
    assert store.events(1000) == before
    assert store.user("ninguem") is None


def test_the_last_active_admin_cannot_be_disabled_or_demoted(
    client: TestClient, store: UserStore
) -> None:
    adm = bearer(store, "adm")
    admins = [u["name"] for u in store.users() if u["role"] == "admin" and not u["disabled"]]
    if admins != ["adm"]:
        pytest.skip("another admin exists in this database")
    assert client.patch("/api/users/adm", json={"disabled": True}, headers=adm).status_code == 409
    assert client.patch("/api/users/adm", json={"role": "agente"}, headers=adm).status_code == 409
    user = store.user("adm")
    assert user is not None and user.role is Role.ADMIN and not user.disabled
