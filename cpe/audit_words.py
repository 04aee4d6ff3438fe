"""The Portuguese a person reads in audit reports (HTML, CSV, table, the technicians'
page), and the provider's local time. JSON keeps the codes (design.md); everything
rendered for people goes through here, so one word is fixed in one place.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cpe.audit import VERDICT_PT
from cpe.vocab import CONTRACT_STATE_PT

log = logging.getLogger("cpe.audit")

DEFAULT_TZ = "America/Sao_Paulo"

DRIFT_PT = {
    "dns": "DNS",
    "ssid": "SSID",
    "wifi_key": "senha Wi-Fi",
    "pppoe": "PPPoE",
    "optical": "sinal óptico",
}
OPTICAL_PT = {
    "ok": "bom",
    "warning": "fraco",
    "critical": "crítico",
    "no_signal": "sem sinal",
    "unknown": "não informado",
}
#: cpe.models.WanError values, in the short form a report column holds (the agent's page
#: says them in full: cpe.vocab.WAN_ERROR_PT).
WAN_ERROR_PT = {
    "pppoe_auth_failed": "PPPoE recusado (usuário/senha)",
    "pppoe_no_server": "concentrador PPPoE não respondeu",
    "link_down": "sem link na WAN/PON",
    "connecting": "conectando",
    "other": "motivo não informado",
}
#: Contract states: the same words as the agent's page (one vocabulary, cpe.vocab).
CONTRACT_PT = CONTRACT_STATE_PT
TRANSPORT_PT = {"http": "web", "ssh": "SSH", "telnet": "Telnet"}
RUN_STATE_PT = {
    "started": "em andamento",
    "resumed": "em andamento",
    "running": "em andamento",
    "finished": "concluída",
    "interrupted": "interrompida",
}


def verdict_pt(code: str | None) -> str:
    return VERDICT_PT.get(code or "", code or "")


def drifts_pt(codes: list[str] | tuple[str, ...] | None) -> str:
    return ", ".join(DRIFT_PT.get(c, c) for c in codes or ())


def optical_pt(code: str | None) -> str:
    return OPTICAL_PT.get(code or "", code or "")


def wan_error_pt(code: str | None) -> str:
    return WAN_ERROR_PT.get(code or "", code or "")


def provider_tz(name: str | None = None) -> tzinfo:
    """The provider's time zone (Settings.timezone); without tzdata, Brazil's fixed
    UTC-3 (no daylight saving since 2019) rather than UTC."""
    try:
        return ZoneInfo(name or DEFAULT_TZ)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("time zone %r unknown: using UTC-3", name)
        return timezone(timedelta(hours=-3), "GMT-3")


def local_time(iso: str | None, tz: tzinfo, *, seconds: bool = False) -> str:
    """A journal time (ISO, UTC) as the provider's wall clock: "11/06/2025 10:00"."""
    if not iso:
        return ""
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(tz).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def scope_pt(scope: dict[str, object] | None) -> str:
    """A run's filters in words: "modelo zte-onu; login maria.*" or "toda a frota"."""
    s = scope or {}
    parts: list[str] = []
    if s.get("model"):
        parts.append(f"modelo {s['model']}")
    if s.get("login_glob"):
        parts.append(f"login {s['login_glob']}")
    statuses = s.get("statuses")
    if isinstance(statuses, list | tuple) and statuses:
        parts.append("contrato " + ", ".join(str(x) for x in statuses))
    if s.get("reduced"):
        parts.append("velocidade reduzida")
    logins = s.get("logins")
    if isinstance(logins, list | tuple):
        parts.append(f"lista de {len(logins)} logins")
    return "; ".join(parts) or "toda a frota"
