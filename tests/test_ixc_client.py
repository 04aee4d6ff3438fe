"""IxcClient against the IXC simulator over real loopback sockets."""

from __future__ import annotations

import json
import socket

import pytest
import requests
from pydantic import SecretStr

from cpe.errors import IxcError
from inventory.ixc.client import IxcClient
from inventory.ixc.fields import TABLE_FIELDS
from inventory.ixc.simulator import IxcSimState
from tests.ixc_helpers import client_for, ixc_server, seed


@pytest.fixture()
def state() -> IxcSimState:
    return IxcSimState()


def _clients(state: IxcSimState, n: int) -> None:
    for i in range(n):
        state.insert(
            "cliente",
            {"razao": f"Cliente {i:02d}", "cnpj_cpf": f"{i:011d}", "senha": f"portal-{i}"},
        )


@pytest.mark.parametrize("as_dict", [False, True])
def test_pagination_reads_every_page_with_string_totals(state: IxcSimState, as_dict: bool) -> None:
    _clients(state, 23)
    state.registros_as_dict = as_dict
    with ixc_server(state) as url:
        client = client_for(state, url, page_size=5)
        rows = list(client.list("cliente", "id", "0", ">"))
    assert [r["razao"] for r in rows] == [f"Cliente {i:02d}" for i in range(23)]
    assert state.requests[("GET", "cliente", "listar")] == 5  # ceil(23 / 5)


def test_listing_shape_on_the_wire(state: IxcSimState) -> None:
    _clients(state, 3)
    with ixc_server(state) as url:
        auth = requests.auth._basic_auth_str(*state.token.split(":", 1))
        body = {"qtype": "cliente.id", "query": "0", "oper": ">", "page": "1", "rp": "2"}
        resp = requests.get(
            f"{url}/webservice/v1/cliente",
            data=json.dumps(body),
            headers={"Authorization": auth, "ixcsoft": "listar"},
            timeout=5,
        )
    data = resp.json()
    assert data["total"] == "3" and isinstance(data["total"], str)
    assert len(data["registros"]) == 2
    assert all(isinstance(v, str) for row in data["registros"] for v in row.values())


def test_rows_fallback_key(state: IxcSimState) -> None:
    _clients(state, 4)
    state.rows_key = "rows"
    with ixc_server(state) as url:
        rows = list(client_for(state, url, page_size=3).list("cliente", "id", "0", ">"))
    assert len(rows) == 4


def test_projection_drops_secrets(state: IxcSimState) -> None:
    ids = seed(state, "ana", 1)
    with ixc_server(state) as url:
        client = client_for(state, url)
        cliente = client.get("cliente", ids["cliente"])
        onu = client.get("radpop_radio_cliente_fibra", ids["radpop_radio_cliente_fibra"])
        login = client.get("radusuarios", ids["radusuarios"])
        missing = client.get("cliente", "999")
    assert cliente is not None and onu is not None and login is not None
    assert "senha" not in cliente and set(cliente) == set(TABLE_FIELDS["cliente"])
    assert "senha_onu_cliente" not in onu
    assert "senha_router1" not in login and login["login"] == "ana"
    assert missing is None
    with pytest.raises(ValueError, match="whitelist"):
        list(client_for(state, url).list("su_oss_assunto", "id", "0", ">"))


def test_post_listing_is_configurable(state: IxcSimState) -> None:
    _clients(state, 2)
    with ixc_server(state) as url:
        rows = list(client_for(state, url, list_method="POST").list("cliente", "id", "0", ">"))
    assert len(rows) == 2
    assert state.requests[("POST", "cliente", "listar")] == 1
    assert state.requests[("GET", "cliente", "listar")] == 0


def test_grid_param_and_operators(state: IxcSimState) -> None:
    _clients(state, 10)
    with ixc_server(state) as url:
        client = client_for(state, url)
        rows = list(client.list("cliente", "id", "3", ">=", grid=[("cliente.id", "<=", "6")]))
        like = list(client.list("cliente", "razao", "ente 0", "L"))
    assert [r["id"] for r in rows] == ["3", "4", "5", "6"]
    assert len(like) == 10


def test_type_error_with_http_200_raises(state: IxcSimState) -> None:
    state.forbidden.add("cliente")
    with ixc_server(state) as url, pytest.raises(IxcError) as info:
        list(client_for(state, url).list("cliente", "id", "0", ">"))
    assert "Recurso cliente não está disponível" in str(info.value)
    assert info.value.operation == "listar cliente"


def test_unknown_field_is_an_error_not_an_empty_list(state: IxcSimState) -> None:
    with ixc_server(state) as url, pytest.raises(IxcError, match="não existe"):
        list(client_for(state, url).list("cliente", "cpf", "1", fields=("id",)))


def test_401_says_token_invalid_without_the_token(state: IxcSimState) -> None:
    with ixc_server(state) as url:
        bad = IxcClient(url, SecretStr("8:not-the-token-abc"), timeout_s=5, retries=0)
        with pytest.raises(IxcError) as info:
            list(bad.list("cliente", "id", "0", ">"))
    err = info.value
    assert "token inválido" in str(err)
    assert "Redes Permitidas" in err.pt()
    for text in (str(err), repr(err), err.pt(), json.dumps(err.as_dict()), repr(bad)):
        assert "not-the-token-abc" not in text
        assert state.token not in text


def test_html_error_page_raises(state: IxcSimState) -> None:
    _clients(state, 1)
    state.fault = "html"
    with ixc_server(state) as url, pytest.raises(IxcError, match="Ocorreu um erro ao processar"):
        list(client_for(state, url).list("cliente", "id", "0", ">"))


def test_non_json_body_raises(state: IxcSimState) -> None:
    state.fault = "not_json"
    with ixc_server(state) as url, pytest.raises(IxcError, match=r"HTML|JSON"):
        client_for(state, url).get("cliente", "1")


def test_form_listing_at_the_trailing_slash_like_ixcs_php_client(state: IxcSimState) -> None:
    """IXC's own PHP WebserviceClient posts listing fields as a form (multipart: curl with an
    array) to `/<table>/`; vazcaino/ixc_api_python sends them urlencoded. Both get rows."""
    _clients(state, 3)
    fields = {"qtype": "cliente.id", "query": "1", "oper": ">", "page": "1", "rp": "20"}
    with ixc_server(state) as url:
        auth = requests.auth._basic_auth_str(*state.token.split(":", 1))
        headers = {"Authorization": auth, "ixcsoft": "listar"}
        urlencoded = requests.post(
            f"{url}/webservice/v1/cliente/", data=fields, headers=headers, timeout=5
        )
        multipart = requests.post(
            f"{url}/webservice/v1/cliente/", files={k: (None, v) for k, v in fields.items()},
            headers=headers, timeout=5,
        )
        state.form_bodies = False  # the tenant lzr-hub describes
        refused = requests.post(
            f"{url}/webservice/v1/cliente", data=fields, headers=headers, timeout=5
        )
    for resp in (urlencoded, multipart):
        assert resp.status_code == 200 and resp.json()["total"] == "2"
    assert "Ocorreu um erro ao processar" in refused.text


def test_record_routes_take_a_trailing_slash(state: IxcSimState) -> None:
    _clients(state, 1)
    with ixc_server(state) as url:
        auth = requests.auth._basic_auth_str(*state.token.split(":", 1))
        resp = requests.delete(
            f"{url}/webservice/v1/cliente/1/", headers={"Authorization": auth}, timeout=5
        )
    assert resp.json()["type"] == "success" and state.row("cliente", "1") is None


def test_in_and_like_operators_public_clients_send(state: IxcSimState) -> None:
    _clients(state, 4)
    with ixc_server(state) as url:
        client = client_for(state, url)
        body = {"qtype": "cliente.id", "query": "1,3", "oper": "IN", "page": "1", "rp": "9"}
        got = client._request("POST", "cliente", body, op="t", headers={"ixcsoft": "listar"})
        like = dict(body, query="", oper="LIKE")
        everyone = client._request("POST", "cliente", like, op="t",
                                   headers={"ixcsoft": "listar"})
    assert sorted(r["id"] for r in got["registros"]) == ["1", "3"]
    assert everyone["total"] == "4"


def test_connection_refused_maps_to_ixc_error(state: IxcSimState) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = client_for(state, f"http://127.0.0.1:{port}")
    with pytest.raises(IxcError) as info:
        client.get("cliente", "1")
    assert f"127.0.0.1:{port}" in str(info.value)
    assert state.token not in str(info.value)
    assert isinstance(info.value.__cause__, requests.ConnectionError)


def test_timeout_maps_to_ixc_error(state: IxcSimState) -> None:
    state.latency_ms = 1500
    with ixc_server(state) as url:
        client = client_for(state, url, timeout_s=0.2)
        with pytest.raises(IxcError, match="não respondeu"):
            client.get("cliente", "1")


def test_bad_configuration_is_refused_without_echoing_secrets() -> None:
    with pytest.raises(IxcError) as info:
        IxcClient("http://127.0.0.1:1", SecretStr("no-colon-secret"))
    assert "no-colon-secret" not in str(info.value)
    with pytest.raises(IxcError) as info:
        IxcClient("http://8:tok-in-url@127.0.0.1:1", SecretStr("8:x"))
    assert "tok-in-url" not in str(info.value)
    client = IxcClient("https://ixc.example.net/", SecretStr("8:abc"))
    assert client.base_url == "https://ixc.example.net/webservice/v1"
    assert "abc" not in repr(client)


def test_update_full_is_read_merge_put(state: IxcSimState) -> None:
    ids = seed(state, "bia", 2)
    before = state.row("radusuarios", ids["radusuarios"])
    with ixc_server(state) as url:
        client_for(state, url).update_full(
            "radusuarios", ids["radusuarios"], {"ssid_router_wifi": "Nova Rede"}
        )
    after = state.row("radusuarios", ids["radusuarios"])
    assert before is not None and after is not None
    assert after["ssid_router_wifi"] == "Nova Rede"
    assert {k: v for k, v in after.items() if k != "ssid_router_wifi"} == {
        k: v for k, v in before.items() if k != "ssid_router_wifi"
    }


def test_simulator_put_blanks_what_a_partial_body_leaves_out(state: IxcSimState) -> None:
    """Why update_full must read first: IXC's PUT replaces the whole record."""
    ids = seed(state, "caio", 3)
    with ixc_server(state) as url:
        auth = requests.auth._basic_auth_str(*state.token.split(":", 1))
        resp = requests.put(
            f"{url}/webservice/v1/radusuarios/{ids['radusuarios']}",
            data=json.dumps({"ssid_router_wifi": "X"}),
            headers={"Authorization": auth},
            timeout=5,
        )
    assert resp.json()["type"] == "success"
    row = state.row("radusuarios", ids["radusuarios"])
    assert row is not None and row["ssid_router_wifi"] == "X" and row["login"] == ""


def test_update_of_missing_record_raises(state: IxcSimState) -> None:
    with ixc_server(state) as url, pytest.raises(IxcError, match="não encontrado"):
        client_for(state, url).update_full("radusuarios", "77", {"ssid_router_wifi": "x"})


def test_create_returns_id_and_checks_type(state: IxcSimState) -> None:
    with ixc_server(state) as url:
        client = client_for(state, url)
        new_id = client.create(
            "su_oss_chamado",
            {"tipo": "C", "id_cliente": "1", "id_assunto": "5", "mensagem": "m", "status": "A"},
        )
        with pytest.raises(IxcError, match="id_assunto"):
            client.create(
                "su_oss_chamado", {"tipo": "C", "id_cliente": "1", "mensagem": "m", "status": "A"}
            )
    row = state.row("su_oss_chamado", new_id)
    assert row is not None and row["id_assunto"] == "5"


def test_call_button_and_nested_error(state: IxcSimState) -> None:
    ids = seed(state, "davi", 4)
    with ixc_server(state) as url:
        client = client_for(state, url)
        answer = client.call("desconectar_clientes", {"id": ids["radusuarios"]})
        with pytest.raises(IxcError, match="Login não encontrado"):
            client.call("desconectar_clientes", {"id": "999"})
        state.forbidden.add("desconectar_clientes")
        with pytest.raises(IxcError, match="não está disponível"):
            client.call("desconectar_clientes", {"id": ids["radusuarios"]})
    assert answer["msg"][0]["type"] == "success"
    row = state.row("radusuarios", ids["radusuarios"])
    assert row is not None and row["online"] == "N"


def test_accents_travel_as_ascii_escapes(state: IxcSimState) -> None:
    state.insert("cliente", {"razao": "João da Conceição", "cnpj_cpf": "1"})
    with ixc_server(state) as url:
        auth = requests.auth._basic_auth_str(*state.token.split(":", 1))
        raw = requests.get(
            f"{url}/webservice/v1/cliente",
            data=json.dumps({"qtype": "cliente.id", "query": "1", "oper": "="}),
            headers={"Authorization": auth, "ixcsoft": "listar"},
            timeout=5,
        ).content
        rows = list(client_for(state, url).list("cliente", "razao", "joao da conceicao"))
    assert raw.isascii() and b"Jo\\u00e3o" in raw
    assert [r["razao"] for r in rows] == ["João da Conceição"]
