"""/api/schedules (issue 14): scheduled audits through the service. Roles (an agent gets
403, a technician lists, adds and removes), the CLI's checks (a bad cron is a 422),
409 without a broker, the operator recorded on every change, the reports folder kept
under the service's."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cpe.scale.schedule import ScheduleStore
from cpe.service.store import UserStore
from cpe.settings import Settings
from tests.redis_server import RedisServer, redis_server  # noqa: F401
from tests.service_support import World, add_users, app_for, bearer, ixc_world

pytest.importorskip("celery")
pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with ixc_world(tmp_path_factory.mktemp("agenda") / "home") as w:
        yield w


@pytest.fixture(scope="module")
def store(world: World) -> UserStore:
    return add_users(world.settings)


@pytest.fixture(scope="module")
def brokered(world: World, redis_server: RedisServer) -> Settings:  # noqa: F811
    return world.settings.model_copy(update={"broker_url": redis_server.url})


@pytest.fixture(scope="module")
def client(brokered: Settings, store: UserStore) -> Iterator[TestClient]:
    with TestClient(app_for(brokered)) as c:
        yield c


def test_an_agent_gets_none_of_it(client: TestClient, store: UserStore) -> None:
    ana = bearer(store, "ana")
    assert client.get("/api/schedules").status_code == 401
    assert client.get("/api/schedules", headers=ana).status_code == 403
    body = {"cron": "0 2 * * *"}
    assert client.post("/api/schedules", json=body, headers=ana).status_code == 403
    assert client.delete("/api/schedules/s-000000", headers=ana).status_code == 403


def test_a_technician_lists_adds_and_removes(
    client: TestClient, store: UserStore, brokered: Settings
) -> None:
    tec = bearer(store, "tec")
    caps = client.get("/api/tec/capacidades", headers=tec).json()
    assert caps["agendamentos"] is True and caps["broker"] is True
    listed = client.get("/api/schedules", headers=tec).json()
    assert listed["broker"] is True and isinstance(listed["agendamentos"], list)
    body = {
        "cron": "0  2 * * *",
        "model": "zyxel",
        "login": "maria.*",
        "contract_status": "blocked",
        "format": "csv",
        "folder": "noturnas/zyxel",
    }
    added = client.post("/api/schedules", json=body, headers=tec)
    assert added.status_code == 201, added.text
    spec = added.json()
    assert spec["cron"] == "0 2 * * *" and spec["quando_pt"] == "cron 0 2 * * *"
    assert spec["model"] == "zyxel" and spec["format"] == "csv" and spec["last_run"] is None
    folder = Path(spec["folder"])
    assert folder == (brokered.home / "relatorios" / "noturnas" / "zyxel").resolve()
    assert folder.is_dir()
    every = client.post("/api/schedules", json={"every": "6h"}, headers=tec).json()
    assert every["every_s"] == 6 * 3600 and every["folder"] == str(folder.parent.parent)
    ids = [s["id"] for s in client.get("/api/schedules", headers=tec).json()["agendamentos"]]
    assert spec["id"] in ids and every["id"] in ids
    # the CLI's store sees them, with the technician as the operator
    assert ScheduleStore(brokered).get(spec["id"]) is not None
    gone = client.delete(f"/api/schedules/{spec['id']}", headers=tec)
    assert gone.status_code == 200 and gone.json() == {"removido": spec["id"]}
    again = client.delete(f"/api/schedules/{spec['id']}", headers=tec)
    assert again.status_code == 404 and "não existe" in again.json()["erro"]["mensagem"]
    ids = [s["id"] for s in client.get("/api/schedules", headers=tec).json()["agendamentos"]]
    assert spec["id"] not in ids and every["id"] in ids
    with sqlite3.connect(brokered.journal_file) as conn:
        events = conn.execute(
            "SELECT event, operator FROM schedule_events WHERE schedule_id=? ORDER BY id",
            (spec["id"],),
        ).fetchall()
    assert events == [("added", "tec"), ("removed", "tec")]
    logged = [(e["username"], e["event"]) for e in store.events(50) if e["detail"] == spec["id"]]
    assert logged == [("tec", "schedule_removed"), ("tec", "schedule_added")]


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ({"cron": "0 25 * * *"}, "cron"),
        ({"cron": "0 2 * *"}, "5 campos"),
        ({"every": "nunca"}, "intervalo"),
        ({"cron": "0 2 * * *", "every": "6h"}, "um dos dois"),
        ({}, "um dos dois"),
        ({"cron": "0 2 * * *", "model": "nokia-xyz"}, "modelo"),
        ({"cron": "0 2 * * *", "contract_status": "talvez"}, "contrato"),
        ({"cron": "0 2 * * *", "format": "pdf"}, "format"),
        ({"cron": "0 2 * * *", "folder": "../fora"}, "folder"),
        ({"cron": "0 2 * * *", "folder": "/etc"}, "folder"),
        ({"cron": "0 2 * * *", "dias": 3}, "dias"),
        ({"cron": 2}, "cron"),
    ],
)
def test_bad_schedules_are_422_and_write_nothing(
    client: TestClient, store: UserStore, brokered: Settings, body: dict[str, object], word: str
) -> None:
    before = ScheduleStore(brokered).active()
    resp = client.post("/api/schedules", json=body, headers=bearer(store, "tec"))
    assert resp.status_code == 422, resp.text
    assert word in resp.json()["erro"]["mensagem"]
    assert ScheduleStore(brokered).active() == before


def test_a_link_out_of_the_reports_folder_is_refused(
    client: TestClient, store: UserStore, brokered: Settings, tmp_path: Path
) -> None:
    root = brokered.home / "relatorios"
    root.mkdir(parents=True, exist_ok=True)
    (root / "saida").unlink(missing_ok=True)
    (root / "saida").symlink_to(tmp_path)
    body = {"cron": "0 2 * * *", "folder": "saida"}
    resp = client.post("/api/schedules", json=body, headers=bearer(store, "tec"))
    assert resp.status_code == 422 and "relatórios" in resp.json()["erro"]["mensagem"]


def test_without_a_broker_the_list_is_empty_and_adding_is_409(
    world: World, store: UserStore
) -> None:
    assert not world.settings.broker_url
    with TestClient(app_for(world.settings)) as c:
        tec = bearer(store, "tec")
        caps = c.get("/api/tec/capacidades", headers=tec).json()
        assert caps["agendamentos"] is True and caps["broker"] is False
        listed = c.get("/api/schedules", headers=tec).json()
        assert listed["agendamentos"] == [] and listed["broker"] is False
        assert "Redis" in listed["aviso"] and "docs/deploy.md" in listed["aviso"]
        refused = c.post("/api/schedules", json={"cron": "0 2 * * *"}, headers=tec)
        assert refused.status_code == 409
        erro = refused.json()["erro"]
        assert erro["tipo"] == "no_broker" and "Celery e Redis" in erro["mensagem"]
        assert c.delete("/api/schedules/s-000000", headers=tec).status_code == 404
