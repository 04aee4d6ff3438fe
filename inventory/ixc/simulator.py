"""An IXC webservice simulator (aiohttp) for tests and the lab.

It answers like IXC does according to docs/protocols/ixc-api.md, not like our client
would like: Basic auth or 401; listing only with `ixcsoft: listar` and a JSON body
(form-urlencoded gets HTTP 200 with the HTML "Ocorreu um erro ao processar"); all values
strings, `total` a string; a table the token may not use answers 200 with
`{"type":"error","message":"Recurso x não está disponível!"}`; PUT replaces the whole
record (fields left out become blank, as a careless client would discover); ASCII JSON
with \\u escapes. Comparisons are case- and accent-insensitive like IXC's MySQL
collation [G].

Host it with `drivers.sim.SimRunner().add_app(build_app(state), "127.0.0.1", 0)`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import re
import secrets
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from inventory.ixc.fields import ROUTER_MODEL_FIELD, digits, fold, mask_cpf_cnpj

__all__ = ["HTML_ERROR_PAGE", "SCHEMAS", "IxcSimState", "add_subscriber", "build_app"]

Row = dict[str, str]

HTML_ERROR_PAGE = (
    "<html><head><title>IXC Provedor</title></head><body>"
    '<div class="erro">Ocorreu um erro ao processar a requisi\u00e7\u00e3o.</div>'
    "</body></html>"
)

#: Known columns per table (a subset of IXC's, from the notes): a filter or sort on an
#: unknown column is an error, as the SQL behind IXC would be. Tables without a schema
#: accept any column.
SCHEMAS: dict[str, frozenset[str]] = {
    "cliente": frozenset(
        "id razao fantasia tipo_pessoa cnpj_cpf ativo telefone_celular whatsapp fone email "
        "endereco numero bairro cidade uf hotsite_email senha alerta obs filial_id".split()
    ),
    "cliente_contrato": frozenset(
        "id id_cliente contrato id_vd_contrato status status_internet status_velocidade "
        "data_ativacao bloqueio_automatico desbloqueio_confianca contrato_suspenso tipo "
        "id_filial dt_ult_bloq_auto dt_ult_bloq_manual".split()
    ),
    "radusuarios": frozenset(
        "id id_cliente id_contrato id_filial id_grupo login senha senha_md5 autenticacao "
        "ativo online ultima_conexao_inicial ultima_conexao_final ip mac concentrador "
        "id_rad_dns onu_mac id_transmissor id_caixa_ftth ftth_porta tipo_equipamento "
        "ssid_router_wifi senha_rede_sem_fio ssid_router_wifi_5ghz senha_rede_sem_fio_5ghz "
        "usuario_router1 senha_router1 senha_router2 tipo_acesso porta_http porta_router2 "
        "endereco numero bairro cidade cep obs".split()
    ),
    "radpop_radio_cliente_fibra": frozenset(
        "id id_login id_contrato id_transmissor id_caixa_ftth porta_ftth id_perfil mac nome "
        "onu_tipo versao ponid slotno ponno onu_numero vlan vlan_pppoe tipo_operacao "
        "ip_gerencia login_onu_cliente senha_onu_cliente sinal_rx sinal_tx temperatura "
        "voltagem data_sinal causa_ultima_queda distancia_onu".split()
    ),
    "su_oss_chamado": frozenset(
        "id tipo id_cliente id_login id_contrato_kit id_assunto setor id_filial status "
        "prioridade origem_endereco mensagem data_abertura melhor_horario_agenda".split()
    ),
}

#: Fields a create must fill (or IXC answers type=error) [G: the minimum of §4.5].
REQUIRED_ON_CREATE: dict[str, tuple[str, ...]] = {
    "su_oss_chamado": ("tipo", "id_cliente", "id_assunto", "mensagem", "status"),
}

Button = Callable[["IxcSimState", dict[str, Any]], dict[str, Any]]


@dataclass
class IxcSimState:
    """The simulated IXC database plus the knobs. Safe to mutate from any thread."""

    #: The one accepted "user_id:token" (fresh per state; kept out of repr).
    token: str = field(default_factory=lambda: "8:" + secrets.token_hex(16), repr=False)
    tables: dict[str, dict[str, Row]] = field(default_factory=dict)
    #: Tables (and buttons) this token's profile may not use.
    forbidden: set[str] = field(default_factory=set)
    latency_ms: float = 0.0
    #: "html": every answer is the HTML error page; "not_json": plain text garbage.
    fault: str | None = None
    #: Shape knob: `registros` as a dict {"0": row, ...} instead of a list.
    registros_as_dict: bool = False
    #: Shape knob: put the rows under "rows" instead of "registros" (older endpoints).
    rows_key: str = "registros"
    #: (method, table, "listar"|"") for every authorised request: tests count requests.
    requests: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    buttons: dict[str, Button] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _next_id: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.buttons.setdefault("desconectar_clientes", _button_disconnect)
        for table in SCHEMAS:
            self.tables.setdefault(table, {})

    def insert(self, table: str, row: dict[str, Any]) -> str:
        """Add a row (values become strings); returns its id (assigned when absent)."""
        with self._lock:
            rows = self.tables.setdefault(table, {})
            given = str(row.get("id") or "")
            new_id = given or str(self._next_id.get(table, 1))
            if new_id in rows:
                raise ValueError(f"{table}: id {new_id} already exists")
            if new_id.isdigit():
                self._next_id[table] = max(self._next_id.get(table, 1), int(new_id) + 1)
            stored = {k: _s(v) for k, v in row.items()}
            stored["id"] = new_id
            rows[new_id] = stored
            return new_id

    def rows(self, table: str) -> list[Row]:
        with self._lock:
            return [dict(r) for r in self.tables.get(table, {}).values()]

    def row(self, table: str, id_: str) -> Row | None:
        with self._lock:
            r = self.tables.get(table, {}).get(str(id_))
            return dict(r) if r is not None else None

    def update(self, table: str, id_: str, **changes: Any) -> None:
        """Plant drift directly (bypasses the API)."""
        with self._lock:
            self.tables[table][str(id_)].update({k: _s(v) for k, v in changes.items()})

    def requests_total(self) -> int:
        return sum(self.requests.values())

    def columns(self, table: str) -> frozenset[str] | None:
        return SCHEMAS.get(table)


def _s(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return str(value)


def _button_disconnect(state: IxcSimState, body: dict[str, Any]) -> dict[str, Any]:
    row = state.row("radusuarios", str(body.get("id", "")))
    if row is None:
        return {"msg": [{"type": "error", "message": "Login n\u00e3o encontrado!"}]}
    state.update("radusuarios", row["id"], online="N")
    return {"msg": [{"type": "success", "message": "Cliente desconectado com sucesso!"}]}


# --- HTTP front end -------------------------------------------------------------------------


def _json(data: Any, status: int = 200) -> web.Response:
    # IXC answers ASCII JSON (accents as \u00XX) with a text/x-json content type.
    return web.Response(
        status=status,
        body=json.dumps(data, ensure_ascii=True).encode("ascii"),
        content_type="text/x-json",
    )


def _error(message: str) -> web.Response:
    return _json({"type": "error", "message": message})


def _html_error() -> web.Response:
    return web.Response(text=HTML_ERROR_PAGE, content_type="text/html")


def build_app(state: IxcSimState) -> web.Application:
    @web.middleware
    async def knobs(request: web.Request, handler: Any) -> web.StreamResponse:
        if state.latency_ms:
            await asyncio.sleep(state.latency_ms / 1000.0)
        if state.fault == "html":
            return _html_error()
        if state.fault == "not_json":
            return web.Response(
                text="Fatal error: Allowed memory size exhausted", content_type="text/html"
            )
        if not _authorised(state, request.headers.get("Authorization", "")):
            return web.Response(
                status=401,
                text="<html><body>401 Unauthorized</body></html>",
                content_type="text/html",
            )
        result: web.StreamResponse = await handler(request)
        return result

    app = web.Application(middlewares=[knobs])

    async def collection(request: web.Request) -> web.Response:
        table = request.match_info["table"]
        listar = request.headers.get("ixcsoft", "").strip().lower() == "listar"
        state.requests[(request.method, table, "listar" if listar else "")] += 1
        if table in state.forbidden:
            return _error(f"Recurso {table} n\u00e3o est\u00e1 dispon\u00edvel!")
        body = await _json_body(request)
        if body is None:
            return _html_error()
        if listar:
            return _list(state, table, body)
        if request.method == "GET":
            return _error("Para listar registros envie o cabe\u00e7alho ixcsoft: listar")
        if table in state.buttons:
            return _json(state.buttons[table](state, body))
        if table not in state.tables:
            return _error(f"Recurso {table} n\u00e3o est\u00e1 dispon\u00edvel!")
        return _create(state, table, body)

    async def record(request: web.Request) -> web.Response:
        table, id_ = request.match_info["table"], request.match_info["id"]
        state.requests[(request.method, table, "")] += 1
        if table in state.forbidden or table not in state.tables:
            return _error(f"Recurso {table} n\u00e3o est\u00e1 dispon\u00edvel!")
        if request.method == "DELETE":
            with state._lock:
                if state.tables[table].pop(id_, None) is None:
                    return _error("Registro n\u00e3o encontrado!")
            return _json({"type": "success", "message": "Registro exclu\u00eddo com sucesso!"})
        body = await _json_body(request)
        if body is None:
            return _html_error()
        return _put(state, table, id_, body)

    for method in ("GET", "POST"):
        app.router.add_route(method, "/webservice/v1/{table}", collection)
    for method in ("PUT", "DELETE"):
        app.router.add_route(method, "/webservice/v1/{table}/{id}", record)
    return app


def _authorised(state: IxcSimState, header: str) -> bool:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return secrets.compare_digest(decoded.encode(), state.token.encode())


async def _json_body(request: web.Request) -> dict[str, Any] | None:
    """The JSON object body, or None when IXC would fail ("Ocorreu um erro")."""
    raw = await request.read()
    if not raw:
        return {}
    if request.content_type == "application/x-www-form-urlencoded":
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# --- listing --------------------------------------------------------------------------------


class _BadRequest(Exception):
    pass


def _list(state: IxcSimState, table: str, body: dict[str, Any]) -> web.Response:
    if table not in state.tables:
        return _error(f"Recurso {table} n\u00e3o est\u00e1 dispon\u00edvel!")
    if any(not isinstance(v, str) for v in body.values()):
        return _error("Par\u00e2metros da listagem devem ser texto")
    try:
        filters: list[tuple[str, str, str]] = []
        if body.get("qtype"):
            filters.append(
                (
                    _column(state, table, body["qtype"]),
                    body.get("oper") or "=",
                    body.get("query", ""),
                )
            )
        if body.get("grid_param"):
            grid = json.loads(body["grid_param"])
            if not isinstance(grid, list):
                raise _BadRequest("grid_param inv\u00e1lido")
            for item in grid:
                if not isinstance(item, dict) or "TB" not in item:
                    raise _BadRequest("grid_param inv\u00e1lido")
                filters.append(
                    (
                        _column(state, table, str(item["TB"])),
                        str(item.get("OP") or "="),
                        str(item.get("P", "")),
                    )
                )
        sortname = _column(state, table, body.get("sortname") or f"{table}.id")
        page = max(1, int(body.get("page") or "1"))
        rp = max(1, int(body.get("rp") or "20"))
    except (ValueError, _BadRequest) as exc:
        return _error(str(exc) if isinstance(exc, _BadRequest) else "Par\u00e2metro inv\u00e1lido")
    with state._lock:
        rows = [dict(r) for r in state.tables[table].values()]
    try:
        matched = [r for r in rows if all(_match(r.get(c, ""), op, q) for c, op, q in filters)]
    except _BadRequest as exc:
        return _error(str(exc))
    matched.sort(
        key=lambda r: _sort_key(r.get(sortname, "")),
        reverse=(body.get("sortorder") or "asc").lower() == "desc",
    )
    chunk = matched[(page - 1) * rp : page * rp]
    payload: dict[str, Any] = {"page": str(page), "total": str(len(matched))}
    if chunk:
        payload[state.rows_key] = (
            {str(i): r for i, r in enumerate(chunk)} if state.registros_as_dict else chunk
        )
    return _json(payload)


def _column(state: IxcSimState, table: str, name: str) -> str:
    prefix, dot, col = name.partition(".")
    if dot and prefix != table:
        raise _BadRequest(f"Campo {name} inv\u00e1lido")
    col = col if dot else prefix
    known = state.columns(table)
    if known is not None and col not in known:
        raise _BadRequest(f"Campo {name} n\u00e3o existe")
    return col


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _sort_key(value: str) -> tuple[int, float, str]:
    n = _number(value)
    return (0, n, "") if n is not None else (1, 0.0, fold(value))


def _match(value: str, op: str, query: str) -> bool:
    if op == "L":
        pattern = re.escape(fold(query)).replace("%", ".*")
        return re.search(pattern, fold(value)) is not None
    a, b = _number(value), _number(query)
    left: Any
    right: Any
    left, right = (a, b) if a is not None and b is not None else (fold(value), fold(query))
    if op == "=":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if op == ">":
        return bool(left > right)
    if op == ">=":
        return bool(left >= right)
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    raise _BadRequest(f"Operador {op} inv\u00e1lido")


# --- writes ---------------------------------------------------------------------------------


def _create(state: IxcSimState, table: str, body: dict[str, Any]) -> web.Response:
    row = {k: _s(v) for k, v in body.items() if k != "id"}
    known = state.columns(table)
    if known is not None:
        unknown = sorted(set(row) - known)
        if unknown:
            return _error(f"Campo {unknown[0]} n\u00e3o existe")
    missing = [f for f in REQUIRED_ON_CREATE.get(table, ()) if not row.get(f)]
    if missing:
        return _error(f"Preencha o campo {missing[0]}!")
    if known is not None:
        row = {col: row.get(col, "") for col in sorted(known - {"id"})}
    new_id = state.insert(table, row)
    return _json({"type": "success", "message": "Registro inserido com sucesso!", "id": new_id})


def _put(state: IxcSimState, table: str, id_: str, body: dict[str, Any]) -> web.Response:
    with state._lock:
        current = state.tables[table].get(id_)
        if current is None:
            return _error("Registro n\u00e3o encontrado!")
        # Whole-record semantics: what the body leaves out is blanked.
        replaced = {col: _s(body.get(col, "")) for col in current if col != "id"}
        replaced.update({k: _s(v) for k, v in body.items() if k != "id"})
        replaced["id"] = id_
        state.tables[table][id_] = replaced
    return _json({"type": "success", "message": "Registro alterado com sucesso!", "id": id_})


# --- consistent test/lab data ---------------------------------------------------------------


def _stable_secret(*parts: str) -> str:
    """A deterministic throwaway secret for fields the toolkit must never show."""
    return hashlib.sha256("|".join(("ixcsim", *parts)).encode()).hexdigest()[:12]


def add_subscriber(
    state: IxcSimState,
    *,
    login: str,
    password: str,
    ip: str,
    model_text: str,
    ssid24: str,
    psk24: str,
    ssid5: str = "",
    psk5: str = "",
    customer_name: str,
    cpf: str,
    status_internet: str = "A",
    status_velocidade: str = "N",
    contract_status: str = "A",
    onu_mode: str = "R",
    onu_model_text: str | None = None,
    duplicate_onu_row: bool = False,
    with_onu_row: bool = True,
    onu_serial: str | None = None,
    online: str = "S",
    equipment_owner: str = "C",
    plan: str = "600 Mega",
    contract_paused: bool = False,
    rx_dbm: float = -19.5,
    tx_dbm: float = 2.1,
    client_id: str | None = None,
    branch_id: str = "1",
) -> dict[str, str]:
    """Rows for one subscriber across cliente, cliente_contrato, radusuarios and
    radpop_radio_cliente_fibra, using IXC's field names. Returns the ids by table
    (plus "radpop_radio_cliente_fibra_old" with `duplicate_onu_row`).

    `model_text` names the device that answers at `ip`:2389. With `onu_mode="R"` the ONU
    terminates PPPoE, so it goes to the ONU row's `onu_tipo` (`onu_model_text`, if
    given, must agree). With `onu_mode="B"` it goes to the login's router-model field
    (fields.ROUTER_MODEL_FIELD, a guess) and the ONU row gets `onu_model_text`.
    `duplicate_onu_row` leaves an older, stale ONU row for the same login behind (a
    swapped ONU), with an unrecognisable model and a different serial.
    `client_id` attaches the login to an existing customer (second contract).
    """
    if onu_mode not in ("R", "B"):
        raise ValueError("onu_mode must be 'R' (router) or 'B' (bridge)")
    if onu_mode == "R" and onu_model_text not in (None, model_text):
        raise ValueError("with onu_mode='R' the ONU is the device: pass model_text only")
    now = datetime(2024, 5, 1, 8, 0, 0)
    serial = onu_serial or ("SF" + hashlib.sha256(login.encode()).hexdigest()[:10].upper())
    ids: dict[str, str] = {}
    if client_id is None:
        doc = digits(cpf)
        client_id = state.insert(
            "cliente",
            {
                "razao": customer_name,
                "fantasia": customer_name,
                "tipo_pessoa": "J" if len(doc) == 14 else "F",
                "cnpj_cpf": mask_cpf_cnpj(cpf),
                "ativo": "S",
                "telefone_celular": "(12) 99999-" + doc[-4:].rjust(4, "0"),
                "email": f"{login}@cliente.invalid",
                "hotsite_email": f"{login}@cliente.invalid",
                "senha": _stable_secret("portal", login),
                "cidade": "3555",
                "filial_id": branch_id,
            },
        )
    ids["cliente"] = client_id
    contract_id = state.insert(
        "cliente_contrato",
        {
            "id_cliente": client_id,
            "contrato": plan,
            "status": contract_status,
            "status_internet": status_internet,
            "status_velocidade": status_velocidade,
            "tipo": "I",
            "id_filial": branch_id,
            "data_ativacao": "2023-01-10",
            "bloqueio_automatico": "S",
            "desbloqueio_confianca": "N",
            "contrato_suspenso": "S" if contract_paused else "N",
        },
    )
    ids["cliente_contrato"] = contract_id
    login_row = {
        "id_cliente": client_id,
        "id_contrato": contract_id,
        "id_filial": branch_id,
        "id_grupo": "1",
        "login": login,
        "senha": password,
        "senha_md5": "N",
        "autenticacao": "L",
        "ativo": "S",
        "online": online,
        "ultima_conexao_inicial": (now - timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S"),
        "ip": ip,
        "mac": "",
        "onu_mac": serial if with_onu_row else "",
        "tipo_equipamento": equipment_owner,
        "ssid_router_wifi": ssid24,
        "senha_rede_sem_fio": psk24,
        "ssid_router_wifi_5ghz": ssid5,
        "senha_rede_sem_fio_5ghz": psk5,
        "usuario_router1": "",
        "senha_router1": _stable_secret("router", login),
        "tipo_acesso": "http",
        "porta_http": "2389",
        ROUTER_MODEL_FIELD: model_text if onu_mode == "B" or not with_onu_row else "",
    }
    ids["radusuarios"] = login_id = state.insert("radusuarios", login_row)
    if not with_onu_row:
        return ids

    def onu_row(mac: str, tipo: str, when: datetime, rx: float) -> dict[str, str]:
        return {
            "id_login": login_id,
            "id_contrato": contract_id,
            "id_transmissor": "1",
            "mac": mac,
            "nome": login,
            "onu_tipo": tipo,
            "tipo_operacao": onu_mode,
            "versao": "V1.0",
            "ponno": "1",
            "onu_numero": str(int(login_id) % 128),
            "login_onu_cliente": "admin",
            "senha_onu_cliente": _stable_secret("onu", login, mac),
            "sinal_rx": f"{rx:.2f}",
            "sinal_tx": f"{tx_dbm:.2f}",
            "data_sinal": when.strftime("%Y-%m-%d %H:%M:%S"),
        }

    if duplicate_onu_row:
        # Inserted first, so it has the lower id: the stale row of the swapped ONU.
        ids["radpop_radio_cliente_fibra_old"] = state.insert(
            "radpop_radio_cliente_fibra",
            onu_row(
                "OLD" + serial[3:], "ONU GEN\u00c9RICA ANTIGA", now - timedelta(days=400), -27.9
            ),
        )
    onu_text = model_text if onu_mode == "R" else (onu_model_text or "")
    ids["radpop_radio_cliente_fibra"] = state.insert(
        "radpop_radio_cliente_fibra", onu_row(serial, onu_text, now, rx_dbm)
    )
    return ids
