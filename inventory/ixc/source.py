"""Subscribers from IXC: the inventory protocol (inventory.base.InventorySource) over an
IxcClient: lookups by login, id or text, the streamed register, Wi-Fi writes and
service orders.

Reads go through the batched join (inventory.ixc.join), which assembles each subscriber
from its rows (inventory.ixc.subscriber_rows).
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice

from pydantic import SecretStr

from cpe.errors import InputError, InventoryError, UnknownLogin
from cpe.models import DEFAULT_PORT
from inventory.base import StatusFilter, matches, status_set, validate_wifi
from inventory.ixc.client import IxcClient, Row
from inventory.ixc.fields import (
    ROUTER_MODEL_FIELD,
    TABLE_FIELDS,
    digits,
    fold,
    looks_like_cpf_cnpj,
    mask_cpf_cnpj,
)
from inventory.ixc.join import Join
from inventory.ixc.subscriber_rows import WIFI_FIELDS, as_int, pick_login
from inventory.ixc.tables import CLIENTS, LOGINS, SERVICE_ORDERS
from inventory.models import Subscriber, WifiRecord

__all__ = ["IxcSource"]

log = logging.getLogger("cpe.inventory.ixc")

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
        row = pick_login(rows, login)
        if row is None:
            raise UnknownLogin(
                f"login {login!r} não existe no IXC", device=login, operation="consultar login"
            )
        return Join(self, allow_full_scan=False).subscribers([row])[0]

    def subscribers_by_id(self, login_ids: Sequence[str]) -> list[Subscriber]:
        """The subscribers of these `radusuarios` ids (unknown ids left out): a worker
        reads a chunk of an audit in a few range queries instead of a lookup per login."""
        join = Join(self, allow_full_scan=False)
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
            by_client = Join(self, allow_full_scan=False).fetch(
                LOGINS, "id_cliente", client_ids, self._login_fields
            )
            for cid in client_ids:
                for row in sorted(by_client.get(cid, []), key=lambda r: as_int(r["id"])):
                    login_rows.setdefault(row["id"], row)
        rows = list(login_rows.values())[:limit]
        exact = [r for r in rows if fold(r.get("login", "")) == fold(text)]
        rest = [r for r in rows if fold(r.get("login", "")) != fold(text)]
        return Join(self, allow_full_scan=False).subscribers(exact + rest)

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
        join = Join(self, allow_full_scan=True)
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
        row = pick_login(list(self._logins("login", login, rp=20)), login)
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
