"""The runbook's business rules, in one place.

- Blocked (CM manual, CA automático) or deactivated (D) contracts: no action and no service
  order; guide the customer to pay (runbook: "Não abrem O.S. para clientes bloqueados").
- Paused contracts (`contrato_suspenso`): not a payment block, so no payment text; pause
  and reactivation go to the provider as an O.S. of Outras Demandas.
- Late (FA) or reduced speed (status_velocidade R): act, but tell the agent: 15 days late
  → reduced to 100 Mbps, 30 days → blocked.
- Customer-owned routers (tipo_equipamento P): the ISP has no access to them.
- Optical RX thresholds for ONUs (settings; GPON class B+ loses margin near -27 dBm).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from cpe.errors import PolicyRefused
from cpe.models import OpticalPower
from inventory.models import InternetStatus, Subscriber

BLOCKED_GUIDANCE = (
    "Contrato bloqueado: não realizar atendimento técnico nem abrir O.S. (nem Outras "
    "Demandas). Oriente o cliente a emitir a segunda via (bot do chat, opção 1 - SEGUNDA VIA "
    "DO BOLETO) e enviar o comprovante de pagamento; não há desbloqueio de confiança."
)
PAUSED_GUIDANCE = (
    "Contrato pausado: não é bloqueio por falta de pagamento. Em caso de pausa no contrato, "
    "ou religue de contrato pausado: abrir O.S. de Outras Demandas, enviando para o provedor. "
    "Caso o financeiro esteja em dia, podemos desbloquear e, após, enviar para o provedor."
)
DISABLED_GUIDANCE = (
    "Contrato desativado: não há serviço de internet ativo para este login. "
    "Encaminhe ao setor responsável (Outras Demandas) se o cliente contestar."
)
LATE_NOTICE = (
    "Financeiro em atraso: com 15 dias a velocidade é reduzida para 100 Mbps e com 30 dias "
    "o contrato é bloqueado. A liberação só ocorre mediante comprovante."
)
REDUCED_NOTICE = (
    "Velocidade reduzida por atraso (100 Mbps). Se o cliente relatar problema mesmo assim, "
    "faça os procedimentos e, sem solução, encaminhe ao N3."
)
OWN_ROUTER_NOTICE = (
    "Roteador próprio do cliente (não é comodato): o provedor não tem acesso. "
    "Auxilie na reconfiguração informando os dados do PPPoE."
)


@dataclass(frozen=True)
class ContractCheck:
    allowed: bool
    notices: list[str] = field(default_factory=list)
    state: str = "ok"  # ok | late | reduced | paused | blocked | disabled | unknown


def check_contract(sub: Subscriber) -> ContractCheck:
    c = sub.contract
    if c is None:
        return ContractCheck(True, ["Contrato não encontrado no IXC para este login."], "unknown")
    if c.status_internet is InternetStatus.DISABLED:
        return ContractCheck(False, [DISABLED_GUIDANCE], "disabled")
    if c.paused:
        # Checked before "blocked": IXC may also block the access while the contract is
        # paused, and the payment text would then be wrong.
        return ContractCheck(False, [PAUSED_GUIDANCE], "paused")
    if c.blocked:
        return ContractCheck(False, [BLOCKED_GUIDANCE], "blocked")
    notices: list[str] = []
    state = "ok"
    if c.late:
        notices.append(LATE_NOTICE)
        state = "late"
    if c.speed_reduced:
        notices.append(REDUCED_NOTICE)
        state = "reduced"
    return ContractCheck(True, notices, state)


def require_actionable(sub: Subscriber, operation: str) -> ContractCheck:
    """Raise PolicyRefused (exit 3) when the runbook forbids acting on this contract."""
    check = check_contract(sub)
    if not check.allowed:
        raise PolicyRefused(
            f"contract {check.state}",
            device=sub.login,
            operation=operation,
            detail_pt=" ".join(check.notices),
        )
    return check


class OpticalVerdict(StrEnum):
    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    NO_SIGNAL = "no_signal"
    UNKNOWN = "unknown"


OPTICAL_TEXT_PT = {
    OpticalVerdict.OK: "sinal óptico bom",
    OpticalVerdict.WARNING: "sinal óptico fraco (atenção)",
    OpticalVerdict.CRITICAL: "sinal óptico crítico",
    OpticalVerdict.NO_SIGNAL: "sem sinal óptico (PON não registrada: possível fibra rompida)",
    OpticalVerdict.UNKNOWN: "sinal óptico não informado",
}


def optical_verdict(
    optical: OpticalPower | None, warn_dbm: float, crit_dbm: float
) -> OpticalVerdict:
    if optical is None:
        return OpticalVerdict.UNKNOWN
    if not optical.registered:
        return OpticalVerdict.NO_SIGNAL
    rx = optical.rx_dbm
    if rx is None:
        return OpticalVerdict.UNKNOWN
    if rx <= -40.0:
        return OpticalVerdict.NO_SIGNAL
    if rx <= crit_dbm:
        return OpticalVerdict.CRITICAL
    if rx <= warn_dbm:
        return OpticalVerdict.WARNING
    return OpticalVerdict.OK
