"""A small, strict client for IXC Soft's webservice (`/webservice/v1/<table>`).

Shapes follow docs/protocols/ixc-api.md. The rules that matter:
- every listing sends a JSON body whose values are all strings, plus `ixcsoft: listar`;
- the body decides success, never the status code or content type: `{"type":"error"}`
  arrives with HTTP 200, and so does the HTML page "Ocorreu um erro ao processar";
- rows come back whole, secrets included, so each listing keeps only a per-table
  whitelist (fields.TABLE_FIELDS) and nothing here logs a row or puts a value from one
  in an exception.

This module is the transport (session, pacing, retries of reads) and the API calls; the
request bodies and the reading of answers are inventory.ixc.protocol.
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
from inventory.ixc.fields import TABLE_FIELDS
from inventory.ixc.protocol import (
    Row,
    expect_success,
    listing_body,
    parse_answer,
    plain,
    project,
    raise_if_error,
    rows_of,
    secret_values,
    total_of,
)

__all__ = ["GridFilter", "IxcClient", "Page", "Row"]

log = logging.getLogger("cpe.inventory.ixc")

Page = list[Row]
#: One extra AND filter of `grid_param`: (TB "table.field", OP, P).
GridFilter = tuple[str, str, str]
ListMethod = Literal["GET", "POST"]

_TABLE_RE = re.compile(r"^[a-z0-9_]+$")


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
        body = listing_body(table, qtype, query, oper, rp or self.page_size, sortname, sortorder)
        if grid:
            body["grid_param"] = json.dumps(
                [{"TB": tb, "OP": op, "P": str(p)} for tb, op, p in grid]
            )
        page, seen = 1, 0
        while True:
            body["page"] = str(page)
            data = self._listing(table, body)
            total = total_of(data, self.host, table)
            rows = rows_of(data, self.host, table)
            seen += len(rows)
            log.debug("IXC listar %s página %d: %d de %d", table, page, seen, total)
            if rows:
                yield [project(r, keep) for r in rows]
            # An empty page ends it too: `total` may shrink while we read.
            if not rows or seen >= total:
                return
            page += 1

    def count(self, table: str, qtype: str, query: str, oper: str = "=") -> int:
        """How many rows a listing would yield: one request of one row, its `total`."""
        body = listing_body(table, qtype, query, oper, 1, None, "asc") | {"page": "1"}
        return total_of(self._listing(table, body), self.host, table)

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
        return None if raw is None else project(raw, keep)

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
        rows = rows_of(self._listing(table, body), self.host, table)
        return rows[0] if rows else None

    # -- writes ---------------------------------------------------------------------------

    def update_full(self, table: str, id_: str, patch: Mapping[str, str | SecretStr]) -> None:
        """Edit = PUT of the *whole* record: read it, merge `patch`, write it all back.

        IXC blanks what a PUT leaves out, so a partial body would wipe the record."""
        op = f"alterar {table}"
        current = self._get_raw(table, id_)
        if current is None:
            raise IxcError(f"registro {table} {id_} não encontrado", device=self.host, operation=op)
        merged = {**current, **{k: plain(v) for k, v in patch.items()}}
        merged.pop("id", None)
        secrets = secret_values(merged)
        data = self._request("PUT", f"{table}/{id_}", merged, op=op, secrets=secrets)
        expect_success(data, self.host, op, secrets)

    def create(self, table: str, row: Mapping[str, str | SecretStr]) -> str:
        """POST a new record; returns the id IXC assigned."""
        op = f"inserir {table}"
        body = {k: plain(v) for k, v in row.items()}
        secrets = secret_values(body)
        data = self._request("POST", table, body, op=op, secrets=secrets)
        expect_success(data, self.host, op, secrets)
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
        raise_if_error(data, self.host, op, ())
        nested = data.get("msg") if isinstance(data, dict) else None
        if isinstance(nested, list):
            for item in nested:
                raise_if_error(item, self.host, op, ())
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
        return parse_answer(resp, self.host, op, tuple(secrets))


class _TransportError(Exception):
    """Internal: a retryable transport failure carrying the error to raise at the end."""

    def __init__(self, error: IxcError) -> None:
        super().__init__(str(error))
        self.error = error
