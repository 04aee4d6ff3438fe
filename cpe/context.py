"""Everything an action needs, built once from the settings: inventory, vault, journal."""

from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cpe.errors import InputError, InventoryError
from cpe.journal import Journal
from cpe.models import Timeouts
from cpe.settings import Settings, load_settings

if TYPE_CHECKING:
    from cpe.coord import DeviceLocks, FailureLedger
    from cpe.vault import Vault


def os_identity() -> str:
    """"user@host" of this process, recorded with every journaled action."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no $USER (a bare container)
        user = f"uid{os.getuid()}"
    return f"{user}@{socket.gethostname() or 'localhost'}"


@dataclass
class Context:
    settings: Settings = field(default_factory=load_settings)
    operator: str | None = None
    _inventory: Any = None

    @cached_property
    def vault(self) -> Vault:
        from cpe.vault import Vault

        return Vault.open(self.settings)

    @cached_property
    def journal(self) -> Journal:
        return Journal(self.settings.journal_file)

    @cached_property
    def locks(self) -> DeviceLocks:
        from cpe.coord import device_locks

        return device_locks(self.settings)

    @cached_property
    def ledger(self) -> FailureLedger:
        from cpe.coord import failure_ledger

        return failure_ledger(self.settings)

    @property
    def inventory(self) -> Any:
        if self._inventory is None:
            self._inventory = self._build_inventory()
        return self._inventory

    @property
    def who(self) -> str:
        """The person acting: the service's logged-in user, else the operating-system
        user and host of this CLI ("maria@atendimento-3")."""
        return self.operator or self.settings.operator or os_identity()

    @property
    def timeouts(self) -> Timeouts:
        s = self.settings
        return Timeouts(
            connect_s=s.connect_timeout_s,
            read_s=s.read_timeout_s,
            wan_restart_s=s.wan_restart_timeout_s,
            wan_settle_s=s.wan_settle_s,
        )

    def _build_inventory(self) -> Any:
        s = self.settings
        if s.inventory_csv is not None:
            from inventory.csv_source import CsvSource

            return CsvSource(s.inventory_csv)
        if not s.ixc_url:
            raise InventoryError(
                "no subscriber source configured",
                operation="inventory",
                detail_pt=(
                    "Nenhuma fonte de assinantes configurada: defina CPE_IXC_URL e "
                    "CPE_IXC_TOKEN, CPE_INVENTORY_CSV, ou rode `cpe lab up`."
                ),
            )
        _check_ixc_url(s.ixc_url)
        from inventory.ixc.client import IxcClient
        from inventory.ixc.source import IxcSource

        token = s.ixc_token or self.vault.secret("ixc_token")
        if token is None:
            raise InventoryError(
                "no IXC token",
                operation="inventory",
                detail_pt=(
                    "Token do IXC ausente: defina CPE_IXC_TOKEN ou "
                    "`cpe vault set-secret ixc_token`."
                ),
            )
        return IxcSource(IxcClient(s.ixc_url, token, timeout_s=s.read_timeout_s))


def _check_ixc_url(url: str) -> None:
    """A malformed CPE_IXC_URL is a settings mistake, said plainly before any request."""
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        parts, port_ok = None, False
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise InputError(
            "invalid CPE_IXC_URL",
            operation="inventory",
            detail_pt=(
                f"CPE_IXC_URL inválida ({url!r}): use o endereço do webservice do IXC, "
                "como https://ixc.seuprovedor.com.br/webservice/v1."
            ),
        )
