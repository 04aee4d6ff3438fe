"""Typed models shared by drivers, actions, inventory, CLI and service.

Results are frozen; every secret is a `SecretStr` (its JSON form is '**********').
Desired settings are validated here, at the boundary, so a bad SSID or a short Wi-Fi
key is refused before any device is touched.
"""

from __future__ import annotations

import re
import string
from enum import StrEnum
from ipaddress import IPv4Address
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from cpe.errors import InputError

DEFAULT_PORT = 2389


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Band(StrEnum):
    GHZ_2_4 = "2.4GHz"
    GHZ_5 = "5GHz"


class Transport(StrEnum):
    HTTP = "http"
    SSH = "ssh"
    TELNET = "telnet"


class Capability(StrEnum):
    STATUS = "status"
    PPPOE = "pppoe"
    DNS = "dns"
    WIFI = "wifi"
    OPTICAL = "optical"


class WanError(StrEnum):
    """Normalised reason why the WAN is down (each driver maps its own codes here)."""

    PPPOE_AUTH = "pppoe_auth_failed"
    NO_SERVER = "pppoe_no_server"
    LINK_DOWN = "link_down"
    CONNECTING = "connecting"
    OTHER = "other"


# --- validated settings -------------------------------------------------------------

_HEX64 = re.compile(r"^[0-9A-Fa-f]{64}$")
_PRINTABLE = set(string.printable) - set("\t\n\r\x0b\x0c")


def validate_ssid(value: str) -> str:
    raw = value.encode("utf-8")
    if not 1 <= len(raw) <= 32:
        raise ValueError(f"o SSID deve ter de 1 a 32 bytes (tem {len(raw)})")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("o SSID não pode ter caracteres de controle")
    return value


def validate_passphrase(value: str) -> str:
    # Never echo the value itself in the message: it is a secret.
    if _HEX64.match(value):
        return value
    if not 8 <= len(value) <= 63:
        raise ValueError(
            f"a senha do Wi-Fi (WPA2) deve ter de 8 a 63 caracteres (tem {len(value)})"
        )
    if any(c not in _PRINTABLE for c in value):
        raise ValueError("a senha do Wi-Fi só pode ter caracteres ASCII imprimíveis")
    return value


def validate_pppoe_user(value: str) -> str:
    if not value:
        raise ValueError("o usuário PPPoE não pode ser vazio")
    if any(c.isspace() for c in value):
        raise ValueError("o usuário PPPoE não pode ter espaços")
    if len(value) > 128:
        raise ValueError("o usuário PPPoE é longo demais (máx. 128)")
    return value


class PppoeSettings(Frozen):
    username: str
    password: SecretStr

    @field_validator("username")
    @classmethod
    def _user(cls, v: str) -> str:
        return validate_pppoe_user(v)

    @field_validator("password")
    @classmethod
    def _password(cls, v: SecretStr) -> SecretStr:
        secret = v.get_secret_value()
        if not secret:
            raise ValueError("a senha PPPoE não pode ser vazia")
        if len(secret) > 118:
            raise ValueError("a senha PPPoE é longa demais (máx. 118)")
        return v


class DnsSettings(Frozen):
    primary: IPv4Address
    secondary: IPv4Address

    def as_list(self) -> list[IPv4Address]:
        return [self.primary, self.secondary]


class WifiSettings(Frozen):
    band: Band
    ssid: str
    passphrase: SecretStr

    @field_validator("ssid")
    @classmethod
    def _ssid(cls, v: str) -> str:
        return validate_ssid(v)

    @field_validator("passphrase")
    @classmethod
    def _psk(cls, v: SecretStr) -> SecretStr:
        validate_passphrase(v.get_secret_value())
        return v


class DesiredConfig(Frozen):
    """What the device should hold, as IXC (and the runbook) say."""

    pppoe: PppoeSettings | None = None
    dns: DnsSettings | None = None
    wifi: tuple[WifiSettings, ...] = ()


def build(model: type[BaseModel], **fields: object) -> BaseModel:
    """Validate input into `model`, turning pydantic's error into a clear InputError."""
    try:
        return model(**fields)
    except ValidationError as exc:
        msgs = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            msg = str(err.get("msg", "inválido")).removeprefix("Value error, ")
            msgs.append(f"{loc}: {msg}" if loc else msg)
        raise InputError("; ".join(msgs), operation=f"validar {model.__name__}") from None


# --- device status ------------------------------------------------------------------


class WanStatus(Frozen):
    up: bool
    ip: IPv4Address | None = None
    pppoe_username: str | None = None
    connection_type: Literal["pppoe", "dhcp", "static", "bridge", "unknown"] = "unknown"
    error: WanError | None = None
    error_detail: str | None = None


class WifiNetwork(Frozen):
    band: Band
    ssid: str
    enabled: bool = True
    #: Read from the device when it shows it; compared in-process, never printed.
    passphrase: SecretStr | None = Field(default=None, exclude=True)


class OpticalPower(Frozen):
    rx_dbm: float | None
    tx_dbm: float | None
    #: PON registered with the OLT (False: fibre cut / no signal).
    registered: bool = True


class DeviceStatus(Frozen):
    model: str
    firmware: str | None = None
    hardware: str | None = None
    model_name: str | None = None
    uptime_s: int | None = None
    transport: Transport = Transport.HTTP
    wan: WanStatus
    dns: tuple[IPv4Address, ...] = ()
    lan_dns: tuple[IPv4Address, ...] = ()
    wifi: tuple[WifiNetwork, ...] = ()
    optical: OpticalPower | None = None
    bridge_mode: bool = False

    def wifi_for(self, band: Band) -> WifiNetwork | None:
        return next((w for w in self.wifi if w.band == band), None)


# --- targets and credentials ---------------------------------------------------------


class Timeouts(Frozen):
    connect_s: float = 5.0
    read_s: float = 15.0
    #: Longest wait for the management port to come back after a WAN restart.
    wan_restart_s: float = 90.0
    #: Pause after a PPPoE write before polling: the port may still answer briefly.
    wan_settle_s: float = 2.0


class Target(Frozen):
    host: str
    port: Annotated[int, Field(ge=1, le=65535)] = DEFAULT_PORT
    model: str
    transport: Transport = Transport.HTTP
    #: CLI port when transport is ssh/telnet (22/23 on real units).
    cli_port: int | None = None
    label: str | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def name(self) -> str:
        return self.label or self.address


class Credential(Frozen):
    """Admin credentials from the vault: one username, ordered candidate passwords."""

    username: str | None = None
    passwords: tuple[SecretStr, ...]
    #: One opaque id per password for the failure ledger (cpe.vault.Vault.candidate_id),
    #: never derived from the password alone; empty for a credential made outside the
    #: vault, whose attempts then count against the device without being told apart.
    candidate_ids: tuple[str, ...] = ()

    def __repr__(self) -> str:  # pydantic already masks; be explicit anyway
        return f"Credential(username={self.username!r}, passwords=<{len(self.passwords)} hidden>)"
