"""The runbook's procedures an agent meets on the customer page, in the runbook's words.

Each procedure quotes the runbook (`roteiro`, verbatim), says what to do now (`agora`,
with the provider's business hours applied) and names the service order the page may
open for it (`os`: N3 or Outras Demandas, with a reason code). The same function decides
what the page shows and what the server accepts: an O.S. whose (kind, reason) is not
offered for this customer right now is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cpe.service.deadline import RUNBOOK_TEXT
from cpe.service.hours import Hours

N3, OUTRAS = "n3", "outras_demandas"
ORDER_KIND_PT = {N3: "O.S. para o N3", OUTRAS: "O.S. de Outras Demandas"}

# --- the runbook's words (verbatim) ---------------------------------------------------------

R_N3_ONLY = "Somente N3."
R_N3_CLOSE = (
    "Finalizar o atendimento ao abrir a O.S. e quando for um caso mais grave, sinalizar no "
    "grupo do provedor."
)
R_N3_INSIST = (
    "Clientes que insistirem na visita técnica, ou que aparentarem ficar satisfeitos somente "
    "com uma, podemos encaminhar ao N3 sem problemas (mesmo que o caso não se enquadre nos "
    "encaminhamentos que são feitos normalmente e seja apenas para evitar a insatisfação do "
    "assinante). Só é necessário sinalizar o provedor no grupo."
)
R_N3_DEADLINE = "24h corridas em dias de semana, 48h corridas aos fins de semana"
R_N3_MESSAGE = RUNBOOK_TEXT
R_DISCONNECTED = (
    "Como podemos prosseguir com falta de interação para clientes desconectados? R: Abrir N3"
)
R_NO_ACCESS = "Mandar recado no grupo caso não tenha acesso"
R_NO_PASSWORD = "É possível informar ao cliente a senha do roteador? R: Não informar"  # noqa: S105
R_REPEATER = (
    "Não realizam o suporte, mas podem indicar algum profissional para fazer o serviço.",
    "Caso o cliente esteja muito insatisfeito, podemos gerar O.S. para verificar até onde o "
    "técnico consegue solucionar.",
)
R_FIXED_IP = (
    "Sim, transferir ao setor Contratar dentro do horário de atendimento do provedor e abrir "
    "OS de Outras Demandas fora dele.",
)
R_OUTLET = (
    "Mudança de ponto no mesmo local, instalação de novo ponto: É estudado caso a caso, até "
    "de acordo com o histórico. Abrir OS de Outras Demandas",
)
R_ADDRESS = ("Mudança de Endereço - Abrir OS de Outras Demandas.",)
R_PAUSED = (
    "Em caso de pausa no contrato, ou religue de contrato pausado, como proceder? Abrir "
    "outras demandas, enviando para o provedor. Caso o financeiro esteja em dia podemos "
    "desbloquear e após enviar para o provedor.",
)
R_BLOCKED = (
    "Não abrem O.S. para clientes bloqueados (nem Outras Demandas)",
    "Podemos fazer o desbloqueio de confiança? R: Não realizam o desbloqueio em confiança.",
    "Liberar somente caso o cliente pague uma das faturas e envie o comprovante (quando "
    "existem 2 em atraso, mais que isso encaminhar ao Setor Financeiro dentro do horário do "
    "provedor e abrir O.S. de Outras Demandas fora dele)",
    "priorizar orientar cliente a emitir a segunda via diretamente pelo bot do chat na opção "
    "1 - SEGUNDA VIA DO BOLETO, logo no menu inicial.",
)
R_TV_ONLY = (
    "Alguns clientes tem só TV contratada com o provedor sem internet, eles possuem um Login "
    "de 1Kbps (Plano: SeAC) somente para cadastro",
    "Podemos encaminhar para N3 quando houverem problemas nos serviços de TV",
    "Usuário e Senha da TV no IXC: Editar Cliente → Contrato → Selecionar Contrato → ⁝  → "
    "TV→ Selecionar Usuário TV",
    "(É possível alterar a senha pelo próprio App)",
)
R_OWN_ROUTER = (
    "A maioria dos clientes tem seu próprio Roteador, portanto, não temos acesso",
    "Podemos auxiliar na reconfiguração, informando o PPPoE",
)
R_RESET = (
    "Quais são as tratativas para reset? R: Podemos auxiliar na reconfiguração, informando o PPPoE",
    "Caso suba o cliente, mas não seja possível habilitar o acesso remoto, encaminhar o "
    "técnico para fazê-lo",
)

#: Reasons an O.S. may carry, as the O.S. message names them.
REASON_PT = {
    "tecnico": "problema técnico (atendimento N1 sem solução)",
    "visita": "cliente insiste na visita técnica",
    "repetidor": "repetidor: cliente muito insatisfeito",
    "reset": "equipamento resetado: habilitar o acesso remoto",
    "tv": "problema nos serviços de TV",
    "ip_fixo": "IP fixo (fora do horário do provedor)",
    "endereco": "mudança de endereço",
    "ponto": "mudança de ponto ou novo ponto",
    "pausa": "pausa ou religue de contrato pausado",
    "financeiro": "contrato bloqueado com mais de 2 faturas em atraso (fora do horário)",
}


@dataclass(frozen=True)
class Situation:
    """What the page knows about the customer when it offers procedures."""

    #: cpe.policy.ContractCheck.state
    contract: str
    tv_only: bool = False
    own_router: bool = False
    #: ok | unreachable | no_access | no_signal | bridge | busy | error | none
    device: str = "ok"
    #: The subscriber source can open service orders (IXC yes, CSV no).
    can_open: bool = True


@dataclass(frozen=True)
class Procedure:
    id: str
    titulo: str
    roteiro: tuple[str, ...]
    agora: str
    #: (kind, reason) of the O.S. the page offers, if any.
    os: tuple[str, str] | None = None
    #: Shown by itself (the customer's situation) or picked from "O cliente pede…".
    automatico: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "titulo": self.titulo,
            "roteiro": list(self.roteiro),
            "agora": self.agora,
            "automatico": self.automatico,
            "os": None,
        }
        if self.os:
            kind, reason = self.os
            out["os"] = {"tipo": kind, "motivo": reason, "rotulo": f"Abrir {ORDER_KIND_PT[kind]}"}
        return out | self.extra


def _in_hours(hours: Hours, now: datetime, inside: str, outside: str) -> tuple[str, bool]:
    """(what to do now, whether it is outside the provider's hours)."""
    when = hours.describe_pt()
    if hours.open_at(now):
        return f"Agora é horário do provedor ({when}): {inside}", False
    return f"Agora é fora do horário do provedor ({when}): {outside}", True


def procedures(sit: Situation, hours: Hours, now: datetime) -> list[Procedure]:
    """The procedures for this customer, situational ones first."""
    out: list[Procedure] = []
    blocked = sit.contract in ("blocked", "disabled")
    paused = sit.contract == "paused"
    od = sit.can_open
    n3 = sit.can_open and not blocked and not paused

    if sit.contract == "blocked":
        out.append(
            Procedure(
                "bloqueado",
                "Contrato bloqueado",
                R_BLOCKED,
                "Não abra O.S. nem faça atendimento técnico. Oriente a segunda via (bot do "
                "chat, opção 1) e o envio do comprovante; com até 2 faturas em atraso, libere "
                "somente depois do pagamento de uma delas com o comprovante.",
                automatico=True,
            )
        )
        agora, outside = _in_hours(
            hours,
            now,
            "transfira ao Setor Financeiro.",
            "abra uma O.S. de Outras Demandas para o Financeiro (exceção do roteiro para "
            "mais de 2 faturas em atraso).",
        )
        out.append(
            Procedure(
                "bloqueado_mais_de_2",
                "Mais de 2 faturas em atraso",
                R_BLOCKED[2:3],
                agora,
                (OUTRAS, "financeiro") if outside and od else None,
            )
        )
    if paused:
        out.append(
            Procedure(
                "pausado",
                "Contrato pausado",
                R_PAUSED,
                "Pausa não é bloqueio por pagamento. Abra uma O.S. de Outras Demandas para o "
                "provedor; se o financeiro estiver em dia, o contrato pode ser desbloqueado e "
                "depois enviado ao provedor.",
                (OUTRAS, "pausa") if od else None,
                automatico=True,
            )
        )
    if sit.tv_only:
        out.append(
            Procedure(
                "so_tv",
                "Cliente só de TV",
                R_TV_ONLY,
                "Plano só de TV (SeAC): o login de 1 Kbps existe só para cadastro; não há "
                "internet nem equipamento para configurar. Problemas nos serviços de TV vão "
                "para o N3.",
                (N3, "tv") if n3 else None,
                automatico=True,
            )
        )
    elif sit.own_router:
        out.append(
            Procedure(
                "roteador_proprio",
                "Roteador próprio do cliente",
                R_OWN_ROUTER,
                "Não é erro: o roteador é do cliente e o provedor não tem acesso a ele. "
                "Ajude o cliente a configurá-lo com o login e a senha do PPPoE (em “Dados "
                "do cliente”).",
                automatico=True,
            )
        )
    elif not blocked and not paused:
        if sit.device == "unreachable":
            out.append(
                Procedure(
                    "sem_resposta",
                    "Equipamento sem resposta",
                    (R_DISCONNECTED,),
                    "Confirme com o cliente se o equipamento está ligado e com as luzes "
                    "normais; se continuar sem resposta, abra uma O.S. para o N3.",
                    (N3, "tecnico") if n3 else None,
                    automatico=True,
                )
            )
        elif sit.device == "no_access":
            out.append(
                Procedure(
                    "sem_acesso",
                    "Sem acesso ao equipamento",
                    (R_NO_ACCESS, R_NO_PASSWORD),
                    "Mande recado no grupo do provedor (sem acesso ao equipamento) e, se o "
                    "cliente estiver sem serviço, abra uma O.S. para o N3.",
                    (N3, "tecnico") if n3 else None,
                    automatico=True,
                )
            )
        elif sit.device == "no_signal":
            out.append(
                Procedure(
                    "sem_sinal",
                    "Sem sinal óptico",
                    (R_N3_ONLY,),
                    "A ONU não recebe sinal da fibra (possível fibra rompida ou conector "
                    "solto): não se resolve remotamente. Abra uma O.S. para o N3.",
                    (N3, "tecnico") if n3 else None,
                    automatico=True,
                )
            )
    if blocked:
        return out
    # What the customer may ask for, on any page that is not blocked.
    if not sit.tv_only and not paused:
        out.append(
            Procedure(
                "repetidor",
                "Repetidor de sinal",
                R_REPEATER,
                "Não damos suporte a repetidores: recomende um profissional. Só abra O.S. se "
                "o cliente estiver muito insatisfeito.",
                (N3, "repetidor") if n3 else None,
            )
        )
        agora, outside = _in_hours(
            hours, now, "transfira ao setor Contratar.", "abra uma O.S. de Outras Demandas."
        )
        out.append(
            Procedure(
                "ip_fixo",
                "IP fixo",
                R_FIXED_IP,
                agora,
                (OUTRAS, "ip_fixo") if outside and od else None,
            )
        )
        out.append(
            Procedure(
                "reset",
                "Cliente resetou o equipamento",
                R_RESET,
                "Ajude a reconfigurar informando os dados do PPPoE. Depois de um reset o "
                "equipamento pode perder o acesso remoto: se o cliente voltar a navegar mas "
                "não houver acesso remoto, um técnico precisa reabilitá-lo (O.S. para o N3).",
                (N3, "reset") if n3 else None,
                extra={"dados_pppoe": True},
            )
        )
    out.append(
        Procedure(
            "endereco",
            "Mudança de endereço",
            R_ADDRESS,
            "Abra uma O.S. de Outras Demandas.",
            (OUTRAS, "endereco") if od else None,
        )
    )
    out.append(
        Procedure(
            "ponto",
            "Mudança de ponto ou novo ponto",
            R_OUTLET,
            "Abra uma O.S. de Outras Demandas (o provedor estuda caso a caso).",
            (OUTRAS, "ponto") if od else None,
        )
    )
    if not paused:
        out.append(
            Procedure(
                "religue",
                "Pausa ou religue de contrato",
                R_PAUSED,
                "Abra uma O.S. de Outras Demandas para o provedor.",
                (OUTRAS, "pausa") if od else None,
            )
        )
    if n3:
        out.append(
            Procedure(
                "visita",
                "Cliente insiste na visita técnica",
                (R_N3_INSIST,),
                "Pode encaminhar ao N3 e sinalizar o provedor no grupo.",
                (N3, "visita"),
            )
        )
    return out


def allowed_orders(procs: list[Procedure], n3_technical: bool) -> set[tuple[str, str]]:
    """(kind, reason) pairs the server accepts for this customer now."""
    out = {p.os for p in procs if p.os}
    if n3_technical:
        out.add((N3, "tecnico"))
    return out


def n3_guidance() -> dict[str, Any]:
    """What the N3 form shows before the O.S. is opened, and the reminders after."""
    return {
        "mensagem_sugerida": R_N3_MESSAGE,
        "prazo_roteiro": R_N3_DEADLINE,
        "ao_abrir": R_N3_CLOSE,
        "visita_insistente": R_N3_INSIST,
    }
