"""The IXC simulator speaks IXC's shapes to any client, not only ours (raw requests)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from inventory.ixc.simulator import IxcSimState, add_subscriber
from tests.ixc_helpers import ixc_server, seed


@pytest.fixture()
def state() -> IxcSimState:
    st = IxcSimState()
    for name in ("Ana", "Bruno", "Carla", "Davi", "Érica"):
        st.insert(
            "cliente", {"razao": name, "cnpj_cpf": "", "ativo": "S" if name != "Davi" else "N"}
        )
    return st


@pytest.fixture()
def url(state: IxcSimState) -> Iterator[str]:
    with ixc_server(state) as base:
        yield f"{base}/webservice/v1"


def _auth(state: IxcSimState) -> str:
    return requests.auth._basic_auth_str(*state.token.split(":", 1))


def _list(state: IxcSimState, url: str, table: str, **body: str) -> Any:
    resp = requests.get(
        f"{url}/{table}",
        data=json.dumps(body),
        headers={"Authorization": _auth(state), "ixcsoft": "listar"},
        timeout=5,
    )
    return resp.json()


def test_auth_is_required(url: str) -> None:
    assert requests.get(f"{url}/cliente", timeout=5).status_code == 401
    wrong = requests.auth._basic_auth_str("8", "wrong")
    resp = requests.get(f"{url}/cliente", headers={"Authorization": wrong}, timeout=5)
    assert resp.status_code == 401


def test_listing_needs_the_header(state: IxcSimState, url: str) -> None:
    resp = requests.get(
        f"{url}/cliente", data="{}", headers={"Authorization": _auth(state)}, timeout=5
    )
    assert resp.json()["type"] == "error"


def test_sort_page_and_like(state: IxcSimState, url: str) -> None:
    desc = _list(
        state,
        url,
        "cliente",
        qtype="cliente.id",
        query="0",
        oper=">",
        sortname="cliente.razao",
        sortorder="desc",
        page="2",
        rp="2",
    )
    assert desc["total"] == "5"
    assert [r["razao"] for r in desc["registros"]] == ["Carla", "Bruno"]
    beyond = _list(state, url, "cliente", qtype="cliente.id", query="0", oper=">", page="9")
    assert beyond == {"page": "9", "total": "5"}
    like = _list(state, url, "cliente", qtype="cliente.razao", query="%ri%", oper="L")
    assert [r["razao"] for r in like["registros"]] == ["Érica"]
    grid = json.dumps(
        [{"TB": "cliente.ativo", "OP": "=", "P": "S"}, {"TB": "cliente.id", "OP": "!=", "P": "1"}]
    )
    active = _list(state, url, "cliente", qtype="cliente.id", query="0", oper=">", grid_param=grid)
    assert [r["razao"] for r in active["registros"]] == ["Bruno", "Carla", "Érica"]


def test_non_string_values_and_bad_operators_are_errors(state: IxcSimState, url: str) -> None:
    resp = requests.get(
        f"{url}/cliente",
        data=json.dumps({"qtype": "cliente.id", "query": 1, "oper": "="}),
        headers={"Authorization": _auth(state), "ixcsoft": "listar"},
        timeout=5,
    )
    assert resp.json()["type"] == "error"
    # LIKE and IN are accepted (ixc-utils sends them to real tenants); nonsense is not.
    bad = _list(state, url, "cliente", qtype="cliente.id", query="1", oper="~~")
    assert bad["type"] == "error"


def test_delete(state: IxcSimState, url: str) -> None:
    resp = requests.delete(f"{url}/cliente/2", headers={"Authorization": _auth(state)}, timeout=5)
    assert resp.json()["type"] == "success" and state.row("cliente", "2") is None


def test_add_subscriber_writes_consistent_rows() -> None:
    st = IxcSimState()
    ids = seed(
        st,
        "ana.lima",
        3,
        duplicate_onu_row=True,
        onu_mode="B",
        model_text="Mercusys MR30G",
        onu_model_text="Fiberhome AN5506-01-A",
    )
    login = st.row("radusuarios", ids["radusuarios"])
    contract = st.row("cliente_contrato", ids["cliente_contrato"])
    onu = st.row("radpop_radio_cliente_fibra", ids["radpop_radio_cliente_fibra"])
    old = st.row("radpop_radio_cliente_fibra", ids["radpop_radio_cliente_fibra_old"])
    assert login and contract and onu and old
    assert (login["id_cliente"], login["id_contrato"]) == (ids["cliente"], ids["cliente_contrato"])
    assert contract["id_cliente"] == ids["cliente"]
    assert onu["id_login"] == old["id_login"] == ids["radusuarios"]
    assert login["onu_mac"] == onu["mac"] != old["mac"]
    assert int(old["id"]) < int(onu["id"])
    assert onu["tipo_operacao"] == "B" and onu["onu_tipo"] == "Fiberhome AN5506-01-A"
    assert login["obs"] == "Mercusys MR30G"
    assert all(isinstance(v, str) for v in login.values())
    with pytest.raises(ValueError, match="onu_mode"):
        add_subscriber(
            st,
            login="x",
            password="p",
            ip="127.0.0.9",
            model_text="ZTE F670L",
            ssid24="s",
            psk24="k",
            customer_name="c",
            cpf="1",
            onu_mode="R",
            onu_model_text="Fiberhome HG6145F",
        )
    assert st.token not in repr(st)
