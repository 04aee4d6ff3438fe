"""How the simulated IXC answers a listing, a create and a PUT, as IXC does: filters with
IXC's operators (plus LIKE and IN), case- and accent-insensitive comparisons, paging
with `total` as a string, required fields on create, whole-record PUT (what the body
leaves out is blanked), and every answer as ASCII JSON, errors as `{"type":"error"}`
with HTTP 200."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from inventory.ixc.fields import LISTING_OPERATORS, fold
from inventory.ixc.sim_state import IxcSimState, as_text

#: Fields a create must fill (or IXC answers type=error) [G: the minimum of §4.5].
REQUIRED_ON_CREATE: dict[str, tuple[str, ...]] = {
    "su_oss_chamado": ("tipo", "id_cliente", "id_assunto", "mensagem", "status"),
}


def json_answer(data: Any, status: int = 200) -> web.Response:
    # IXC answers ASCII JSON (accents as \u00XX) with a text/x-json content type.
    return web.Response(
        status=status,
        body=json.dumps(data, ensure_ascii=True).encode("ascii"),
        content_type="text/x-json",
    )


def error_answer(message: str) -> web.Response:
    return json_answer({"type": "error", "message": message})


# --- listing --------------------------------------------------------------------------------


class _BadRequest(Exception):
    pass


def answer_listing(state: IxcSimState, table: str, body: dict[str, Any]) -> web.Response:
    if table not in state.tables:
        return error_answer(f"Recurso {table} n\u00e3o est\u00e1 dispon\u00edvel!")
    if any(not isinstance(v, str) for v in body.values()):
        return error_answer("Par\u00e2metros da listagem devem ser texto")
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
        return error_answer(
            str(exc) if isinstance(exc, _BadRequest) else "Par\u00e2metro inv\u00e1lido"
        )
    with state._lock:
        rows = [dict(r) for r in state.tables[table].values()]
    try:
        matched = [r for r in rows if all(_match(r.get(c, ""), op, q) for c, op, q in filters)]
    except _BadRequest as exc:
        return error_answer(str(exc))
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
    return json_answer(payload)


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
    op = op.strip().upper()
    if op not in LISTING_OPERATORS:
        raise _BadRequest(f"Operador {op} inv\u00e1lido")
    if op == "IN":
        wanted = {fold(q.strip()) for q in query.split(",") if q.strip()}
        return fold(value) in wanted
    if op in ("L", "LIKE"):
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


def answer_create(state: IxcSimState, table: str, body: dict[str, Any]) -> web.Response:
    row = {k: as_text(v) for k, v in body.items() if k != "id"}
    known = state.columns(table)
    if known is not None:
        unknown = sorted(set(row) - known)
        if unknown:
            return error_answer(f"Campo {unknown[0]} n\u00e3o existe")
    missing = [f for f in REQUIRED_ON_CREATE.get(table, ()) if not row.get(f)]
    if missing:
        return error_answer(f"Preencha o campo {missing[0]}!")
    if known is not None:
        row = {col: row.get(col, "") for col in sorted(known - {"id"})}
    new_id = state.insert(table, row)
    return json_answer(
        {"type": "success", "message": "Registro inserido com sucesso!", "id": new_id}
    )


def answer_put(state: IxcSimState, table: str, id_: str, body: dict[str, Any]) -> web.Response:
    with state._lock:
        current = state.tables[table].get(id_)
        if current is None:
            return error_answer("Registro n\u00e3o encontrado!")
        # Whole-record semantics: what the body leaves out is blanked.
        replaced = {col: as_text(body.get(col, "")) for col in current if col != "id"}
        replaced.update({k: as_text(v) for k, v in body.items() if k != "id"})
        replaced["id"] = id_
        state.tables[table][id_] = replaced
    return json_answer({"type": "success", "message": "Registro alterado com sucesso!", "id": id_})
