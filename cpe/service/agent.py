"""The agent page's side of the service: one customer's view (state, the actions that can
work, the runbook's procedures, the history agents need), device actions as jobs with live
stages, and the two kinds of service order.

Every action names the login shown on the agent's screen; a request whose screen login
differs from the login it acts on is refused before anything is read or written.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from cpe import actions
from cpe.audit import VERDICT_PT
from cpe.errors import CpeError, InputError, PolicyRefused, Unsupported
from cpe.policy import OWN_ROUTER_NOTICE, check_contract, require_actionable
from cpe.service import orders
from cpe.service.auth import ApiError
from cpe.service.backend import WIFI_DIFFERS_PT, Backend, _wifi_records, outcome
from cpe.service.deadline import n3_deadline
from cpe.service.hours import Hours, parse_hours
from cpe.service.jobs import Job, Jobs
from cpe.service.offers import TASKS, device_state, offers
from cpe.service.runbook import (
    N3,
    ORDER_KIND_PT,
    Situation,
    allowed_orders,
    n3_guidance,
    procedures,
)
from cpe.service.views import status_lines, subscriber_view
from cpe.vocab import ACTION_PT, CHANGE_PT, CONTRACT_STATE_PT, OUTCOME_PT, words_pt
from inventory.models import Subscriber

TV_ONLY_PT = (
    "Cliente só de TV (plano SeAC): o login de 1 Kbps existe só para cadastro; não há "
    "internet nem equipamento para configurar."
)
OWN_ROUTER_LINE_PT = "Roteador próprio do cliente: o provedor não tem acesso a ele (não é um erro)."
MISMATCH_PT = (
    "Ação recusada: a tela mostra o cliente {shown}, mas o pedido era para {asked}. Nada foi "
    "feito. Abra o cliente de novo e confira antes de agir."
)
CONTACT_FIRST_PT = (
    "Antes de abrir a O.S. para o N3, leia a mensagem sugerida ao cliente e confirme o "
    "telefone e o melhor período de contato."
)


def check_screen(login: str, login_tela: str) -> None:
    """The action must be for the customer on the agent's screen."""
    if login_tela != login:
        raise ApiError(
            409,
            "login_divergente",
            MISMATCH_PT.format(shown=login_tela, asked=login),
            "Recarregue o cliente na tela e refaça a ação.",
        )


class AgentDesk:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.jobs = Jobs()

    @cached_property
    def hours(self) -> Hours:
        return parse_hours(self.backend.config.horario_provedor)

    @cached_property
    def _tv_plans(self) -> re.Pattern[str]:
        return re.compile(self.backend.config.planos_so_tv, re.IGNORECASE)

    def tv_only(self, sub: Subscriber) -> bool:
        plan = sub.contract.plan if sub.contract else None
        return bool(plan and self._tv_plans.search(plan))

    # -- the customer's page ----------------------------------------------------------------

    def customer(self, user: str, login: str) -> dict[str, Any]:
        ctx = self.backend.context(user)
        sub: Subscriber = ctx.inventory.subscriber(login)
        check = check_contract(sub)
        tv = self.tv_only(sub)
        own = sub.equipment_owner == "P"
        report = None if tv or own else actions.status(ctx, sub.login)
        if report is not None:
            lines = status_lines(report)
        else:
            lines = [
                {
                    "rotulo": "Equipamento",
                    "texto": TV_ONLY_PT if tv else OWN_ROUTER_LINE_PT,
                    "nivel": "info",
                }
            ]
        device = device_state(report)
        can_open = orders.can_open(ctx)
        now = self.backend.clock()
        sit = Situation(check.state, tv, own, device, can_open)
        procs = procedures(sit, self.hours, now)
        n3_technical = can_open and check.allowed and not tv
        return {
            "login": sub.login,
            "ixc": subscriber_view(sub),
            "contrato": {
                "estado": check.state,
                "estado_pt": CONTRACT_STATE_PT.get(check.state, check.state),
                "permitido": check.allowed,
                "avisos": check.notices,
                "bloqueado": check.state in ("blocked", "disabled"),
                "pausado": check.state == "paused",
                "reduzido": bool(sub.contract and sub.contract.speed_reduced),
                "so_tv": tv,
            },
            "roteador_proprio": own,
            "equipamento": report.model_dump(mode="json") if report else None,
            "situacao": device,
            "estado": lines,
            "achados": report.summary_pt if report else [lines[0]["texto"]],
            "acoes": offers(sub, report, self.backend.settings, allowed=check.allowed, tv_only=tv),
            "roteiro": [p.as_dict() for p in procs],
            "os_n3_tecnico": n3_technical,
            "n3": n3_guidance() | {"prazo": n3_deadline(now).as_dict()},
            "horario_provedor": {
                "aberto": self.hours.open_at(now),
                "texto": self.hours.describe_pt(),
            },
            "historico": self.history(sub.login),
        }

    def history(self, login: str) -> dict[str, Any]:
        """Agent actions first; audit rows folded into a count and the latest verdict."""
        limit = self.backend.config.history_limit
        rows = self.backend.history(login, 200)
        acts = [r for r in rows if r.get("kind") == "action"][:limit]
        audits = [r for r in rows if r.get("kind") == "audit"]
        return {
            "acoes": [
                r
                | {
                    "acao_pt": ACTION_PT.get(r["action"], r["action"]),
                    "resultado_pt": OUTCOME_PT.get(r["outcome"], r["outcome"]),
                    "alteracoes_pt": words_pt(r.get("changed") or [], CHANGE_PT),
                }
                for r in acts
            ],
            "auditorias": {
                "total": len(audits),
                "itens": [
                    r
                    | {
                        "veredito_pt": VERDICT_PT.get(r["verdict"], r["verdict"]),
                        "divergencias_pt": words_pt(r.get("drifts") or [], CHANGE_PT),
                    }
                    for r in audits[:limit]
                ],
            },
        }

    # -- device actions as jobs ---------------------------------------------------------------

    def start_task(
        self,
        user: str,
        login: str,
        acao: str,
        *,
        redes: list[dict[str, Any]] | None = None,
        simulacao: bool = False,
    ) -> Job:
        """Check now what can be checked without the device (policy, input), then run
        the action in the background; its stages go to the job."""
        ctx = self.backend.context(user)
        sub: Subscriber = ctx.inventory.subscriber(login)
        require_actionable(sub, acao)
        if self.tv_only(sub):
            raise PolicyRefused(
                "TV-only plan", device=sub.login, operation=acao, detail_pt=TV_ONLY_PT
            )
        if sub.equipment_owner == "P":
            raise Unsupported(
                "customer-owned router",
                device=sub.login,
                operation=acao,
                detail_pt=OWN_ROUTER_NOTICE,
            )
        if acao == "alterar_wifi":
            if simulacao:
                raise InputError("a alteração de Wi-Fi não tem simulação", operation=acao)
            _wifi_records(redes or [])  # a bad SSID or key is refused before any job starts
            return self.jobs.start(
                user, sub.login, acao, lambda job: self._wifi(user, sub, redes or [], job)
            )
        task = TASKS.get(acao)
        if task is None:
            raise InputError(f"ação desconhecida {acao!r}", operation="ação")

        def work(job: Job) -> tuple[bool, dict[str, Any]]:
            try:
                result = actions.reconfigure(
                    self.backend.context(user),
                    sub.login,
                    pppoe=task.pppoe,
                    dns=task.dns,
                    wifi=task.wifi,
                    dry_run=simulacao,
                    progress=job.stage,
                )
            except CpeError as exc:
                return False, failure(exc)
            data = outcome(result)
            return bool(data["ok"]), data

        return self.jobs.start(user, sub.login, acao, work)

    def _wifi(
        self, user: str, sub: Subscriber, redes: list[dict[str, Any]], job: Job
    ) -> tuple[bool, dict[str, Any]]:
        try:
            data = self.backend.change_wifi(user, sub.login, redes, progress=job.stage)
        except actions.ReconfigureFailed as exc:
            # IXC already holds the new Wi-Fi: say plainly that the two now differ.
            body = failure(exc)
            body["texto"] = WIFI_DIFFERS_PT + " Motivo: " + body["texto"]
            body["avisos"] = [a for a in body.get("avisos", []) if a != WIFI_DIFFERS_PT]
            body["ixc_e_equipamento_diferentes"] = True
            body["tentar_de_novo"] = "aplicar_wifi_ixc"
            return False, body
        except CpeError as exc:
            return False, failure(exc)
        return bool(data["ok"]), data

    # -- secrets and service orders -----------------------------------------------------------

    def open_order(
        self,
        user: str,
        login: str,
        *,
        tipo: str,
        motivo: str,
        telefone: str,
        periodo: str,
        observacao: str,
        achados: list[str],
        confirmou_contato: bool,
        grave: bool,
    ) -> dict[str, Any]:
        ctx = self.backend.context(user)
        sub: Subscriber = ctx.inventory.subscriber(login)
        check = check_contract(sub)
        tv = self.tv_only(sub)
        own = sub.equipment_owner == "P"
        can_open = orders.can_open(ctx)
        now = self.backend.clock()
        # The device state only decides which situational procedure is shown; every one of
        # them offers the technical N3, which is allowed whenever the contract is.
        procs = procedures(Situation(check.state, tv, own, "ok", can_open), self.hours, now)
        allowed = allowed_orders(procs, can_open and check.allowed and not tv)
        if (tipo, motivo) not in allowed:
            raise PolicyRefused(
                f"order {tipo}/{motivo} not allowed for contract {check.state}",
                device=sub.login,
                operation="abrir O.S.",
                detail_pt=refusal_pt(tipo, check.state, check.notices, can_open),
            )
        if tipo == N3 and not (confirmou_contato and telefone.strip()):
            raise InputError(
                "contato não confirmado", operation="abrir O.S.", detail_pt=CONTACT_FIRST_PT
            )
        subject, sector, priority = orders.route(tipo, self.backend.config, self.backend.settings)
        deadline = n3_deadline(now) if tipo == N3 else None
        message = orders.order_message(
            tipo,
            ctx.who,
            sub,
            reason=motivo,
            findings=achados,
            note=observacao,
            phone=telefone,
            period=periodo,
            due_pt=deadline.due_pt if deadline else None,
            escalate=grave,
        )
        os_id = orders.create(
            ctx,
            sub,
            tipo,
            message,
            subject=subject,
            sector=sector,
            priority=priority,
            opened_at=deadline.opened_at if deadline else now,
            period=periodo,
            journal_note=f"prazo {deadline.hours} h ({deadline.due_pt})" if deadline else "",
        )
        out: dict[str, Any] = {
            "os_id": os_id,
            "tipo": tipo,
            "tipo_pt": ORDER_KIND_PT[tipo],
            "mensagem_os": message,
        }
        if deadline:
            out |= deadline.as_dict() | n3_guidance()
        return out


def refusal_pt(tipo: str, state: str, notices: list[str], can_open: bool) -> str:
    if not can_open:
        return "A fonte de assinantes (arquivo) não abre O.S.: abra direto no IXC."
    if state in ("blocked", "disabled", "paused"):
        return " ".join(notices)
    return (
        f"Esta {ORDER_KIND_PT[tipo]} não se aplica a este cliente agora (veja o roteiro na "
        "página: dentro do horário do provedor, a regra pode ser transferir ao setor)."
    )


def failure(exc: CpeError) -> dict[str, Any]:
    """A failed action as the page shows it (the same words as the HTTP error body)."""
    from cpe.service.app import NO_TICKET_KINDS  # the app imports this module

    body: dict[str, Any] = {}
    if isinstance(exc, actions.ReconfigureFailed):
        body |= outcome(exc.result)
    body |= {
        "ok": False,
        "texto": exc.pt(),
        "proximo_passo": exc.next_step_pt,
        "erro": {"tipo": exc.kind, "mensagem": exc.pt(), "proximo_passo": exc.next_step_pt},
        "oferecer_os": exc.kind not in NO_TICKET_KINDS,
    }
    return body
