"""The service's side of the actions: the same cpe.actions calls as the CLI, one Context
per request with the logged-in user as operator, plus the IXC writes the page offers
(Wi-Fi data, N3 service order) and the journaled "mostrar" of customer secrets.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from cpe import actions
from cpe.context import Context
from cpe.coord import Intent
from cpe.errors import InputError, PolicyRefused
from cpe.journal import Journal
from cpe.models import Band, validate_passphrase, validate_ssid
from cpe.policy import check_contract, require_actionable
from cpe.progress import Stage
from cpe.service import orders
from cpe.service.backend_staff import StaffDesk
from cpe.service.config import ServiceConfig
from cpe.service.deadline import Clock, n3_deadline, now_local
from cpe.service.jobs import IXC_WRITE
from cpe.service.orders import ServiceUnavailable
from cpe.service.runbook import N3
from cpe.service.views import search_item, status_lines, subscriber_view
from cpe.settings import Settings
from cpe.vocab import CHANGE_PT, words_pt
from inventory.models import Subscriber, WifiRecord

if TYPE_CHECKING:
    from cpe.vault import Vault

log = logging.getLogger("cpe.service")

WIFI_DIFFERS_PT = (
    "Atenção: o Wi-Fi novo já está gravado no IXC, mas o equipamento não o aplicou. Agora o "
    "IXC e o equipamento estão diferentes: tente aplicar de novo."
)
NO_TICKET_BLOCKED_PT = (
    "Não abrimos O.S. para clientes bloqueados (nem Outras Demandas): oriente o cliente a "
    "pagar (segunda via no bot do chat, opção 1) e enviar o comprovante."
)
MAX_TICKET_TEXT = 4000


class _Shared:
    """The decrypted vault and the subscriber source, built once and shared by requests."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._base = Context(settings)
        self._vault: Vault | None = None
        self._vault_stamp: tuple[float, int] | None = None
        #: One journal for the service (it keeps one SQLite connection per thread).
        self.journal = Journal(settings.journal_file)

    def inventory(self) -> Any:
        with self._lock:
            return self._base.inventory

    def vault(self) -> Vault:
        from cpe.vault import Vault

        path = self.settings.vault_file
        try:
            st = path.stat()
            stamp: tuple[float, int] | None = (st.st_mtime, st.st_size)
        except OSError:
            stamp = None
        with self._lock:
            # Re-open when `cpe vault add` changed the file while we serve.
            if self._vault is None or stamp != self._vault_stamp:
                self._vault = Vault.open(self.settings)
                self._vault_stamp = stamp
            return self._vault


@dataclass
class ServiceContext(Context):
    shared: _Shared | None = field(default=None, repr=False)

    @cached_property
    def vault(self) -> Vault:
        assert self.shared is not None
        return self.shared.vault()

    @property
    def inventory(self) -> Any:
        assert self.shared is not None
        return self.shared.inventory()

    @cached_property
    def journal(self) -> Journal:
        assert self.shared is not None
        return self.shared.journal


class Backend(StaffDesk):
    """The agents' actions here; the technicians' and admins' in StaffDesk."""

    def __init__(
        self, settings: Settings, config: ServiceConfig, *, clock: Clock = now_local
    ) -> None:
        self.settings = settings
        self.config = config
        self.clock = clock
        self.shared = _Shared(settings)

    def context(self, user: str) -> ServiceContext:
        return ServiceContext(self.settings, operator=user, shared=self.shared)

    # -- reads ----------------------------------------------------------------------------

    def search(self, user: str, text: str) -> list[dict[str, Any]]:
        text = text.strip()
        if len(text) < 3:
            raise InputError("digite ao menos 3 caracteres para buscar", operation="buscar")
        subs: list[Subscriber] = self.context(user).inventory.search(text, limit=30)
        return [search_item(s) for s in subs]

    def customer(self, user: str, login: str) -> dict[str, Any]:
        ctx = self.context(user)
        sub: Subscriber = ctx.inventory.subscriber(login)
        contract = check_contract(sub)
        report = actions.status(ctx, sub.login)
        return {
            "login": sub.login,
            "ixc": subscriber_view(sub),
            "contrato": {
                "estado": contract.state,
                "permitido": contract.allowed,
                "avisos": contract.notices,
                "bloqueado": contract.state in ("blocked", "disabled"),
                "reduzido": bool(sub.contract and sub.contract.speed_reduced),
            },
            "equipamento": report.model_dump(mode="json"),
            "estado": status_lines(report),
            "achados": report.summary_pt,
            "pode_abrir_os": contract.allowed and self._can_open_tickets(ctx),
            "motivo_sem_os": None if contract.allowed else NO_TICKET_BLOCKED_PT,
            "prazo_n3": n3_deadline(self.clock()).as_dict(),
            "historico": self.history(sub.login, self.config.history_limit),
        }

    def history(self, login: str, limit: int) -> list[dict[str, Any]]:
        return self.shared.journal.history(login, limit=max(1, min(limit, 200)))

    def recent_actions(self, limit: int) -> list[dict[str, Any]]:
        conn = sqlite3.connect(self.settings.journal_file, timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            rows = conn.execute(
                "SELECT at, operator, login, device, action, outcome, changed, message "
                "FROM actions ORDER BY id DESC LIMIT ?",
                (max(1, min(limit, 1000)),),
            ).fetchall()
        finally:
            conn.close()
        return [dict(r) for r in rows]

    # -- device actions -------------------------------------------------------------------

    def reconfigure(
        self, user: str, login: str, *, pppoe: bool, dns: bool, wifi: bool, dry_run: bool
    ) -> dict[str, Any]:
        ctx = self.context(user)
        result = actions.reconfigure(ctx, login, pppoe=pppoe, dns=dns, wifi=wifi, dry_run=dry_run)
        return outcome(result)

    def change_wifi(
        self,
        user: str,
        login: str,
        redes: list[dict[str, Any]],
        progress: Callable[[Stage | str], None] = lambda stage: None,
    ) -> dict[str, Any]:
        """Validate, write to IXC's login record (read-merge-PUT), then apply and verify,
        holding the device the whole time: two agents changing one customer's Wi-Fi at
        once cannot both be told "feito" for different SSIDs (the second is refused as
        busy before it writes IXC)."""
        ctx = self.context(user)
        records = _wifi_records(redes)
        sub: Subscriber = ctx.inventory.subscriber(login)
        require_actionable(sub, "alterar Wi-Fi")
        # One write hold across the IXC write and the device write: a second agent is
        # refused before touching IXC, and never told "feito" for another SSID.
        with actions.device_hold(ctx, sub, Intent.WRITE) as hold:
            progress(IXC_WRITE)
            ctx.inventory.update_wifi(sub.login, records)
            ctx.journal.record_action(
                operator=ctx.who,
                login=sub.login,
                device=f"{sub.host}:{sub.port}",
                action="alterar_wifi_ixc",
                outcome="saved",
                changed=sorted(
                    {"ssid"} | ({"wifi_key"} if any(r.passphrase for r in records) else set())
                ),
                message="Wi-Fi gravado no IXC: "
                + ", ".join(f"{r.band.value} SSID “{r.ssid}”" for r in records),
            )
            try:
                result = actions.reconfigure(
                    ctx, sub.login, wifi=True, progress=progress, held=hold
                )
            except actions.ReconfigureFailed as exc:
                exc.result.notices.insert(0, WIFI_DIFFERS_PT)
                raise
        data = outcome(result)
        data["ixc_atualizado"] = True
        return data

    def reveal(self, user: str, login: str, campo: str, band: str | None) -> dict[str, Any]:
        """A customer secret from IXC, shown on an explicit click, and journaled."""
        ctx = self.context(user)
        sub: Subscriber = ctx.inventory.subscriber(login)
        require_actionable(sub, "mostrar senha")
        secret: SecretStr | None
        if campo == "pppoe":
            secret, what = sub.pppoe_password, "senha PPPoE"
        elif campo == "wifi":
            try:
                rec = sub.wifi_for(Band(band or ""))
            except ValueError:
                raise InputError(f"banda inválida {band!r}", operation="mostrar senha") from None
            secret, what = (rec.passphrase if rec else None), f"senha do Wi-Fi {band}"
        else:
            raise InputError(f"campo inválido {campo!r}", operation="mostrar senha")
        if secret is None:
            raise InputError(f"{what} não cadastrada no IXC", operation="mostrar senha")
        ctx.journal.record_action(
            operator=ctx.who,
            login=sub.login,
            device=f"{sub.host}:{sub.port}",
            action="mostrar_senha",
            outcome="shown",
            changed=[],
            message=f"{what} exibida ao atendente {ctx.who}",
        )
        return {"campo": campo, "band": band, "valor": secret.get_secret_value()}

    # -- N3 -------------------------------------------------------------------------------

    def _can_open_tickets(self, ctx: Context) -> bool:
        return orders.can_open(ctx)

    def open_ticket(
        self, user: str, login: str, achados: list[str], observacao: str
    ) -> dict[str, Any]:
        ctx = self.context(user)
        sub: Subscriber = ctx.inventory.subscriber(login)
        check = check_contract(sub)
        if not check.allowed:
            raise PolicyRefused(
                f"contract {check.state}",
                device=sub.login,
                operation="abrir O.S.",
                detail_pt=NO_TICKET_BLOCKED_PT,
            )
        if not self._can_open_tickets(ctx):
            raise ServiceUnavailable(
                "source cannot open service orders",
                operation="abrir O.S.",
                detail_pt="A fonte de assinantes (arquivo) não abre O.S.: abra direto no IXC.",
            )
        assunto, setor, prioridade = orders.route(N3, self.config, self.settings)
        deadline = n3_deadline(self.clock())
        message = ticket_message(ctx.who, sub, achados, observacao, deadline.due_pt)
        os_id = orders.create(
            ctx,
            sub,
            N3,
            message,
            subject=assunto,
            sector=setor,
            priority=prioridade,
            opened_at=deadline.opened_at,
            journal_note=f"prazo {deadline.hours} h ({deadline.due_pt})",
        )
        return {"os_id": os_id, "mensagem_os": message, **deadline.as_dict()}


def outcome(result: actions.ReconfigureResult) -> dict[str, Any]:
    """A reconfigure result with the words the page shows. A dry run says it is one:
    nothing was written, and what a real run would change is `alteraria`."""
    if result.dry_run:
        planned = result.planned or result.changed
        would = words_pt(planned, CHANGE_PT)
        return {
            "ok": not result.error,
            "simulacao": True,
            "alteraria": planned,
            "texto": "Simulação: nada foi alterado no equipamento. "
            + (f"Uma correção de verdade alteraria: {would}." if planned else "Nada a corrigir."),
            "proximo_passo": None,
            "avisos": result.notices,
            "resultado": result.model_dump(mode="json"),
        }
    if result.verified and result.changed:
        texto = f"Feito e conferido no equipamento: {words_pt(result.changed, CHANGE_PT)} " + (
            "alterado e conferido na releitura."
            if len(result.changed) == 1
            else "alterados e conferidos na releitura."
        )
    elif result.verified:
        texto = "Feito e conferido no equipamento: já estava conforme o IXC, nada precisou mudar."
    else:
        texto = result.message_pt or "Não foi possível confirmar a alteração."
    return {
        "ok": bool(result.verified and not result.error),
        "simulacao": False,
        "alterado": result.changed if result.verified else [],
        "texto": texto,
        "proximo_passo": None,
        "avisos": result.notices,
        "resultado": result.model_dump(mode="json"),
    }


def _wifi_records(redes: list[dict[str, Any]]) -> list[WifiRecord]:
    if not redes:
        raise InputError("informe ao menos uma rede Wi-Fi", operation="alterar Wi-Fi")
    out: list[WifiRecord] = []
    for rede in redes:
        try:
            band = Band(str(rede.get("band", "")))
        except ValueError:
            raise InputError(
                f"banda inválida {rede.get('band')!r} (use 2.4GHz ou 5GHz)",
                operation="alterar Wi-Fi",
            ) from None
        ssid = str(rede.get("ssid") or "")
        senha = rede.get("senha")
        try:
            validate_ssid(ssid)
            if senha:
                validate_passphrase(str(senha))
        except ValueError as exc:
            raise InputError(f"{band.value}: {exc}", operation="alterar Wi-Fi") from None
        out.append(
            WifiRecord(band=band, ssid=ssid, passphrase=SecretStr(str(senha)) if senha else None)
        )
    return out


def ticket_message(
    who: str, sub: Subscriber, achados: list[str], observacao: str, due_pt: str
) -> str:
    lines = [
        "Encaminhado ao N3 pelo atendimento (cpe-toolkit).",
        f"Atendente: {who}",
        f"Login PPPoE: {sub.login}",
        f"Cliente: {sub.customer_name or '-'}",
        f"Equipamento: {sub.model_text or sub.model or '-'} em {sub.host or '?'}:{sub.port}",
        f"Prazo informado ao cliente: {due_pt}",
        "",
        "Achados:",
        *[f"- {a.strip()}" for a in achados if a and a.strip()][:30],
    ]
    if observacao.strip():
        lines += ["", "Observação do atendente (contato, melhor período):", observacao.strip()]
    return "\n".join(lines)[:MAX_TICKET_TEXT]


__all__ = ["Backend", "ServiceContext", "ServiceUnavailable", "outcome"]
