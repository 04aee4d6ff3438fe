"""What the two agent actions answer (cpe.actions): the status report, the reconfigure
result, and the error that carries a partial result."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cpe.errors import CpeError

BRIDGE_PT = "Este equipamento está em modo bridge: a configuração é no roteador do cliente."
DONE_PT = "Feito e conferido no equipamento."


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class StatusReport(Out):
    login: str
    model: str | None
    reachable: bool
    transport: str | None = None
    firmware: str | None = None
    uptime_s: int | None = None
    wan: dict[str, Any] | None = None
    dns: list[str] = Field(default_factory=list)
    wifi: list[dict[str, str]] = Field(default_factory=list)
    optical: dict[str, Any] | None = None
    optical_verdict: str | None = None
    contract: dict[str, Any] = Field(default_factory=dict)
    drifts: list[str] = Field(default_factory=list)
    error: dict[str, Any] | None = None
    summary_pt: list[str] = Field(default_factory=list)
    #: Actions that never finished (a killed process), as cpe.reconcile describes them:
    #: closed by this read ("DNS gravado, conferido agora"), or still pending when the
    #: device could not be read.
    interrupted: list[dict[str, Any]] = Field(default_factory=list)
    #: Public advisories listing this unit's firmware as vulnerable (drivers.advisories):
    #: id, resumo, fonte, gravidade. Matched by version string only.
    advisories: list[dict[str, str]] = Field(default_factory=list)


class ReconfigureResult(Out):
    login: str
    changed: list[str] = Field(default_factory=list)
    verified: bool = False
    rolled_back: bool = False
    dry_run: bool = False
    #: What the difference called for; `changed` is what the device actually accepted.
    planned: list[str] = Field(default_factory=list)
    unverified: list[str] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)
    message_pt: str = ""
    error: dict[str, Any] | None = None


class ReconfigureFailed(CpeError):
    """Carries the partial result (what changed, what was restored) with the cause."""

    def __init__(self, result: ReconfigureResult, cause: CpeError) -> None:
        self.result = result
        self.cause = cause
        self.exit_code = cause.exit_code
        self.kind = cause.kind
        self.next_step_pt = cause.next_step_pt
        super().__init__(
            cause.message,
            device=cause.device,
            model=cause.model,
            operation=cause.operation,
            detail_pt=cause.pt(),
        )


