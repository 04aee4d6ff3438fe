"""Service settings (environment first, CPE_ prefix): N3 ticket routing, limits, sessions.

Kept apart from cpe.settings so the core settings stay about devices and IXC.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cpe.service.hours import parse_hours


class ServiceConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CPE_", extra="ignore")

    #: IXC `su_oss_assunto` id and sector for N3 tickets (per tenant; ask the ISP).
    n3_assunto_id: str | None = None
    n3_setor: str | None = None
    n3_prioridade: str = "N"
    #: The same for service orders of "Outras Demandas" (address change, new outlet, fixed
    #: IP outside the provider's hours, paused contracts).
    outras_demandas_assunto_id: str | None = None
    outras_demandas_setor: str | None = None
    outras_demandas_prioridade: str = "N"
    #: The provider's business hours for transfers to its sectors (Contratar, Financeiro),
    #: São Paulo time; the runbook's "Suporte Interno (Transferências)". Holidays are not
    #: known: the agent decides on those days. Format: see cpe.service.hours.
    horario_provedor: str = "seg-sex 08:00-17:00; sab 08:00-12:00,14:00-18:00"
    #: Plans of TV-only customers (their login of 1 Kbps exists only for the record).
    planos_so_tv: str = r"\bSeAC\b|\b1\s*Kbps\b"
    #: Per-user token bucket: `rate_burst` requests at once, `rate_per_s` sustained.
    rate_burst: float = 60.0
    rate_per_s: float = 2.0
    #: Login attempts per user name: burst, then one a minute (a success resets it).
    login_burst: float = 5.0
    login_per_s: float = 1.0 / 60.0
    #: Failed logins per client address: a ceiling for guessing across many names that a
    #: whole call centre behind one proxy (successful logins cost nothing) never reaches.
    login_ip_burst: float = 50.0
    login_ip_per_s: float = 0.1
    #: Request bodies above this are refused (413) before being read or authenticated.
    max_body_bytes: int = 1024 * 1024
    session_hours: float = 12.0
    #: Mark cookies Secure (set it when the service sits behind HTTPS).
    secure_cookies: bool = False
    #: Where scheduled audits added through the service write their reports (a
    #: technician picks a sub-folder); default CPE_HOME/relatorios.
    schedule_reports_dir: Path | None = None
    #: Recent history shown to agents on the page.
    history_limit: int = 10

    @field_validator("horario_provedor")
    @classmethod
    def _hours(cls, value: str) -> str:
        parse_hours(value)  # a wrong setting fails at start-up, not in front of a customer
        return value

    @field_validator("planos_so_tv")
    @classmethod
    def _plans(cls, value: str) -> str:
        re.compile(value)
        return value
