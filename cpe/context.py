"""Everything an action needs, built once from the settings: inventory, vault, journal."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from cpe.errors import InventoryError
from cpe.journal import Journal
from cpe.models import Timeouts
from cpe.settings import Settings, load_settings

if TYPE_CHECKING:
    from cpe.vault import Vault


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

    @property
    def inventory(self) -> Any:
        if self._inventory is None:
            self._inventory = self._build_inventory()
        return self._inventory

    @property
    def who(self) -> str:
        return self.operator or self.settings.operator

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
