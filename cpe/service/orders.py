"""Service orders in IXC (`su_oss_chamado`), of both kinds the runbook uses: N3 (the
technical team) and Outras Demandas (the provider's other sectors). Each kind has its
subject (`su_oss_assunto` id), sector and priority from the service settings; against
the embedded lab, whose IXC accepts any ids, they default to 1/1.
"""

from __future__ import annotations

import inspect
from datetime import datetime
from typing import Any

from cpe.context import Context
from cpe.errors import CpeError
from cpe.service.config import ServiceConfig
from cpe.service.runbook import N3, ORDER_KIND_PT, OUTRAS, REASON_PT
from cpe.settings import Settings
from inventory.models import Subscriber

MAX_ORDER_TEXT = 4000
#: IXC's `melhor_horario_agenda`: manhã, tarde, noite, qualquer horário.
PERIOD_PT = {"M": "manhã", "T": "tarde", "N": "noite", "Q": "qualquer horário"}
JOURNAL_ACTION = {N3: "abrir_os_n3", OUTRAS: "abrir_os_outras_demandas"}
ROUTE_MISSING_PT = {
    N3: (
        "O assunto e o setor das O.S. de N3 não estão configurados: defina CPE_N3_ASSUNTO_ID "
        "e CPE_N3_SETOR (ids do IXC) e reinicie o serviço."
    ),
    OUTRAS: (
        "O assunto e o setor das O.S. de Outras Demandas não estão configurados: defina "
        "CPE_OUTRAS_DEMANDAS_ASSUNTO_ID e CPE_OUTRAS_DEMANDAS_SETOR (ids do IXC) e reinicie "
        "o serviço."
    ),
}


class ServiceUnavailable(CpeError):
    """Something the service cannot do in this installation (HTTP 501)."""

    kind = "unavailable"
    exit_code = 1
    pt_template = "Indisponível: {message}"
    next_step_pt = "Avise o técnico responsável pela ferramenta."


def route(kind: str, config: ServiceConfig, settings: Settings) -> tuple[str, str, str]:
    """(subject id, sector, priority) for an O.S. of this kind."""
    if kind == N3:
        subject, sector, priority = config.n3_assunto_id, config.n3_setor, config.n3_prioridade
    else:
        subject, sector, priority = (
            config.outras_demandas_assunto_id,
            config.outras_demandas_setor,
            config.outras_demandas_prioridade,
        )
    if subject and sector:
        return subject, sector, priority
    from cpe.lab import control

    info = control.running_info(settings)
    if info and info.get("ixc_url") == settings.ixc_url:
        return "1", "1", priority  # the lab's IXC accepts any subject and sector
    raise ServiceUnavailable(
        f"{kind} subject/sector not configured", detail_pt=ROUTE_MISSING_PT[kind]
    )


def can_open(ctx: Context) -> bool:
    try:
        return bool(getattr(ctx.inventory, "can_open_service_orders", False))
    except CpeError:
        return False


def order_message(
    kind: str,
    who: str,
    sub: Subscriber,
    *,
    reason: str,
    findings: list[str],
    note: str,
    phone: str = "",
    period: str = "",
    due_pt: str | None = None,
    escalate: bool = False,
) -> str:
    """The O.S. text: who asks, for whom, why, how to reach the customer."""
    head = "Encaminhado ao N3" if kind == N3 else "Outras Demandas"
    lines = [
        f"{head} pelo atendimento (cpe-toolkit): {REASON_PT.get(reason, reason)}.",
        f"Atendente: {who}",
        f"Login PPPoE: {sub.login}",
        f"Cliente: {sub.customer_name or '-'}",
        f"Equipamento: {sub.model_text or sub.model or '-'} em {sub.host or '?'}:{sub.port}",
    ]
    if phone.strip() or period:
        contact = ", ".join(x for x in (phone.strip(), PERIOD_PT.get(period, "")) if x)
        lines.append(f"Contato confirmado com o cliente: {contact}")
    if due_pt:
        lines.append(f"Prazo informado ao cliente: {due_pt}")
    if escalate:
        lines.append("Caso grave ou visita pedida pelo cliente: provedor sinalizado no grupo.")
    shown = [f"- {a.strip()}" for a in findings if a and a.strip()][:30]
    if shown:
        lines += ["", "Achados:", *shown]
    if note.strip():
        lines += ["", "Observação do atendente:", note.strip()]
    return "\n".join(lines)[:MAX_ORDER_TEXT]


def create(
    ctx: Context,
    sub: Subscriber,
    kind: str,
    message: str,
    *,
    subject: str,
    sector: str,
    priority: str,
    opened_at: datetime,
    period: str = "Q",
    journal_note: str = "",
) -> str:
    """POST the O.S. to IXC and journal it; returns its id."""
    opener = ctx.inventory.open_service_order
    extra: dict[str, Any] = {}
    params = inspect.signature(opener).parameters
    if "now" in params:
        # IXC's data_abertura is São Paulo wall-clock time, from the service's clock.
        extra["now"] = opened_at.replace(tzinfo=None)
    if "melhor_horario_agenda" in params and period in PERIOD_PT:
        extra["melhor_horario_agenda"] = period
    os_id: str = opener(
        sub, message, assunto_id=subject, setor=sector, prioridade=priority, **extra
    )
    ctx.journal.record_action(
        operator=ctx.who,
        login=sub.login,
        device=f"{sub.host}:{sub.port}",
        action=JOURNAL_ACTION[kind],
        outcome="opened",
        changed=[],
        message=f"{ORDER_KIND_PT[kind]} nº {os_id} aberta"
        + (f"; {journal_note}" if journal_note else ""),
    )
    return os_id
