"""A small, strict client for IXC Soft's webservice (`/webservice/v1/<table>`).

Shapes follow docs/protocols/ixc-api.md. The rules that matter:
- every listing sends a JSON body whose values are all strings, plus `ixcsoft: listar`;
- the body decides success, never the status code or content type: `{"type":"error"}`
  arrives with HTTP 200, and so does the HTML page "Ocorreu um erro ao processar";
- rows come back whole, secrets included, so each listing keeps only a per-table
  whitelist (fields.TABLE_FIELDS) and nothing here logs a row or puts a value from one
  in an exception.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from pydantic import SecretStr

from cpe.errors import IxcError
from inventory.ixc.fields import SECRET_FIELDS, TABLE_FIELDS

__all__ = ["GridFilter", "IxcClient", "Page", "Row"]

log = logging.getLogger("cpe.inventory.ixc")

Row = dict[str, str]
Page = list[Row]
#: One extra AND filter of `grid_param`: (TB "table.field", OP, P).
GridFilter = tuple[str, str, str]
ListMethod = Literal["GET", "POST"]

OPERATORS = frozenset({"=", "!=", ">", ">=", "<", "<=", "L"})
_TABLE_RE = re.compile(r"^[a-z0-9_]+$")
# No '<' inside a tag: `<[^>]+>` rescanned to the end for every '<' without a '>'
# (quadratic: a 100 KB error message took 6 s).
_TAG_RE = re.compile(r"<[^<>]+>")
_HTML_ERROR = "Ocorreu um erro ao processar"

UNAUTHORIZED_PT = (
    "O IXC recusou o token de acesso (HTTP 401): token inválido ou sem permissão. "
    'Confira CPE_IXC_TOKEN (formato "id_do_usuario:token") e se o IP desta máquina '
    "está em Redes Permitidas do usuário da API."
)


class IxcClient:
    """Listing, read, read-merge-PUT, create and buttons over one `requests.Session`.

    `list_method`: the manual's GET with a JSON body (what IXC's own n8n node sends) is
    the default; POST with the same body and header is accepted by IXC too, and gets
    through proxies that drop GET bodies.
    """

    def __init__(
        self,
        base_url: str,
        token: SecretStr,
        *,
        session: requests.Session | None = None,
        timeout_s: float = 15.0,
        list_method: ListMethod = "GET",
        page_size: int = 500,
        retries: int = 2,
        backoff_s: float = 0.5,
        min_interval_s: float = 0.0,
    ) -> None:
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise IxcError(
                "URL do IXC inválida (esperado https://host[/webservice/v1])",
                operation="configurar IXC",
            )
        if parts.username or parts.password:
            # Never accept (or echo) credentials embedded in the URL.
            raise IxcError(
                "a URL do IXC não pode conter usuário/senha; use CPE_IXC_TOKEN",
                operation="configurar IXC",
            )
        secret = token.get_secret_value().strip()
        user, sep, key = secret.partition(":")
        if not sep or not user or not key:
            raise IxcError(
                'token do IXC em formato inválido (esperado "id_do_usuario:token")',
                operation="configurar IXC",
            )
        if list_method not in ("GET", "POST"):
            raise ValueError(f"list_method must be GET or POST, not {list_method!r}")
        path = parts.path.rstrip("/")
        if not path.endswith("/webservice/v1"):
            path += "/webservice/v1"
        self.base_url = f"{parts.scheme}://{parts.netloc}{path}"
        #: host[:port] only: safe for messages.
        self.host = parts.netloc
        self._auth = SecretStr("Basic " + base64.b64encode(secret.encode()).decode("ascii"))
        self._session = session or requests.Session()
        self.timeout_s = timeout_s
        self.list_method: ListMethod = list_method
        self.page_size = page_size
        self.retries = retries
        self.backoff_s = backoff_s
        self.min_interval_s = min_interval_s
        self._pace_lock = threading.Lock()
        self._next_slot = 0.0

    def __repr__(self) -> str:
        return f"IxcClient(base_url={self.base_url!r}, token=<hidden>)"

    # -- listing ----------------------------------------------------------------------------

    def pages(
        self,
        table: str,
        qtype: str,
        query: str,
        oper: str = "=",
        *,
        grid: Sequence[GridFilter] | None = None,
        fields: Iterable[str] | None = None,
        rp: int | None = None,
        sortname: str | None = None,
        sortorder: Literal["asc", "desc"] = "asc",
    ) -> Iterator[Page]:
        """Yield projected rows one page at a time until `total` rows were read."""
        keep = self._projection(table, fields)
        body = _listing_body(table, qtype, query, oper, rp or self.page_size, sortname, sortorder)
        if grid:
            body["grid_param"] = json.dumps(
                [{"TB": tb, "OP": op, "P": str(p)} for tb, op, p in grid]
            )
        page, seen = 1, 0
        while True:
            body["page"] = str(page)
            data = self._listing(table, body)
            total = _total(data, self.host, table)
            rows = _rows(data, self.host, table)
            seen += len(rows)
            log.debug("IXC listar %s página %d: %d de %d", table, page, seen, total)
            if rows:
                yield [_project(r, keep) for r in rows]
            # An empty page ends it too: `total` may shrink while we read.
            if not rows or seen >= total:
                return
            page += 1

    def count(self, table: str, qtype: str, query: str, oper: str = "=") -> int:
        """How many rows a listing would yield: one request of one row, its `total`."""
        body = _listing_body(table, qtype, query, oper, 1, None, "asc") | {"page": "1"}
        return _total(self._listing(table, body), self.host, table)

    def list(
        self,
        table: str,
        qtype: str,
        query: str,
        oper: str = "=",
        *,
        grid: Sequence[GridFilter] | None = None,
        fields: Iterable[str] | None = None,
        rp: int | None = None,
        sortname: str | None = None,
        sortorder: Literal["asc", "desc"] = "asc",
    ) -> Iterator[Row]:
        """Every matching row (projected), streamed across pages."""
        for chunk in self.pages(
            table,
            qtype,
            query,
            oper,
            grid=grid,
            fields=fields,
            rp=rp,
            sortname=sortname,
            sortorder=sortorder,
        ):
            yield from chunk

    def get(self, table: str, id_: str, *, fields: Iterable[str] | None = None) -> Row | None:
        """One record by id (projected), or None."""
        keep = self._projection(table, fields)
        raw = self._get_raw(table, id_)
        return None if raw is None else _project(raw, keep)

    def _get_raw(self, table: str, id_: str) -> Row | None:
        if not _TABLE_RE.match(table):
            raise ValueError(f"invalid IXC table name {table!r}")
        body = {
            "qtype": f"{table}.id",
            "query": str(id_),
            "oper": "=",
            "page": "1",
            "rp": "1",
            "sortname": f"{table}.id",
            "sortorder": "asc",
        }
        rows = _rows(self._listing(table, body), self.host, table)
        return rows[0] if rows else None

    # -- writes ---------------------------------------------------------------------------

    def update_full(self, table: str, id_: str, patch: Mapping[str, str | SecretStr]) -> None:
        """Edit = PUT of the *whole* record: read it, merge `patch`, write it all back.

        IXC blanks what a PUT leaves out, so a partial body would wipe the record."""
        op = f"alterar {table}"
        current = self._get_raw(table, id_)
        if current is None:
            raise IxcError(f"registro {table} {id_} não encontrado", device=self.host, operation=op)
        merged = {**current, **{k: _plain(v) for k, v in patch.items()}}
        merged.pop("id", None)
        secrets = _secret_values(merged)
        data = self._request("PUT", f"{table}/{id_}", merged, op=op, secrets=secrets)
        _expect_success(data, self.host, op, secrets)

    def create(self, table: str, row: Mapping[str, str | SecretStr]) -> str:
        """POST a new record; returns the id IXC assigned."""
        op = f"inserir {table}"
        body = {k: _plain(v) for k, v in row.items()}
        secrets = _secret_values(body)
        data = self._request("POST", table, body, op=op, secrets=secrets)
        _expect_success(data, self.host, op, secrets)
        new_id = str(data.get("id") or "").strip() if isinstance(data, dict) else ""
        if not new_id:
            raise IxcError(
                "o IXC confirmou a inclusão mas não devolveu o id", device=self.host, operation=op
            )
        return new_id

    def call(self, button: str, body: Mapping[str, str]) -> Any:
        """POST to an action route ("botão"); returns the parsed answer.

        Raises on `{"type":"error"}` and on the nested `{"msg":[{"type":"error"}]}` shape
        of `desconectar_clientes`."""
        op = f"botão {button}"
        data = self._request("POST", button, {k: str(v) for k, v in body.items()}, op=op)
        _raise_if_error(data, self.host, op, ())
        nested = data.get("msg") if isinstance(data, dict) else None
        if isinstance(nested, list):
            for item in nested:
                _raise_if_error(item, self.host, op, ())
        return data

    # -- transport ------------------------------------------------------------------------

    def _projection(self, table: str, fields: Iterable[str] | None) -> tuple[str, ...]:
        if not _TABLE_RE.match(table):
            raise ValueError(f"invalid IXC table name {table!r}")
        if fields is not None:
            return tuple(fields)
        try:
            return TABLE_FIELDS[table]
        except KeyError:
            raise ValueError(
                f"no field whitelist for IXC table {table!r}: pass fields=(...)"
            ) from None

    def _listing(self, table: str, body: dict[str, str]) -> Any:
        op = f"listar {table}"
        attempt = 0
        while True:
            try:
                return self._request(
                    self.list_method,
                    table,
                    body,
                    op=op,
                    headers={"ixcsoft": "listar"},
                    transport_errors=True,
                )
            except _TransportError as exc:
                # Reads are safe to repeat; writes never are.
                if attempt >= self.retries:
                    raise exc.error from exc.__cause__
                attempt += 1
                time.sleep(self.backoff_s * 2 ** (attempt - 1))

    def _pace(self) -> None:
        if self.min_interval_s <= 0:
            return
        with self._pace_lock:
            now = time.monotonic()
            wait = self._next_slot - now
            self._next_slot = max(now, self._next_slot) + self.min_interval_s
        if wait > 0:
            time.sleep(wait)

    def _request(
        self,
        method: str,
        path: str,
        body: Mapping[str, str],
        *,
        op: str,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        transport_errors: bool = False,
    ) -> Any:
        url = f"{self.base_url}/{path}"
        send = {
            "Authorization": self._auth.get_secret_value(),
            "Content-Type": "application/json",
            "Accept": "application/json",
            **(headers or {}),
        }
        self._pace()
        try:
            resp = self._session.request(
                method,
                url,
                data=json.dumps(dict(body)).encode("utf-8"),
                headers=send,
                timeout=self.timeout_s,
            )
        except requests.Timeout as exc:
            err = IxcError(
                f"o IXC em {self.host} não respondeu em {self.timeout_s:g} s",
                device=self.host,
                operation=op,
            )
            if transport_errors:
                raise _TransportError(err) from exc
            raise err from exc
        except requests.RequestException as exc:
            err = IxcError(
                f"sem conexão com o IXC em {self.host} ({type(exc).__name__})",
                device=self.host,
                operation=op,
            )
            if transport_errors:
                raise _TransportError(err) from exc
            raise err from exc
        return _parse(resp, self.host, op, tuple(secrets))


class _TransportError(Exception):
    """Internal: a retryable transport failure carrying the error to raise at the end."""

    def __init__(self, error: IxcError) -> None:
        super().__init__(str(error))
        self.error = error


# -- body parsing ---------------------------------------------------------------------------


def _parse(resp: requests.Response, host: str, op: str, secrets: Sequence[str]) -> Any:
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
    _raise_if_error(data, host, op, secrets)
    if resp.status_code >= 400:
        raise IxcError(f"o IXC respondeu HTTP {resp.status_code}", device=host, operation=op)
    return data


def _raise_if_error(data: Any, host: str, op: str, secrets: Sequence[str]) -> None:
    if isinstance(data, dict) and str(data.get("type", "")).lower() == "error":
        raise IxcError(_clean(data.get("message"), secrets), device=host, operation=op)


def _expect_success(data: Any, host: str, op: str, secrets: Sequence[str]) -> None:
    if not (isinstance(data, dict) and str(data.get("type", "")).lower() == "success"):
        raise IxcError(
            "o IXC não confirmou a gravação (type != success)", device=host, operation=op
        )


def _clean(message: Any, secrets: Sequence[str]) -> str:
    """IXC's own message, as plain short text, with any value we sent as a secret masked."""
    text = _TAG_RE.sub(" ", str(message or "erro sem mensagem"))
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = " ".join(text.split())
    return text[:300] or "erro sem mensagem"


def _listing_body(
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


def _total(data: Any, host: str, table: str) -> int:
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


def _rows(data: Any, host: str, table: str) -> list[Row]:
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


def _project(row: Row, keep: Sequence[str]) -> Row:
    return {k: row.get(k, "") for k in keep}


def _plain(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)


def _secret_values(body: Mapping[str, str]) -> list[str]:
    return [v for k, v in body.items() if k in SECRET_FIELDS and v]
