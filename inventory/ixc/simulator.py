"""An IXC webservice simulator (aiohttp) for tests and the lab.

It answers like IXC does according to docs/protocols/ixc-api.md, not like our client
would like: Basic auth or 401; listing only with `ixcsoft: listar`, the body JSON or a
form (urlencoded or multipart: IXC's own PHP `WebserviceClient` posts its listing fields
as a form, to `/webservice/v1/<table>/` with a trailing slash, and so does
vazcaino/ixc_api_python; knob `form_bodies=False` models a tenant that answers a form with
the HTML "Ocorreu um erro ao processar", as lzr-hub reports); all values strings, `total`
a string; operators `= != > >= < <= L`, plus `LIKE` and `IN` (comma list) that public
clients send (ixc-utils); a table the token may not use answers 200 with
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
import json
import secrets
from typing import Any

from aiohttp import web

from inventory.ixc.sim_answers import (
    answer_create,
    answer_listing,
    answer_put,
    error_answer,
    json_answer,
)
from inventory.ixc.sim_data import add_subscriber
from inventory.ixc.sim_state import SCHEMAS, IxcSimState

__all__ = ["HTML_ERROR_PAGE", "SCHEMAS", "IxcSimState", "add_subscriber", "build_app"]

HTML_ERROR_PAGE = (
    "<html><head><title>IXC Provedor</title></head><body>"
    '<div class="erro">Ocorreu um erro ao processar a requisi\u00e7\u00e3o.</div>'
    "</body></html>"
)


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
            return error_answer(f"Recurso {table} n\u00e3o est\u00e1 dispon\u00edvel!")
        body = await _request_body(request, state)
        if body is None:
            return _html_error()
        if listar:
            return answer_listing(state, table, body)
        if request.method == "GET":
            return error_answer("Para listar registros envie o cabe\u00e7alho ixcsoft: listar")
        if table in state.buttons:
            return json_answer(state.buttons[table](state, body))
        if table not in state.tables:
            return error_answer(f"Recurso {table} n\u00e3o est\u00e1 dispon\u00edvel!")
        return answer_create(state, table, body)

    async def record(request: web.Request) -> web.Response:
        table, id_ = request.match_info["table"], request.match_info["id"]
        state.requests[(request.method, table, "")] += 1
        if table in state.forbidden or table not in state.tables:
            return error_answer(f"Recurso {table} n\u00e3o est\u00e1 dispon\u00edvel!")
        if request.method == "DELETE":
            with state._lock:
                if state.tables[table].pop(id_, None) is None:
                    return error_answer("Registro n\u00e3o encontrado!")
            return json_answer(
                {"type": "success", "message": "Registro exclu\u00eddo com sucesso!"}
            )
        body = await _request_body(request, state)
        if body is None:
            return _html_error()
        return answer_put(state, table, id_, body)

    # With or without the trailing slash IXC's own PHP client always adds.
    for method in ("GET", "POST"):
        app.router.add_route(method, "/webservice/v1/{table}", collection)
        app.router.add_route(method, "/webservice/v1/{table}/", collection)
    for method in ("PUT", "DELETE"):
        app.router.add_route(method, "/webservice/v1/{table}/{id}", record)
        app.router.add_route(method, "/webservice/v1/{table}/{id}/", record)
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


_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def _request_body(request: web.Request, state: IxcSimState) -> dict[str, Any] | None:
    """The body as an object (JSON, or a form's fields as strings), or None when IXC would
    fail ("Ocorreu um erro")."""
    if request.content_type in _FORMS:
        if not state.form_bodies:
            return None
        form = await request.post()
        return {str(k): str(v) for k, v in form.items() if isinstance(v, str)}
    raw = await request.read()
    if not raw:
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None
