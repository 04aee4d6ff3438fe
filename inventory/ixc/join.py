"""The batched join (ixc-api.md §7): radusuarios ⋈ cliente_contrato ⋈ cliente ⋈
radpop_radio_cliente_fibra, in memory over a page of login rows. A page costs one range
query per joined table, not one request per login, so a 10,000-login audit takes a few
dozen requests; when a page's ids are too scattered for range queries, the joined table
is read once, whole (projected), and cached for the rest of that iteration."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from inventory.ixc.protocol import Row
from inventory.ixc.subscriber_rows import assemble, ref
from inventory.ixc.tables import CLIENTS, CONTRACTS, ONUS
from inventory.models import Subscriber

if TYPE_CHECKING:
    from inventory.ixc.source import IxcSource

log = logging.getLogger("cpe.inventory.ixc")


class Join:
    """Batch join of login rows with their contract, customer and ONU rows."""

    def __init__(self, source: IxcSource, *, allow_full_scan: bool) -> None:
        self.source = source
        self.client = source.client
        self.allow_full_scan = allow_full_scan
        self._whole: dict[tuple[str, str], dict[str, list[Row]]] = {}

    def subscribers(self, login_rows: Sequence[Row]) -> list[Subscriber]:
        contract_ids = {c for r in login_rows if (c := ref(r.get("id_contrato")))}
        client_ids = {c for r in login_rows if (c := ref(r.get("id_cliente")))}
        login_ids = [r["id"] for r in login_rows]
        contracts = self.fetch(CONTRACTS, "id", contract_ids)
        clients = self.fetch(CLIENTS, "id", client_ids)
        onus = self.fetch(ONUS, "id_login", login_ids)
        # Fallback (§7): ONU rows tied only to the contract, not to a login.
        orphan_contracts = {
            c
            for r in login_rows
            if not onus.get(r["id"]) and (c := ref(r.get("id_contrato"))) is not None
        }
        by_contract = self.fetch(ONUS, "id_contrato", orphan_contracts) if orphan_contracts else {}
        out = []
        for r in login_rows:
            onu_rows = onus.get(r["id"], [])
            if not onu_rows:
                onu_rows = [
                    o
                    for o in by_contract.get(r.get("id_contrato", ""), [])
                    if ref(o.get("id_login")) is None
                ]
            contract = _first(contracts.get(r.get("id_contrato", "")))
            client = _first(clients.get(r.get("id_cliente", "")))
            out.append(assemble(self.source, r, contract, client, onu_rows))
        return out

    def fetch(
        self,
        table: str,
        field: str,
        ids: Iterable[str],
        fields: Sequence[str] | None = None,
    ) -> dict[str, list[Row]]:
        """Rows of `table` whose `field` is one of `ids`, grouped by that field."""
        wanted = {i for i in ids if i}
        if not wanted:
            return {}
        whole = self._whole.get((table, field))
        if whole is not None:
            return {i: whole[i] for i in wanted if i in whole}
        numeric = sorted(n for i in wanted if (n := _id_number(i)) is not None)
        other = sorted(i for i in wanted if _id_number(i) is None)
        ranges = _ranges(numeric)
        if self.allow_full_scan and len(ranges) + len(other) > self.source.max_range_queries:
            log.debug("IXC %s: ids espalhados, lendo a tabela inteira uma vez", table)
            whole = _group(
                self.client.list(
                    table, "id", "0", ">", fields=fields, rp=self.source.scan_page_size
                ),
                field,
            )
            self._whole[(table, field)] = whole
            return {i: whole[i] for i in wanted if i in whole}
        grouped: dict[str, list[Row]] = {}
        qfield = f"{table}.{field}"
        for lo, hi in ranges:
            if lo == hi:
                rows = self.client.list(
                    table, qfield, str(lo), "=", fields=fields, rp=self.source.scan_page_size
                )
            else:
                rows = self.client.list(
                    table,
                    qfield,
                    str(lo),
                    ">=",
                    fields=fields,
                    grid=[(qfield, "<=", str(hi))],
                    rp=self.source.scan_page_size,
                )
            for key, items in _group(rows, field).items():
                if key in wanted:
                    grouped.setdefault(key, []).extend(items)
        for value in other:
            for key, items in _group(
                self.client.list(table, qfield, value, "=", fields=fields), field
            ).items():
                grouped.setdefault(key, []).extend(items)
        return grouped



def _id_number(value: str) -> int | None:
    """A numeric id for range queries; None for "²" (a digit to isdigit(), not to int())
    and for more digits than int() accepts."""
    if not (value.isascii() and value.isdigit()):
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _first(rows: list[Row] | None) -> Row | None:
    return rows[0] if rows else None


def _group(rows: Iterable[Row], field: str) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for r in rows:
        out.setdefault(r.get(field, ""), []).append(r)
    return out


def _ranges(ids: Sequence[int]) -> list[tuple[int, int]]:
    """Dense runs of sorted ids, so one `>= lo AND <= hi` query per run reads at most
    about four rows per wanted id (ids created together sit together)."""
    out: list[tuple[int, int]] = []
    count = 0
    for i in ids:
        if out and (i - out[-1][0] + 1) <= 4 * (count + 1) + 32:
            out[-1] = (out[-1][0], i)
            count += 1
        else:
            out.append((i, i))
            count = 1
    return out
