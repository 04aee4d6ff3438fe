"""The service against the embedded lab (simulated fleet + simulated IXC): real device
actions, the Wi-Fi change through IXC, N3 tickets in the lab's IXC, and the canary admin
password absent from every answer, cookie, log line and journal row."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cpe.context import Context
from cpe.journal import Journal
from cpe.service.app import create_app
from cpe.service.config import ServiceConfig
from cpe.settings import Settings
from tests.service_support import CANARY, Clock, add_users, bearer, lab_world, login, pick

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def lab(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Settings, list[dict[str, Any]]]]:
    with lab_world(tmp_path_factory.mktemp("svc-lab") / "home", block_start=151) as world:
        yield world


@pytest.fixture(scope="module")
def client(lab: tuple[Settings, list[dict[str, Any]]]) -> Iterator[TestClient]:
    settings, _ = lab
    add_users(settings)
    # No N3 route configured: the lab's IXC takes its defaults.
    with TestClient(create_app(settings, ServiceConfig(), clock=Clock())) as c:
        yield c


@pytest.fixture(scope="module")
def tokens(lab: tuple[Settings, list[dict[str, Any]]]) -> dict[str, dict[str, str]]:
    store = add_users(lab[0])
    return {name: bearer(store, name) for name in ("ana", "tec", "adm")}


class Seen:
    """Everything the service sent back, to search for the canary."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, resp: Any) -> Any:
        self.parts.append(resp.text)
        self.parts.extend(f"{k}: {v}" for k, v in resp.headers.items())
        return resp

    def __str__(self) -> str:
        return "\n".join(self.parts)


def test_reapply_pppoe_and_dns_on_mercusys_is_done_and_verified(
    lab: tuple[Settings, list[dict[str, Any]]], client: TestClient, tokens: dict[str, Any]
) -> None:
    settings, devices = lab
    who = pick(devices, planted={"dns"}, models=("mercusys", ""))
    before = client.get(f"/api/customers/{who}", headers=tokens["ana"]).json()
    assert any(x["rotulo"] == "DNS" and x["nivel"] == "alerta" for x in before["estado"])
    resp = client.post(
        f"/api/customers/{who}/reconfigure",
        json={"pppoe": True, "dns": True},
        headers=tokens["ana"],
    )
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert data["ok"] is True
    assert data["resultado"]["changed"] == ["dns"]
    assert data["texto"].startswith("Feito e conferido no equipamento")
    after = client.get(f"/api/customers/{who}", headers=tokens["ana"]).json()
    assert any(x["rotulo"] == "DNS" and x["nivel"] == "ok" for x in after["estado"])
    last = Journal(settings.journal_file).history(who)[0]
    assert (last["action"], last["operator"], last["outcome"]) == ("reconfigure", "ana", "verified")
    assert after["historico"][0]["operator"] == "ana"


def test_wifi_change_is_written_to_ixc_then_applied(
    lab: tuple[Settings, list[dict[str, Any]]], client: TestClient, tokens: dict[str, Any]
) -> None:
    _, devices = lab
    who = pick(devices, planted=set(), models=("mercusys-ac12g", "mercusys", ""))
    ana = tokens["ana"]
    ppp_before = client.post(f"/api/customers/{who}/reveal", json={"field": "pppoe"}, headers=ana)
    resp = client.post(
        f"/api/customers/{who}/wifi",
        json={
            "networks": [{"band": "2.4GHz", "ssid": "Casa Nova 2G", "passphrase": "nova-senha-123"}]
        },
        headers=ana,
    )
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert data["ok"] is True and data["ixc_atualizado"] is True
    assert "ssid" in data["resultado"]["changed"]
    assert "nova-senha-123" not in resp.text
    view = client.get(f"/api/customers/{who}", headers=ana).json()
    assert {w["band"]: w["ssid"] for w in view["ixc"]["wifi"]}["2.4GHz"] == "Casa Nova 2G"
    assert view["equipamento"]["wifi"][0]["ssid"] == "Casa Nova 2G"
    key = client.post(
        f"/api/customers/{who}/reveal", json={"field": "wifi", "band": "2.4GHz"}, headers=ana
    )
    assert key.json()["valor"] == "nova-senha-123"
    # Read-merge-PUT: the rest of the login record survived (the PPPoE password, here).
    ppp_after = client.post(f"/api/customers/{who}/reveal", json={"field": "pppoe"}, headers=ana)
    assert ppp_after.json()["valor"] == ppp_before.json()["valor"]


def test_ticket_is_created_in_the_lab_ixc(
    lab: tuple[Settings, list[dict[str, Any]]], client: TestClient, tokens: dict[str, Any]
) -> None:
    settings, devices = lab
    who = pick(devices, planted={"unreachable"}, models=("mercusys", ""))
    view = client.get(f"/api/customers/{who}", headers=tokens["ana"]).json()
    assert view["estado"][0]["nivel"] == "erro"  # offline
    assert view["pode_abrir_os"] is True
    resp = client.post(
        f"/api/customers/{who}/ticket",
        json={"findings": view["achados"], "note": "Telefone (12) 98888-7777, manhã"},
        headers=tokens["ana"],
    )
    assert resp.status_code == 201, resp.text
    os_id = resp.json()["os_id"]
    ixc = Context(settings).inventory.client
    rows = list(ixc.list("su_oss_chamado", "id", os_id, "="))
    assert len(rows) == 1
    assert "Telefone (12) 98888-7777" in rows[0]["mensagem"]
    assert "Atendente: ana" in rows[0]["mensagem"]


def test_blocked_lab_contract_gets_no_ticket(
    lab: tuple[Settings, list[dict[str, Any]]], client: TestClient, tokens: dict[str, Any]
) -> None:
    _, devices = lab
    who = next(d["login"] for d in devices if "blocked" in d["planted"])
    view = client.get(f"/api/customers/{who}", headers=tokens["ana"]).json()
    assert view["contrato"]["bloqueado"] is True and view["pode_abrir_os"] is False
    resp = client.post(f"/api/customers/{who}/ticket", json={}, headers=tokens["ana"])
    assert resp.status_code == 409


def test_tecnico_runs_an_audit_and_reads_its_report(
    lab: tuple[Settings, list[dict[str, Any]]], client: TestClient, tokens: dict[str, Any]
) -> None:
    _, devices = lab
    mercusys = sorted(d["login"] for d in devices if d["model"].startswith("mercusys"))
    started = client.post("/api/audits", json={"login_glob": mercusys[0]}, headers=tokens["tec"])
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    report: dict[str, Any] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        report = client.get(f"/api/audits/{run_id}", headers=tokens["tec"]).json()
        if report["estado"] in ("finished", "interrupted"):
            break
        time.sleep(0.2)
    assert report["estado"] == "finished"
    assert [d["login"] for d in report["devices"]] == [mercusys[0]]
    runs = client.get("/api/audits", headers=tokens["tec"]).json()["execucoes"]
    assert run_id in [r["run_id"] for r in runs]
    csv = client.get(f"/api/audits/{run_id}/report?format=csv", headers=tokens["tec"])
    assert csv.status_code == 200 and mercusys[0] in csv.text
    assert "attachment" in csv.headers["content-disposition"]
    html = client.get(f"/api/audits/{run_id}/report?format=html", headers=tokens["tec"])
    assert html.status_code == 200 and "<html" in html.text
    assert (
        client.get(f"/api/audits/{run_id}/report?format=csv", headers=tokens["ana"]).status_code
        == 403
    )


def test_canary_admin_password_never_leaves_the_server(
    lab: tuple[Settings, list[dict[str, Any]]],
    client: TestClient,
    tokens: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings, devices = lab
    caplog.set_level(logging.DEBUG)
    seen = Seen()
    adm, tec = tokens["adm"], tokens["tec"]
    read = 0
    for d in devices:
        who = d["login"]
        view = seen.add(client.get(f"/api/customers/{who}", headers=adm)).json()
        read += bool(view["equipamento"]["reachable"] and view["equipamento"]["wan"])
        seen.add(client.post(f"/api/customers/{who}/reveal", json={"field": "pppoe"}, headers=adm))
        seen.add(
            client.post(f"/api/customers/{who}/reconfigure", json={"dry_run": True}, headers=adm)
        )
    seen.add(client.get("/api/search?q=silva", headers=adm))
    vault = seen.add(client.get("/api/vault", headers=adm)).json()
    assert vault["entradas"] and all("senhas_candidatas" in e for e in vault["entradas"])
    seen.add(client.get("/api/history", headers=tec))
    seen.add(client.get("/api/events", headers=adm))
    seen.add(client.get("/api/users", headers=adm))
    # The page and its session, through the form.
    with TestClient(client.app) as browser:
        csrf = login(browser, "ana")
        seen.add(browser.get("/"))
        seen.add(browser.get("/static/agent.js"))
        seen.add(
            browser.post(
                f"/api/customers/{devices[0]['login']}/reveal",
                json={"field": "wifi", "band": "2.4GHz"},
                headers={"X-CSRF-Token": csrf},
            )
        )
        seen.parts.extend(f"{c.name}={c.value}" for c in browser.cookies.jar)
    # The canary was really in use: devices were logged in to with it.
    assert read >= 3
    assert len(seen.parts) > 50
    assert CANARY not in str(seen)
    assert CANARY not in caplog.text
    journal = settings.journal_file
    for path in (journal, journal.with_name(journal.name + "-wal")):
        if path.exists():
            assert CANARY.encode() not in path.read_bytes()
