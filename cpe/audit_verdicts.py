"""The verdicts of `cpe audit`: their names in report order, their pt-BR labels, and which
verdict a failure earns (design.md). Kept apart so reports, the service and the CLI can
name verdicts without the audit's machinery."""

from __future__ import annotations

from cpe.errors import CpeError

OK, DRIFT, UNREACHABLE, AUTH_FAILED, LOCKED, BUSY, UNSUPPORTED, ERROR = (
    "ok",
    "drift",
    "unreachable",
    "auth_failed",
    "locked",
    "busy",
    "unsupported",
    "error",
)
#: Every verdict, in report order (design.md).
VERDICTS = (OK, DRIFT, UNREACHABLE, AUTH_FAILED, LOCKED, BUSY, UNSUPPORTED, ERROR)
_KIND_TO_VERDICT = {
    "unreachable": UNREACHABLE,
    "auth_failed": AUTH_FAILED,
    "locked": LOCKED,
    "busy": BUSY,
    "unsupported": UNSUPPORTED,
}

VERDICT_PT = {
    OK: "conforme",
    DRIFT: "divergente",
    UNREACHABLE: "sem resposta",
    AUTH_FAILED: "senha recusada",
    LOCKED: "bloqueado por senha",
    BUSY: "ocupado",
    UNSUPPORTED: "não suportado",
    ERROR: "erro",
}


def verdict_for(exc: BaseException) -> str:
    if isinstance(exc, CpeError):
        return _KIND_TO_VERDICT.get(exc.kind, ERROR)
    return ERROR
