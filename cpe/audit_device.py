"""Auditing one device: read it (under its device lock) and compare it with IXC, or turn
the failure into a result; one `DeviceResult` per device, never an exception for a
device problem. The run (cpe.audit) calls these from its workers, and so do the Celery
workers (cpe.scale.worker)."""

from __future__ import annotations

import time
from typing import Any

from cpe import drift as drift_mod
from cpe.audit_detail import base_detail, error_detail, status_detail
from cpe.audit_results import DeviceResult
from cpe.audit_verdicts import DRIFT, ERROR, OK, UNREACHABLE, verdict_for
from cpe.context import Context
from cpe.coord import Intent
from cpe.errors import CpeError, DeviceError, SessionBusy
from inventory.models import Subscriber

TIMEOUT_PT = "O equipamento não concluiu a leitura dentro do tempo total por equipamento."


def error_result(sub: Subscriber, exc: BaseException, *, contacted: bool) -> DeviceResult:
    verdict = verdict_for(exc)
    detail = base_detail(sub)
    if verdict == UNREACHABLE:
        detail["reachable"] = False
    elif contacted and isinstance(exc, DeviceError):
        # The device answered (a refusal, a lock, someone else's session, garbage).
        detail["reachable"] = True
    detail["error"] = error_detail(exc)
    return DeviceResult(sub.login, sub.model, verdict, [], detail)


def timeout_result(sub: Subscriber, budget_s: float) -> DeviceResult:
    detail = base_detail(sub)
    detail["reachable"] = False
    detail["error"] = {
        "kind": "timeout",
        "operation": "audit",
        "message": f"device did not finish within {budget_s:.0f}s",
        "mensagem": TIMEOUT_PT,
        "proximo_passo": "Tente de novo mais tarde; se persistir, abra uma O.S. para o N3.",
    }
    return DeviceResult(sub.login, sub.model, UNREACHABLE, [], detail)


def unknown_login_result(login: str, exc: CpeError) -> DeviceResult:
    detail: dict[str, Any] = {"reachable": None, "contract": None, "error": error_detail(exc)}
    return DeviceResult(login, None, ERROR, [], detail)


def audit_device(ctx: Context, sub: Subscriber, *, lock_wait_s: float = 0.0) -> DeviceResult:
    """Read one device and compare it with IXC. Never raises for a device problem."""
    from cpe.actions import device_hold, open_driver  # late: actions imports the drivers

    started = time.monotonic()
    contacted = False
    try:
        with device_hold(ctx, sub, Intent.READ, wait_s=lock_wait_s):
            contacted = True
            drv = open_driver(ctx, sub)
            with drv:
                st = drv.get_status()
            caps = type(drv).capabilities
    except SessionBusy as exc:
        # Refused by our own lock (another action holds the device): not contacted.
        return error_result(sub, exc, contacted=contacted)
    except CpeError as exc:
        return error_result(sub, exc, contacted=contacted and exc.operation != "resolve")
    drifts = drift_mod.find_drifts(st, sub, caps, ctx.settings)
    names = drift_mod.drift_names(drifts)
    detail = status_detail(sub, st, caps, drifts, ctx)
    detail["duration_s"] = round(time.monotonic() - started, 3)
    return DeviceResult(sub.login, sub.model or st.model, DRIFT if names else OK, names, detail)
