"""`cpe probe LOGIN|HOST`: a read-only first contact with an unknown unit.

Identifies the family, firmware and protocol variant from unauthenticated answers only
(each family's `drivers/<family>/probe.py`; no password is ever sent), says which driver
profile would be used, whether it matches the model IXC names, and whether a public
advisory lists that firmware as vulnerable. Technicians run it before the first
reconfigure on a new firmware.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import asdict
from typing import Any

import requests
from pydantic import BaseModel, ConfigDict, Field

from cpe.context import Context
from cpe.errors import CpeError, InputError
from cpe.models import DEFAULT_PORT, Transport
from drivers.advisories import as_rows, matching
from drivers.http import make_session
from drivers.probe import PROBES, Fingerprint, probe_fn
from drivers.registry import DRIVERS

log = logging.getLogger("cpe.probe")

UNREACHABLE_NEXT_PT = (
    "Confira no IXC se o cliente está conectado e se o IP do login está atual; se estiver "
    "e a porta de gerência continuar sem resposta, mande recado no grupo do provedor."
)
UNKNOWN_NEXT_PT = (
    "Não faça alterações: envie ao técnico a impressão digital abaixo (ou uma captura "
    "`cpe capture --read-only`) para incluirmos esta variante."
)


class ProbeReport(BaseModel):
    model_config = ConfigDict(extra="allow")

    target: str
    host: str
    port: int
    login: str | None = None
    reachable: bool = False
    identified: bool = False
    family: str | None = None
    model_key: str | None = None
    model_name: str | None = None
    firmware: str | None = None
    hardware: str | None = None
    profile: str | None = None
    supported: bool = False
    details: dict[str, Any] = Field(default_factory=dict)
    evidence: list[str] = Field(default_factory=list)
    ixc_model: str | None = None
    matches_ixc: bool | None = None
    advisories: list[dict[str, str]] = Field(default_factory=list)
    message_pt: str = ""
    next_step_pt: str | None = None

    @property
    def exit_code(self) -> int:
        return 0 if self.supported else 1


class _OnceSession(requests.Session):
    """Families often read the same page (`GET /`): fetch each GET once per probe run."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: dict[str, requests.Response] = {}

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kw: Any) -> Any:
        if str(method).upper() != "GET" or kw.get("params"):
            return super().request(method, url, *args, **kw)
        key = str(url)
        if key not in self._seen:
            self._seen[key] = super().request(method, url, *args, **kw)
        return self._seen[key]


def _split_target(text: str) -> tuple[str, int] | None:
    """HOST or HOST:PORT (IPv4, [IPv6]:port, IPv6) → (host, port); None for a login."""
    raw = text.strip()
    port = DEFAULT_PORT
    host = raw
    if raw.startswith("["):
        host, _, rest = raw[1:].partition("]")
        if rest.startswith(":"):
            port = _port(rest[1:], text)
    elif raw.count(":") == 1:
        host, _, p = raw.partition(":")
        port = _port(p, text)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    return host, port


def _port(value: str, text: str) -> int:
    if not value.isascii() or not value.isdigit() or not 0 < int(value) < 65536:
        raise InputError(
            f"invalid port in {text!r}",
            operation="probe",
            detail_pt=f"Porta inválida em {text!r}: use HOST ou HOST:PORTA (1–65535).",
        )
    return int(value)


def _reachable(host: str, port: int, timeout_s: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def identify(
    host: str, port: int, timeout_s: float, session: requests.Session | None = None
) -> Fingerprint | None:
    """Ask each family in turn; the first that recognises the answers wins."""
    session = session or _OnceSession()
    session.headers.update(make_session().headers)
    session.trust_env = False
    for family in PROBES:
        fn = probe_fn(family)
        if fn is None:
            continue
        try:
            found = fn(session, host, port, timeout_s)
        except CpeError as exc:
            log.debug("probe %s on %s:%s: %s", family, host, port, exc)
            continue
        except requests.RequestException as exc:
            log.debug("probe %s on %s:%s: %s", family, host, port, type(exc).__name__)
            continue
        if found is not None:
            return found
    return None


def probe(ctx: Context, target: str, *, timeout_s: float | None = None) -> ProbeReport:
    timeout_s = timeout_s if timeout_s is not None else ctx.settings.connect_timeout_s
    parsed = _split_target(target)
    login: str | None = None
    ixc_model: str | None = None
    if parsed is None:
        sub = ctx.inventory.subscriber(target)
        login, ixc_model = sub.login, sub.model
        if not sub.host:
            raise InputError(
                "no management address in IXC",
                device=sub.login,
                operation="probe",
                detail_pt="O login não tem IP cadastrado no IXC (cliente offline?).",
            )
        host, port = sub.host, sub.port
    else:
        host, port = parsed
    report = ProbeReport(target=target, host=host, port=port, login=login, ixc_model=ixc_model)
    if not _reachable(host, port, timeout_s):
        report.message_pt = f"O equipamento não respondeu em {host}:{port} (porta de gerência)."
        report.next_step_pt = UNREACHABLE_NEXT_PT
        return report
    report.reachable = True
    found = identify(host, port, timeout_s)
    if found is None:
        report.message_pt = (
            "A porta de gerência respondeu, mas as respostas sem login não correspondem a "
            "nenhuma família conhecida."
        )
        report.next_step_pt = UNKNOWN_NEXT_PT
        return report
    data = asdict(found)
    report.identified = True
    for key in ("family", "model_key", "model_name", "firmware", "hardware", "profile"):
        setattr(report, key, data[key])
    report.details = dict(found.details)
    report.evidence = list(found.evidence)
    report.supported = found.supported
    if ixc_model is not None and found.model_key is not None:
        report.matches_ixc = _same_model(ixc_model, found.model_key)
    report.advisories = as_rows(matching(found.model_key, found.firmware))
    report.message_pt = _message(report)
    if not found.supported:
        report.next_step_pt = UNKNOWN_NEXT_PT
    elif report.matches_ixc is False:
        report.next_step_pt = "Corrija o modelo no IXC antes de qualquer alteração."
    return report


def _same_model(ixc_key: str, seen_key: str) -> bool:
    """The same key, or the same driver where one side only names the family's generic
    key (IXC says `zte-f670l`, the login page only shows a ZTE ONU)."""
    if ixc_key == seen_key:
        return True
    same_driver = DRIVERS.get((ixc_key, Transport.HTTP)) == DRIVERS.get((seen_key, Transport.HTTP))
    generic = ixc_key.endswith("-onu") or seen_key.endswith("-onu")
    return same_driver and generic


def _message(r: ProbeReport) -> str:
    name = r.model_name or r.model_key or r.family or "?"
    fw = f", firmware {r.firmware}" if r.firmware else ""
    if not r.supported:
        return (
            f"Identificado como {r.family} ({name}{fw}), mas nenhum perfil do driver conhece "
            "esta variante: nenhuma ação será feita neste equipamento."
        )
    text = f"Identificado: {name}{fw}; o driver usará o perfil {r.profile}."
    if r.matches_ixc is False:
        text += f" O IXC cadastra outro modelo ({r.ixc_model})."
    elif r.matches_ixc:
        text += " Confere com o modelo do IXC."
    if r.advisories:
        ids = ", ".join(a["id"] for a in r.advisories)
        text += f" Firmware listado como vulnerável ({ids}): recomende atualização."
    return text
