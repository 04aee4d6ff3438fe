"""IXC's webservice rules, without I/O (docs/protocols/ixc-api.md): the body of a
`listar` request, and how an answer is read. The body decides success, never the status
code or content type: `{"type":"error"}` arrives with HTTP 200, and so does the HTML page
"Ocorreu um erro ao processar". Rows come back whole, secrets included, so a row is
projected to a whitelist and IXC's messages are cleaned of markup and of every secret we
sent before they reach an exception.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import requests
from pydantic import SecretStr

from cpe.errors import IxcError
from inventory.ixc.fields import SECRET_FIELDS

Row = dict[str, str]

OPERATORS = frozenset({"=", "!=", ">", ">=", "<", "<=", "L"})
# No '<' inside a tag: `<[^>]+>` rescanned to the end for every '<' without a '>'
# (quadratic: a 100 KB error message took 6 s).
_TAG_RE = re.compile(r"<[^<>]+>")
_HTML_ERROR = "Ocorreu um erro ao processar"

UNAUTHORIZED_PT = (
    "O IXC recusou o token de acesso (HTTP 401): token inválido ou sem permissão. "
    'Confira CPE_IXC_TOKEN (formato "id_do_usuario:token") e se o IP desta máquina '
    "está em Redes Permitidas do usuário da API."
)


def parse_answer(resp: requests.Response, host: str, op: str, secrets: Sequence[str]) -> Any:
    if resp.status_code == 401:
        raise IxcError(
            "token inválido (HTTP 401)", device=host, operation=op, detail_pt=UNAUTHORIZED_PT
        )
    text = resp.content.decode("utf-8", errors="replace").strip()
    if not text:
        raise IxcError(
            f"resposta vazia do IXC (HTTP {resp.status_code})", device=host, operation=op
        )
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nesting too deep
        data = None
    if data is None:
        lowered = text[:2000].lower()
        if _HTML_ERROR.lower() in lowered:
            msg = f'o IXC devolveu a página de erro "{_HTML_ERROR}" (corpo não-JSON?)'
        elif lowered.startswith("<") or "<html" in lowered:
            msg = f"o IXC devolveu uma página HTML em vez de JSON (HTTP {resp.status_code})"
        else:
            msg = f"resposta do IXC não é JSON (HTTP {resp.status_code}, {len(text)} bytes)"
        raise IxcError(msg, device=host, operation=op)
    raise_if_error(data, host, op, secrets)
    if resp.status_code >= 400:
        raise IxcError(f"o IXC respondeu HTTP {resp.status_code}", device=host, operation=op)
    return data


def raise_if_error(data: Any, host: str, op: str, secrets: Sequence[str]) -> None:
    if isinstance(data, dict) and str(data.get("type", "")).lower() == "error":
        raise IxcError(clean_message(data.get("message"), secrets), device=host, operation=op)


def expect_success(data: Any, host: str, op: str, secrets: Sequence[str]) -> None:
    if not (isinstance(data, dict) and str(data.get("type", "")).lower() == "success"):
        raise IxcError(
            "o IXC não confirmou a gravação (type != success)", device=host, operation=op
        )


def clean_message(message: Any, secrets: Sequence[str]) -> str:
    """IXC's own message, as plain short text, with any value we sent as a secret masked."""
    text = _TAG_RE.sub(" ", str(message or "erro sem mensagem"))
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = " ".join(text.split())
    return text[:300] or "erro sem mensagem"


def listing_body(
    table: str,
    qtype: str,
    query: str,
    oper: str,
    rp: int,
    sortname: str | None,
    sortorder: str,
) -> dict[str, str]:
    """The form of a `listar` request (page added by the caller)."""
    if oper not in OPERATORS:
        raise ValueError(f"unsupported IXC operator {oper!r}")
    return {
        "qtype": qtype if "." in qtype else f"{table}.{qtype}",
        "query": str(query),
        "oper": oper,
        "rp": str(rp),
        "sortname": sortname or f"{table}.id",
        "sortorder": sortorder,
    }


def total_of(data: Any, host: str, table: str) -> int:
    if not isinstance(data, dict):
        raise IxcError(
            "listagem do IXC em formato inesperado", device=host, operation=f"listar {table}"
        )
    raw = data.get("total", 0)
    try:
        return int(str(raw).strip() or 0)
    except ValueError:
        raise IxcError(
            "listagem do IXC com 'total' não numérico", device=host, operation=f"listar {table}"
        ) from None


def rows_of(data: Any, host: str, table: str) -> list[Row]:
    """`registros` as a list or a dict of rows; `rows` as a fallback (ixc_logs)."""
    if not isinstance(data, dict):
        raise IxcError(
            "listagem do IXC em formato inesperado", device=host, operation=f"listar {table}"
        )
    raw = data.get("registros")
    if raw is None:
        raw = data.get("rows")
    if raw is None or raw == "":
        return []
    items = list(raw.values()) if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise IxcError(
            "listagem do IXC com 'registros' inesperado", device=host, operation=f"listar {table}"
        )
    out: list[Row] = []
    for item in items:
        if isinstance(item, dict):
            out.append({str(k): _text(v) for k, v in item.items()})
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return str(value)


def project(row: Row, keep: Sequence[str]) -> Row:
    return {k: row.get(k, "") for k in keep}


def plain(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)


def secret_values(body: Mapping[str, str]) -> list[str]:
    return [v for k, v in body.items() if k in SECRET_FIELDS and v]
