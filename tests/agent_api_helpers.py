"""Shared by the agent API's test modules (test_agent_api_*.py): a world of in-process
simulators and the IXC simulator, the service's client with its users and clock, and the
helpers that read a customer, run a job to its end, open an O.S. and read the journal.

The fixtures are module-scoped: each test module that binds them builds its own world
(a fraction of a second)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cpe.journal import Journal
from cpe.service.deadline import TZ
from cpe.service.store import UserStore
from cpe.settings import Settings, load_settings
from tests.inproc import World, world
from tests.service_support import Clock, add_users, app_for, bearer

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


def _order(
    client: TestClient, who: dict[str, str], login: str, tipo: str, motivo: str, **kw: Any
) -> Any:
    body = {"tipo": tipo, "motivo": motivo, "login_tela": login, **kw}
    return client.post(f"/api/agente/clientes/{login}/os", json=body, headers=who)
