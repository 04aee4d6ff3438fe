"""The contract every subscriber source (IXC API, CSV file) fulfils, and shared filters.

sub = source.subscriber("joao.silva")          # UnknownLogin if absent
source.search("Maria")                         # login, name (like), CPF/CNPJ
for sub in source.iter_subscribers(model="zte-onu", contract_status="A"): ...
source.update_wifi("joao.silva", [WifiRecord(band=Band.GHZ_2_4, ssid=..., passphrase=...)])
source.open_service_order(sub, "texto", assunto_id="12", setor="3")
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator
from typing import Protocol, runtime_checkable

from cpe.errors import InputError
from cpe.models import validate_passphrase, validate_ssid
from inventory.models import InternetStatus, Subscriber, WifiRecord

__all__ = ["InventorySource", "StatusFilter", "matches", "status_set", "validate_wifi"]

#: One `status_internet` code ("A", "CM", …) or several.
StatusFilter = str | InternetStatus | Iterable[str | InternetStatus] | None


@runtime_checkable
class InventorySource(Protocol):
    """A read (and narrow write) view of the ISP's subscriber register."""

    #: "ixc" or "csv": shown in messages and reports.
    name: str
    #: False when the source cannot open service orders (the CSV file).
    can_open_service_orders: bool

    def subscriber(self, login: str) -> Subscriber:
        """The subscriber for a PPPoE login; raises UnknownLogin when absent."""
        ...

    def search(self, text: str, *, limit: int = 50) -> list[Subscriber]:
        """By PPPoE login, customer name (partial, accent-insensitive) or CPF/CNPJ
        (masked or not). Exact login matches come first."""
        ...

    def iter_subscribers(
        self,
        *,
        model: str | None = None,
        login_glob: str | None = None,
        contract_status: StatusFilter = None,
    ) -> Iterator[Subscriber]:
        """The whole register (or a filter of it), streamed. `contract_status` filters
        on `status_internet` codes."""
        ...

    def update_wifi(self, login: str, records: Iterable[WifiRecord]) -> Subscriber:
        """Record new Wi-Fi data for a login (a record whose passphrase is None keeps
        the current key); returns the subscriber as re-read from the source."""
        ...

    def open_service_order(
        self,
        subscriber: Subscriber,
        message: str,
        *,
        assunto_id: str,
        setor: str,
        prioridade: str = "N",
    ) -> str:
        """Open a service order (O.S.); returns its id."""
        ...


def status_set(contract_status: StatusFilter) -> frozenset[str] | None:
    if contract_status is None:
        return None
    if isinstance(contract_status, str):
        return frozenset({str(contract_status).upper()})
    return frozenset(str(s).upper() for s in contract_status)


def matches(
    sub: Subscriber,
    *,
    model: str | None = None,
    login_glob: str | None = None,
    statuses: frozenset[str] | None = None,
) -> bool:
    if model is not None and sub.model != model:
        return False
    if login_glob is not None and not fnmatch.fnmatchcase(sub.login, login_glob):
        return False
    if statuses is not None:
        code = sub.contract.status_internet.value if sub.contract else None
        if code not in statuses:
            return False
    return True


def validate_wifi(login: str, records: Iterable[WifiRecord]) -> list[WifiRecord]:
    """Refuse a bad SSID/key before anything is written (messages never echo the key)."""
    out = list(records)
    if not out:
        raise InputError("nenhuma rede Wi-Fi informada", device=login, operation="alterar Wi-Fi")
    seen: set[str] = set()
    for rec in out:
        if rec.band.value in seen:
            raise InputError(
                f"banda {rec.band.value} repetida", device=login, operation="alterar Wi-Fi"
            )
        seen.add(rec.band.value)
        try:
            validate_ssid(rec.ssid)
            if rec.passphrase is not None:
                validate_passphrase(rec.passphrase.get_secret_value())
        except ValueError as exc:
            raise InputError(
                f"{rec.band.value}: {exc}", device=login, operation="alterar Wi-Fi"
            ) from None
    return out
