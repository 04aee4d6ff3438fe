"""The two agent actions: read a customer's device, and reconfigure it from IXC.

login → IXC (address `radusuarios.ip`, port 2389, model key, expected PPPoE, DNS
1.1.1.1/1.0.0.1, SSID and key) → credentials from the vault → driver.

Every device session is held under the host's device locks (cpe.coord): a read waits,
bounded, for whoever holds the device; a write waits for a read in progress and is
refused at once only by another write. Logins go through the shared failure ledger, so
no command, however often repeated, locks a device.

Reconfigure reads first, computes the difference, journals the plan, applies only what
differs (PPPoE last: it restarts the WAN), reconnects after the restart, reads back to
verify, and when the verification fails restores what it changed and says so
(cpe.reconfigure_run). A read closes any action a killed process left unfinished
(cpe.reconcile).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from cpe import drift as drift_mod
from cpe import reconcile
from cpe.action_models import (
    BRIDGE_PT,
    DONE_PT,
    Out,
    ReconfigureFailed,
    ReconfigureResult,
    StatusReport,
)
from cpe.context import Context
from cpe.coord import Hold, Intent
from cpe.device_access import (
    device_hold,
    device_key,
    make_driver,
    open_driver,
    status_dict,
    target_for,
)
from cpe.errors import (
    CpeError,
    DeviceError,
    DeviceUnreachable,
    JournalError,
)
from cpe.models import DeviceStatus
from cpe.policy import (
    OPTICAL_TEXT_PT,
    check_contract,
    optical_verdict,
    require_actionable,
)
from cpe.progress import Progress, Stage, noop
from cpe.reconfigure_run import Run, safe
from cpe.vocab import WAN_ERROR_PT
from drivers import advisories
from inventory.models import Subscriber

__all__ = [
    "BRIDGE_PT",
    "DONE_PT",
    "Out",
    "ReconfigureFailed",
    "ReconfigureResult",
    "StatusReport",
    "device_hold",
    "device_key",
    "make_driver",
    "open_driver",
    "reconfigure",
    "status",
    "status_dict",
    "target_for",
]

log = logging.getLogger("cpe.actions")


# --- status -------------------------------------------------------------------------------


def status(
    ctx: Context, login: str, *, on_wait: Callable[[float], None] | None = None
) -> StatusReport:
    """Read the device (waiting, bounded, for whoever holds it; `on_wait(elapsed_s)` is
    called now and then meanwhile) and compare it with IXC. Closes any action a killed
    process left unfinished on this login (report.interrupted)."""
    sub = ctx.inventory.subscriber(login)
    contract = check_contract(sub)
    report = StatusReport(
        login=sub.login,
        model=sub.model,
        reachable=False,
        contract={
            "state": contract.state,
            "allowed": contract.allowed,
            "notices": contract.notices,
        },
    )
    journal_note = _journal_problem(ctx)
    try:
        with device_hold(ctx, sub, Intent.READ, on_wait=on_wait):
            drv = open_driver(ctx, sub)
            with drv:
                st = drv.get_status()
            caps = type(drv).capabilities
            drifts = drift_mod.find_drifts(st, sub, caps, ctx.settings)
            names = drift_mod.drift_names(drifts)
            unreadable = frozenset(
                {drift_mod.WIFI_KEY} if any(w.passphrase is None for w in st.wifi) else ()
            )
            closed = (
                reconcile.reconcile(ctx, sub.login, names, unreadable) if not journal_note else []
            )
    except CpeError as exc:
        report.error = exc.as_dict()
        report.interrupted = [] if journal_note else reconcile.pending(ctx.journal, sub.login)
        report.summary_pt = [
            exc.pt(),
            exc.next_step_pt,
            *(i["message"] for i in report.interrupted),
            *contract.notices,
            *([journal_note] if journal_note else []),
        ]
        report.reachable = not isinstance(exc, DeviceUnreachable) and isinstance(exc, DeviceError)
        return report
    data = status_dict(sub, st)
    verdict = optical_verdict(
        st.optical, ctx.settings.optical_warn_dbm, ctx.settings.optical_crit_dbm
    )
    report = StatusReport(
        login=sub.login,
        reachable=True,
        optical_verdict=str(verdict) if st.optical else None,
        contract=report.contract,
        drifts=names,
        bridge_mode=st.bridge_mode,
        onu_rows=sub.onu_rows,
        interrupted=closed,
        **data,
    )
    standard = " / ".join(str(d) for d in drift_mod.standard_dns(ctx.settings))
    report.summary_pt = _summary_pt(
        st, drifts, verdict if st.optical else None, contract.notices, standard
    )
    report.summary_pt += [c["texto"] for c in closed]
    found = advisories.matching(sub.model, st.firmware)
    report.advisories = advisories.as_rows(found)
    if line := advisories.line_pt(found):
        report.summary_pt.append(line)
    if journal_note:
        report.summary_pt.append(journal_note)
    return report


def _journal_problem(ctx: Context) -> str | None:
    """A read does not need the journal; it says so when the journal is unsound."""
    try:
        ctx.journal  # noqa: B018 - opening it checks it
    except JournalError as exc:
        return f"Atenção: {exc.pt()} Rode `cpe journal check`."
    return None


def _summary_pt(
    st: DeviceStatus,
    drifts: list[drift_mod.Drift],
    verdict: Any,
    notices: list[str],
    standard: str = "1.1.1.1 / 1.0.0.1",
) -> list[str]:
    lines = ["Equipamento online (gerência respondeu)."]
    if st.bridge_mode:
        lines.append("ONU em modo bridge: o PPPoE e o Wi-Fi estão no roteador do cliente.")
    elif st.wan.up:
        lines.append(f"PPPoE conectado como {st.wan.pppoe_username} (IP {st.wan.ip}).")
    elif st.wan.error == "pppoe_auth_failed":
        lines.append(
            "PPPoE NÃO conectado: o provedor recusou usuário/senha (erro de autenticação)."
        )
    else:
        reason = WAN_ERROR_PT.get(str(st.wan.error or "other"), WAN_ERROR_PT["other"])
        lines.append(f"PPPoE NÃO conectado: {reason}.")
    if st.dns:
        dns_ok = not any(d.name == drift_mod.DNS for d in drifts)
        shown = " / ".join(str(d) for d in st.dns[:2])
        lines.append(f"DNS {shown}: {'no padrão' if dns_ok else f'FORA do padrão ({standard})'}.")
    for w in st.wifi:
        lines.append(f"Wi-Fi {w.band}: {w.ssid}")
    if verdict is not None and st.optical is not None:
        lines.append(f"Sinal óptico: RX {st.optical.rx_dbm} dBm — {OPTICAL_TEXT_PT[verdict]}.")
    for d in drifts:
        if d.name != drift_mod.OPTICAL:
            lines.append(f"Divergência: {d.detail_pt}")
    return lines + notices




# --- reconfigure ----------------------------------------------------------------------------


def reconfigure(
    ctx: Context,
    login: str,
    *,
    pppoe: bool = False,
    dns: bool = False,
    wifi: bool = False,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    progress: Progress = noop,
    held: Hold | None = None,
) -> ReconfigureResult:
    """Apply IXC's PPPoE, DNS and Wi-Fi where the device differs (none given: all), verify,
    restore on failure. Raises ReconfigureFailed (with the partial result), JournalError
    (the journal is unsound: nothing was read or written), or another CpeError.

    `held`: the caller already holds the device for writing (`device_hold(ctx, sub,
    Intent.WRITE)`, e.g. across an IXC write and this device write); it is not taken
    again."""
    if not (pppoe or dns or wifi):
        pppoe = dns = wifi = True
    sub = ctx.inventory.subscriber(login)
    check = require_actionable(sub, "reconfigure")
    if not dry_run:
        ctx.journal  # noqa: B018 - a journal that cannot record the writes stops them here
    result = ReconfigureResult(login=sub.login, dry_run=dry_run, notices=list(check.notices))
    run = Run(ctx, sub, result, progress, open_driver)
    told = safe(progress)
    waited: list[float] = []

    def on_wait(elapsed: float) -> None:
        if not waited:
            told(Stage.WAITING_DEVICE)
        waited.append(elapsed)

    intent = Intent.READ if dry_run else Intent.WRITE
    if held is not None and (held.key != device_key(sub) or held.intent is not Intent.WRITE):
        raise ValueError("`held` must be a write hold of this subscriber's device")
    try:
        with _hold_or(held, ctx, sub, intent, on_wait) as hold:
            run.hold = hold
            try:
                run.execute(pppoe=pppoe, dns=dns, wifi=wifi, dry_run=dry_run, sleep=sleep)
            except CpeError as exc:
                if isinstance(exc, JournalError) and run.action_id is None:
                    raise  # the intent could not be journaled: nothing was touched
                run.fail(exc)  # restores inside the hold
                raise ReconfigureFailed(result, exc) from exc
    except (ReconfigureFailed, JournalError):
        raise
    except CpeError as exc:  # the device's lock was refused: nothing was done
        run.fail(exc)
        raise ReconfigureFailed(result, exc) from exc
    except BaseException:
        # Ctrl-C or SIGTERM mid-action: say in the journal what was planned and what may
        # have been written, so the next reader knows to re-read the device.
        run.interrupted()
        raise
    run.journal()
    return result


@contextmanager
def _hold_or(
    held: Hold | None,
    ctx: Context,
    sub: Subscriber,
    intent: Intent,
    on_wait: Callable[[float], None],
) -> Iterator[Hold]:
    if held is not None:
        yield held
        return
    with device_hold(ctx, sub, intent, on_wait=on_wait) as hold:
        yield hold
