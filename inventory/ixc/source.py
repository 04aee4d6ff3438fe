"""Subscribers from IXC: radusuarios ⋈ cliente_contrato ⋈ cliente ⋈ radpop_radio_cliente_fibra.

The join (ixc-api.md §7) runs in memory over *batches* of logins: a page of
`radusuarios` rows costs one range query per joined table, not one request per login,
so a 10,000-login audit takes a few dozen requests. When a page's ids are too scattered
for range queries, the joined table is read once, whole (projected), and cached for the
rest of that iteration.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice

from pydantic import SecretStr

from cpe.errors import InputError, InventoryError, UnknownLogin
from cpe.models import DEFAULT_PORT, Band
from inventory.base import StatusFilter, matches, status_set, validate_wifi
from inventory.ixc.client import IxcClient, Row
from inventory.ixc.fields import (
    ONLINE,
    ROUTER_MODEL_FIELD,
    TABLE_FIELDS,
    digits,
    fold,
    internet_status,
    looks_like_cpf_cnpj,
    mask_cpf_cnpj,
    model_from_text,
)
from inventory.models import ContractState, Subscriber, WifiRecord

__all__ = ["IxcSource"]

log = logging.getLogger("cpe.inventory.ixc")

LOGINS, CONTRACTS, CLIENTS, ONUS = (
    "radusuarios",
    "cliente_contrato",
    "cliente",
    "radpop_radio_cliente_fibra",
)
SERVICE_ORDERS = "su_oss_chamado"

#: radusuarios field pairs per band: (SSID, key).
WIFI_FIELDS: dict[Band, tuple[str, str]] = {
    Band.GHZ_2_4: ("ssid_router_wifi", "senha_rede_sem_fio"),
    Band.GHZ_5: ("ssid_router_wifi_5ghz", "senha_rede_sem_fio_5ghz"),
}
PRIORITIES = frozenset({"B", "N", "A", "C"})


class IxcSource:
    """The inventory protocol (inventory.base.InventorySource) over an IxcClient."""

    name = "ixc"
    can_open_service_orders = True

    def __init__(
        self,
        client: IxcClient,
        *,
        port: int = DEFAULT_PORT,
        router_model_field: str = ROUTER_MODEL_FIELD,
        page_size: int = 500,
        scan_page_size: int = 1000,
        max_range_queries: int = 16,
    ) -> None:
        self.client = client
        self.port = port
        self.router_model_field = router_model_field
        self.page_size = page_size
        #: Page size of the join queries (ranges, whole-table reads): fewer, larger pages.
        self.scan_page_size = scan_page_size
        #: Above this many range queries per page and table, read the table whole once.
        self.max_range_queries = max_range_queries
        base = TABLE_FIELDS[LOGINS]
        self._login_fields = tuple(dict.fromkeys((*base, router_model_field)))

    def __repr__(self) -> str:
        return f"IxcSource({self.client!r})"

    # -- reads ------------------------------------------------------------------------------

    def subscriber(self, login: str) -> Subscriber:
        login = login.strip()
        if not login:
            raise InputError("login PPPoE vazio", operation="consultar login")
        rows = list(self._logins("login", login, rp=20))
        row = _pick_login(rows, login)
        if row is None:
            raise UnknownLogin(
                f"login {login!r} não existe no IXC", device=login, operation="consultar login"
            )
        return _Join(self, allow_full_scan=False).subscribers([row])[0]

    def subscribers_by_id(self, login_ids: Sequence[str]) -> list[Subscriber]:
        """The subscribers of these `radusuarios` ids (unknown ids left out): a worker
        reads a chunk of an audit in a few range queries instead of a lookup per login."""
        join = _Join(self, allow_full_scan=False)
        rows = join.fetch(LOGINS, "id", login_ids, self._login_fields)
        return join.subscribers([r for i in login_ids for r in rows.get(i, [])[:1]])

    def search(self, text: str, *, limit: int = 50) -> list[Subscriber]:
        text = text.strip()
        if not text:
            return []
        document = looks_like_cpf_cnpj(text)
        login_rows: dict[str, Row] = {}
        # Exact login first (IXC's "=" ignores case and accents; some ISPs use the CPF as
        # the login), then partial logins. islice stops the paging: `rp` is a page size.
        for oper in ("=",) if document else ("=", "L"):
            for row in islice(self._logins("login", text, oper=oper, rp=limit), limit):
                login_rows.setdefault(row["id"], row)
        if document:
            client_ids = self._clients_by_document(text, limit)
        else:
            client_ids = [
                r["id"]
                for r in islice(self.client.list(CLIENTS, "razao", text, "L", rp=limit), limit)
            ]
        if client_ids and len(login_rows) < limit:
            by_client = _Join(self, allow_full_scan=False).fetch(
                LOGINS, "id_cliente", client_ids, self._login_fields
            )
            for cid in client_ids:
                for row in sorted(by_client.get(cid, []), key=lambda r: _int(r["id"])):
                    login_rows.setdefault(row["id"], row)
        rows = list(login_rows.values())[:limit]
        exact = [r for r in rows if fold(r.get("login", "")) == fold(text)]
        rest = [r for r in rows if fold(r.get("login", "")) != fold(text)]
        return _Join(self, allow_full_scan=False).subscribers(exact + rest)

    def count_hint(self) -> int:
        """How many logins `iter_subscribers()` will walk (the register's size, from one
        listing request): lets a batch show its total and ETA without reading ahead."""
        return self.client.count(LOGINS, "id", "0", ">")

    def iter_subscribers(
        self,
        *,
        model: str | None = None,
        login_glob: str | None = None,
        contract_status: StatusFilter = None,
    ) -> Iterator[Subscriber]:
        statuses = status_set(contract_status)
        join = _Join(self, allow_full_scan=True)
        if login_glob and not any(c in login_glob for c in "*?["):
            pages = self.client.pages(
                LOGINS, "login", login_glob, "=", fields=self._login_fields, rp=self.page_size
            )
        else:
            pages = self.client.pages(
                LOGINS, "id", "0", ">", fields=self._login_fields, rp=self.page_size
            )
        for page in pages:
            if login_glob:
                page = [r for r in page if fnmatch.fnmatchcase(r.get("login", ""), login_glob)]
            if not page:
                continue
            for sub in join.subscribers(page):
                if matches(sub, model=model, login_glob=login_glob, statuses=statuses):
                    yield sub

    # -- writes -----------------------------------------------------------------------------

    def update_wifi(self, login: str, records: Iterable[WifiRecord]) -> Subscriber:
        """Read-merge-PUT of the login's radusuarios record (every other field kept)."""
        login = login.strip()
        wanted = validate_wifi(login, records)
        row = _pick_login(list(self._logins("login", login, rp=20)), login)
        if row is None:
            raise UnknownLogin(
                f"login {login!r} não existe no IXC", device=login, operation="alterar Wi-Fi"
            )
        patch: dict[str, str | SecretStr] = {}
        for rec in wanted:
            ssid_field, key_field = WIFI_FIELDS[rec.band]
            patch[ssid_field] = rec.ssid
            if rec.passphrase is not None:
                patch[key_field] = rec.passphrase
        self.client.update_full(LOGINS, row["id"], patch)
        log.info(
            "Wi-Fi do login %s atualizado no IXC (%s)",
            login,
            ", ".join(r.band.value for r in wanted),
        )
        return self.subscriber(row.get("login") or login)

    def open_service_order(
        self,
        subscriber: Subscriber,
        message: str,
        *,
        assunto_id: str,
        setor: str,
        prioridade: str = "N",
        tipo: str = "C",
        origem_endereco: str | None = None,
        melhor_horario_agenda: str = "Q",
        now: datetime | None = None,
    ) -> str:
        """POST su_oss_chamado with the fields of ixc-api.md §4.5; returns the O.S. id."""
        op = "abrir O.S."
        if not subscriber.client_id:
            raise InventoryError("login sem cliente no IXC", device=subscriber.login, operation=op)
        if not message.strip():
            raise InputError(
                "a mensagem da O.S. não pode ser vazia", device=subscriber.login, operation=op
            )
        if prioridade not in PRIORITIES:
            raise InputError(
                f"prioridade inválida {prioridade!r} (use B, N, A ou C)",
                device=subscriber.login,
                operation=op,
            )
        if not assunto_id.strip() or not setor.strip():
            raise InputError(
                "informe o assunto e o setor da O.S.", device=subscriber.login, operation=op
            )
        contract_id = subscriber.contract.contract_id if subscriber.contract else None
        row = {
            "tipo": tipo,
            "id_cliente": subscriber.client_id,
            "id_login": subscriber.login_id or "",
            "id_contrato_kit": contract_id or "",
            "id_assunto": assunto_id,
            "setor": setor,
            "id_filial": subscriber.branch_id or "",
            "status": "A",
            "prioridade": prioridade,
            # [G] L = the login's (installation) address when we know the login.
            "origem_endereco": origem_endereco or ("L" if subscriber.login_id else "C"),
            "mensagem": message.strip(),
            "data_abertura": (now or datetime.now()).strftime("%Y-%m-%d %H:%M:%S"),
            "melhor_horario_agenda": melhor_horario_agenda,
        }
        os_id = self.client.create(SERVICE_ORDERS, row)
        log.info("O.S. %s aberta no IXC para o login %s", os_id, subscriber.login)
        return os_id

    # -- helpers ----------------------------------------------------------------------------

    def _logins(self, field: str, value: str, oper: str = "=", *, rp: int) -> Iterator[Row]:
        return self.client.list(LOGINS, field, value, oper, fields=self._login_fields, rp=rp)

    def _clients_by_document(self, text: str, limit: int) -> list[str]:
        """IXC stores CPF/CNPJ masked, but imports leave some bare: ask for both."""
        ids: dict[str, None] = {}
        for form in dict.fromkeys((mask_cpf_cnpj(text), digits(text))):
            for row in islice(self.client.list(CLIENTS, "cnpj_cpf", form, "=", rp=limit), limit):
                ids.setdefault(row["id"], None)
        return list(ids)[:limit]


class _Join:
    """Batch join of login rows with their contract, customer and ONU rows."""

    def __init__(self, source: IxcSource, *, allow_full_scan: bool) -> None:
        self.source = source
        self.client = source.client
        self.allow_full_scan = allow_full_scan
        self._whole: dict[tuple[str, str], dict[str, list[Row]]] = {}

    def subscribers(self, login_rows: Sequence[Row]) -> list[Subscriber]:
        contract_ids = {c for r in login_rows if (c := _ref(r.get("id_contrato")))}
        client_ids = {c for r in login_rows if (c := _ref(r.get("id_cliente")))}
        login_ids = [r["id"] for r in login_rows]
        contracts = self.fetch(CONTRACTS, "id", contract_ids)
        clients = self.fetch(CLIENTS, "id", client_ids)
        onus = self.fetch(ONUS, "id_login", login_ids)
        # Fallback (§7): ONU rows tied only to the contract, not to a login.
        orphan_contracts = {
            c
            for r in login_rows
            if not onus.get(r["id"]) and (c := _ref(r.get("id_contrato"))) is not None
        }
        by_contract = self.fetch(ONUS, "id_contrato", orphan_contracts) if orphan_contracts else {}
        out = []
        for r in login_rows:
            onu_rows = onus.get(r["id"], [])
            if not onu_rows:
                onu_rows = [
                    o
                    for o in by_contract.get(r.get("id_contrato", ""), [])
                    if _ref(o.get("id_login")) is None
                ]
            contract = _first(contracts.get(r.get("id_contrato", "")))
            client = _first(clients.get(r.get("id_cliente", "")))
            out.append(_assemble(self.source, r, contract, client, onu_rows))
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


# -- assembling one subscriber --------------------------------------------------------------


def _assemble(
    source: IxcSource, login: Row, contract: Row | None, client: Row | None, onus: list[Row]
) -> Subscriber:
    onu = _pick_onu(onus, login.get("onu_mac", ""))
    model_text, model_source = _model_text(source.router_model_field, login, onu)
    return Subscriber(
        login=login.get("login", ""),
        login_id=login.get("id") or None,
        client_id=_ref(login.get("id_cliente")),
        customer_name=(client or {}).get("razao") or (client or {}).get("fantasia") or None,
        cpf_cnpj=(client or {}).get("cnpj_cpf") or None,
        pppoe_password=_secret(login.get("senha")),
        host=_host(login.get("ip")),
        port=source.port,
        model=model_from_text(model_text),
        model_text=model_text,
        model_source=model_source,
        online=ONLINE.get(login.get("online", "").strip().upper()),
        equipment_owner=login.get("tipo_equipamento", "").strip().upper() or None,
        contract=_contract(login, contract),
        wifi=_wifi(login),
        onu_rows=len(onus),
        onu_serial=(onu or {}).get("mac") or None,
        onu_mode=((onu or {}).get("tipo_operacao") or "").strip().upper() or None,
        branch_id=_ref(login.get("id_filial")),
    )


def _model_text(router_field: str, login: Row, onu: Row | None) -> tuple[str | None, str | None]:
    """[G] An ONU in router mode terminates PPPoE itself: its `onu_tipo` names the device
    at radusuarios.ip. Otherwise the device is the router in comodato, whose model is in
    the login's `router_field` (first line)."""
    if onu is not None and onu.get("tipo_operacao", "").strip().upper() == "R":
        text = onu.get("onu_tipo", "").strip()
        if text:
            return text[:64], f"{ONUS}.onu_tipo"
    lines = login.get(router_field, "").strip().splitlines()
    text = lines[0].strip()[:64] if lines else ""
    if text:
        return text, f"{LOGINS}.{router_field}"
    return None, None


def _pick_onu(rows: list[Row], onu_mac: str) -> Row | None:
    """Duplicate ONU rows (a swapped ONU leaves its old row): prefer the one whose serial
    the login points at, then the newest (highest id)."""
    if not rows:
        return None
    mac = fold(onu_mac.strip())
    return max(
        rows,
        key=lambda r: (bool(mac) and fold(r.get("mac", "").strip()) == mac, _int(r.get("id", ""))),
    )


def _pick_login(rows: list[Row], login: str) -> Row | None:
    if not rows:
        return None
    # IXC's "=" ignores case: prefer the exact spelling, then active, then newest.
    return max(
        rows,
        key=lambda r: (
            r.get("login") == login,
            r.get("ativo", "S").upper() == "S",
            _int(r.get("id", "")),
        ),
    )


def _contract(login: Row, row: Row | None) -> ContractState | None:
    if row is None:
        return None
    return ContractState(
        contract_id=row.get("id") or _ref(login.get("id_contrato")),
        status=row.get("status", "").strip().upper() or "?",
        status_internet=internet_status(row.get("status_internet"), row.get("status_acesso")),
        speed_reduced=row.get("status_velocidade", "").strip().upper() == "R",
        plan=row.get("contrato") or None,
        paused=row.get("contrato_suspenso", "").strip().upper() == "S",
    )


def _wifi(login: Row) -> tuple[WifiRecord, ...]:
    out = []
    for band, (ssid_field, key_field) in WIFI_FIELDS.items():
        ssid = login.get(ssid_field, "")
        if ssid.strip():
            out.append(WifiRecord(band=band, ssid=ssid, passphrase=_secret(login.get(key_field))))
    return tuple(out)


def _host(value: str | None) -> str | None:
    text = (value or "").strip()
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _secret(value: str | None) -> SecretStr | None:
    return SecretStr(value) if value else None


def _ref(value: str | None) -> str | None:
    """An IXC foreign key, or None for the "no link" values ("" and "0")."""
    text = (value or "").strip()
    return None if text in ("", "0") else text


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


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
