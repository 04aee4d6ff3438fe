"""One error root for the whole toolkit.

    CpeError                      every error the toolkit raises on purpose
    ├── InputError                bad input from the user (exit code 2)
    ├── PolicyRefused             the runbook forbids the action (exit code 3)
    ├── VaultError                vault missing, wrong key, tampered file
    ├── JournalError              the journal cannot be read or written: no device is
    │                             written without it (exit code 1)
    ├── InventoryError            subscriber source problems
    │   ├── UnknownLogin          no such PPPoE login in IXC / the CSV
    │   └── IxcError              IXC answered an error, HTML or 401
    └── DeviceError               the device failed the action (exit code 1)
        ├── DeviceUnreachable     no TCP answer, reset, refused
        │   └── Timeout           the device did not answer in time
        ├── AuthError             every candidate password was refused
        ├── LockoutRisk           the device is locked, or one more failure would lock it
        ├── SessionBusy           someone else holds the single admin session
        ├── Unsupported           the model/firmware cannot do this (yet)
        ├── ParseError            the device answered something we cannot read
        ├── DeviceRejected        the device refused a write (error code in its answer)
        └── VerifyFailed          the read-back after a write did not match

Every error carries the device (host:port or login), the model key and the operation,
and a Portuguese text for N1 agents. None may ever hold a secret: messages are built
only from non-secret fields, and `raise ... from` keeps the cause for debugging.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "CpeError",
    "DeviceError",
    "DeviceRejected",
    "DeviceUnreachable",
    "InputError",
    "InventoryError",
    "IxcError",
    "JournalError",
    "LockoutRisk",
    "ParseError",
    "PolicyRefused",
    "SessionBusy",
    "Timeout",
    "UnknownLogin",
    "Unsupported",
    "VaultError",
    "VerifyFailed",
]

#: The runbook's deadline words: "24h corridas em dias de semana, 48h corridas aos fins de semana".
N3_DEADLINE_PT = "prazo: 24 h corridas em dias de semana, 48 h corridas aos fins de semana"
N3_HINT = f"Abra uma O.S. para o N3 ({N3_DEADLINE_PT})."


class CpeError(Exception):
    """Root of every error the toolkit raises on purpose."""

    exit_code = 1
    #: Short machine-readable kind, used in JSON output, audit verdicts and the journal.
    kind = "error"
    #: Portuguese explanation for agents; formatted with the error's fields.
    pt_template = "Falha inesperada: {message}"
    #: What the agent should do next (Portuguese).
    next_step_pt = N3_HINT
    #: Login attempts this command sent to the device before failing (None: not a login
    #: question), so the agent's text and the JSON say what was really done.
    attempts_now: int | None = None

    def __init__(
        self,
        message: str,
        *,
        device: str | None = None,
        model: str | None = None,
        operation: str | None = None,
        detail_pt: str | None = None,
    ) -> None:
        self.message = message
        self.device = device
        self.model = model
        self.operation = operation
        self.detail_pt = detail_pt
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ", ".join(
            f"{k}={v}"
            for k, v in (("device", self.device), ("model", self.model), ("op", self.operation))
            if v
        )
        return f"{self.message} [{where}]" if where else self.message

    def pt(self) -> str:
        """The agent-facing Portuguese message (never contains a secret)."""
        text = self.detail_pt or self.pt_template.format(
            message=self.message,
            device=self.device or "?",
            model=self.model or "?",
            operation=self.operation or "?",
        )
        return text

    def as_dict(self) -> dict[str, str | int | None]:
        out: dict[str, str | int | None] = {
            "kind": self.kind,
            "exit_code": self.exit_code,
            "message": self.message,
            "mensagem": self.pt(),
            "proximo_passo": self.next_step_pt,
            "device": self.device,
            "model": self.model,
            "operation": self.operation,
        }
        if self.attempts_now is not None:
            out["tentativas_agora"] = self.attempts_now
        return out

    def with_context(
        self, *, device: str | None = None, model: str | None = None, operation: str | None = None
    ) -> CpeError:
        """Fill in context fields that a lower layer did not know."""
        self.device = self.device or device
        self.model = self.model or model
        self.operation = self.operation or operation
        self.args = (self.__str__(),)
        return self


class InputError(CpeError):
    exit_code = 2
    kind = "bad_input"
    pt_template = "Dado inválido: {message}"
    next_step_pt = "Corrija o dado e tente de novo."


class PolicyRefused(CpeError):
    exit_code = 3
    kind = "refused"
    pt_template = "Ação recusada pela política: {message}"
    next_step_pt = "Siga a orientação do roteiro de atendimento."


class VaultError(CpeError):
    exit_code = 2
    kind = "vault"
    pt_template = "Cofre de senhas: {message}"
    next_step_pt = "Avise o técnico responsável pelo cofre (cpe vault)."


class JournalError(CpeError):
    exit_code = 1
    kind = "journal"
    pt_template = "Diário de ações: {message}. Nenhum equipamento foi alterado."
    next_step_pt = (
        "Rode `cpe journal check`: ele diz o que houve e como começar um diário novo sem "
        "apagar o antigo. Avise o técnico responsável pela ferramenta."
    )


class InventoryError(CpeError):
    kind = "inventory"
    pt_template = "Cadastro (IXC): {message}"
    next_step_pt = "Confira o cadastro no IXC; se persistir, avise o grupo do provedor."


class UnknownLogin(InventoryError):
    exit_code = 2
    kind = "unknown_login"
    pt_template = "Login PPPoE não encontrado no IXC: {device}"
    next_step_pt = "Confira o login com o cliente (Editar Cliente → Login) e tente de novo."


class IxcError(InventoryError):
    kind = "ixc_error"
    pt_template = "O IXC respondeu com erro: {message}"


class DeviceError(CpeError):
    kind = "error"
    pt_template = "O equipamento falhou: {message}"


class DeviceUnreachable(DeviceError):
    kind = "unreachable"
    pt_template = "O equipamento não respondeu na porta de gerência ({device})."
    next_step_pt = (
        "Confirme com o cliente se o equipamento está ligado. Sem acesso remoto, abra uma "
        f"O.S. para o N3 ({N3_DEADLINE_PT})."
    )


class Timeout(DeviceUnreachable):
    kind = "unreachable"
    pt_template = "O equipamento não respondeu a tempo ({device})."


class AuthError(DeviceError):
    kind = "auth_failed"
    pt_template = "Nenhuma das senhas cadastradas foi aceita pelo equipamento ({model})."
    next_step_pt = (
        "Mande recado no grupo do provedor: estamos sem acesso ao equipamento. Não tente de "
        "novo agora: cada senha recusada conta para o bloqueio do equipamento."
    )


class LockoutRisk(DeviceError):
    kind = "locked"
    # The login policy always says how many attempts were made now; this generic text
    # (a re-login refused mid-session) must not claim that none was.
    pt_template = (
        "O equipamento está bloqueado por tentativas de senha, ou mais uma tentativa o "
        "bloquearia."
    )
    next_step_pt = "Aguarde alguns minutos antes de tentar de novo; não insista."


class SessionBusy(DeviceError):
    kind = "busy"
    pt_template = (
        "Outra pessoa está conectada na gerência do equipamento agora; não derrubamos a "
        "sessão dela."
    )
    next_step_pt = "Tente de novo em alguns minutos."


class Unsupported(DeviceError):
    exit_code = 2
    kind = "unsupported"
    pt_template = "Este equipamento não suporta esta ação: {message}"
    next_step_pt = "Encaminhe ao técnico (N3) se a mudança for necessária."


class ParseError(DeviceError):
    kind = "error"
    pt_template = "Resposta do equipamento não reconhecida ({operation})."


class DeviceRejected(DeviceError):
    kind = "error"
    pt_template = "O equipamento recusou a alteração ({operation}): {message}"


class VerifyFailed(DeviceError):
    kind = "error"
    pt_template = "A alteração não foi confirmada na releitura do equipamento: {message}"
