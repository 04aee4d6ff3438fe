"""What a subscriber source (IXC API, CSV file) hands to the actions.

Only the fields the toolkit needs survive the source's edge; secrets stay `SecretStr`.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, SecretStr

from cpe.models import DEFAULT_PORT, Band, Transport


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InternetStatus(StrEnum):
    """`cliente_contrato.status_internet` (IXC)."""

    ACTIVE = "A"
    DISABLED = "D"
    MANUAL_BLOCK = "CM"
    AUTO_BLOCK = "CA"
    LATE = "FA"
    AWAITING_SIGNATURE = "AA"
    UNKNOWN = "?"


BLOCKED_STATUSES = frozenset(
    {InternetStatus.MANUAL_BLOCK, InternetStatus.AUTO_BLOCK, InternetStatus.DISABLED}
)


class ContractState(Frozen):
    contract_id: str | None = None
    #: `cliente_contrato.status`: P pré, A ativo, I inativo, N negativado, D desistiu.
    status: str = "A"
    status_internet: InternetStatus = InternetStatus.ACTIVE
    #: `status_velocidade`: N normal, R reduzida.
    speed_reduced: bool = False
    plan: str | None = None
    #: `contrato_suspenso` = S: paused (a temporary suspension, not a payment block).
    paused: bool = False

    @property
    def blocked(self) -> bool:
        return self.status_internet in BLOCKED_STATUSES

    @property
    def late(self) -> bool:
        return self.status_internet is InternetStatus.LATE


class WifiRecord(Frozen):
    band: Band
    ssid: str
    passphrase: SecretStr | None = None


class Subscriber(Frozen):
    """One PPPoE login and the device that terminates it."""

    login: str
    login_id: str | None = None
    client_id: str | None = None
    customer_name: str | None = None
    cpf_cnpj: str | None = None
    pppoe_password: SecretStr | None = None
    #: Management address: `radusuarios.ip` (the PPPoE IP), port 2389.
    host: str | None = None
    port: int = DEFAULT_PORT
    #: Registry model key, mapped from IXC's model text (never by trying logins).
    model: str | None = None
    model_text: str | None = None
    #: Where `model_text` came from (e.g. "radpop_radio_cliente_fibra.onu_tipo",
    #: "radusuarios.obs", "csv"), so "modelo não cadastrado" can say where to fix it.
    model_source: str | None = None
    transport: Transport = Transport.HTTP
    cli_port: int | None = None
    online: bool | None = None
    #: `tipo_equipamento`: C comodato (ours), P próprio (the customer's: no access).
    equipment_owner: str | None = None
    contract: ContractState | None = None
    wifi: tuple[WifiRecord, ...] = ()
    #: ONU rows in `radpop_radio_cliente_fibra` for this login (>1 = stale duplicates).
    onu_rows: int = 0
    onu_serial: str | None = None
    onu_mode: str | None = None
    #: `id_filial` of the login: IXC needs it to open a service order.
    branch_id: str | None = None

    def wifi_for(self, band: Band) -> WifiRecord | None:
        return next((w for w in self.wifi if w.band == band), None)
