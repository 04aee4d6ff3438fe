"""The two agent actions: read a customer's device, and reconfigure it from IXC.

login → IXC (address `radusuarios.ip`, port 2389, model key, expected PPPoE, DNS
1.1.1.1/1.0.0.1, SSID and key) → credentials from the vault → driver.

Reconfigure reads first, computes the difference, applies only what differs (PPPoE last:
it restarts the WAN), reconnects after the restart, reads back to verify, and when the
verification fails restores what it changed and says so. Every action is journaled.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cpe import drift as drift_mod
from cpe.context import Context
from cpe.devicelock import device_lock
from cpe.errors import (
    CpeError,
    DeviceError,
    DeviceUnreachable,
    Unsupported,
    VerifyFailed,
)
from cpe.models import Band, Capability, DeviceStatus, Target, Transport
from cpe.policy import (
    OPTICAL_TEXT_PT,
    OWN_ROUTER_NOTICE,
    check_contract,
    optical_verdict,
    require_actionable,
)
from cpe.progress import Progress, Stage, noop
from cpe.vocab import CHANGE_PT, WAN_ERROR_PT, words_pt
from drivers.base import Driver
from drivers.registry import DRIVERS, driver_class
from inventory.models import Subscriber

log = logging.getLogger("cpe.actions")

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


# --- plumbing -----------------------------------------------------------------------------


def target_for(
    sub: Subscriber, transport: Transport | None = None, cli_port: int | None = None
) -> Target:
    if not sub.host:
        raise DeviceUnreachable(
            "no management address in IXC",
            device=sub.login,
            model=sub.model,
            operation="resolve",
            detail_pt="O login não tem IP cadastrado no IXC (cliente offline?).",
        )
    if not sub.model:
        raise Unsupported(
            f"unknown device model {sub.model_text!r}",
            device=sub.login,
            operation="resolve",
            detail_pt=(
                "Modelo do equipamento não cadastrado ou não reconhecido no IXC "
                f"({sub.model_text or 'vazio'}). Encaminhe ao técnico."
            ),
        )
    return Target(
        host=sub.host,
        port=sub.port,
        model=sub.model,
        transport=transport or sub.transport,
        cli_port=cli_port if cli_port is not None else sub.cli_port,
        # Read inside messages: "O equipamento não respondeu (joao.silva em 10.0.0.9:2389)."
        label=f"{sub.login} em {sub.host}:{sub.port}",
    )


def _cli_fallbacks(ctx: Context, sub: Subscriber) -> list[tuple[Transport, int]]:
    """CLI transports this model offers, tried when its web UI does not answer."""
    out = []
    if (sub.model, Transport.SSH) in DRIVERS:
        out.append((Transport.SSH, ctx.settings.ssh_port))
    if (sub.model, Transport.TELNET) in DRIVERS:
        out.append((Transport.TELNET, ctx.settings.telnet_port))
    return out


def open_driver(ctx: Context, sub: Subscriber) -> Driver:
    """Log in to the subscriber's device; fall back to its CLI when the web UI is down."""
    if sub.equipment_owner == "P":
        raise Unsupported(
            "customer-owned router",
            device=sub.login,
            operation="resolve",
            detail_pt=OWN_ROUTER_NOTICE,
        )
    target = target_for(sub)
    credential = ctx.vault.credential_for(target.model, device=sub.login)
    attempts: list[Target] = [target]
    if target.transport is Transport.HTTP:
        attempts += [target_for(sub, t, p) for t, p in _cli_fallbacks(ctx, sub)]
    last: CpeError | None = None
    for t in attempts:
        drv = driver_class(t.model, t.transport)(t, credential, timeouts=ctx.timeouts)
        try:
            drv.open()
            return drv
        except DeviceUnreachable as exc:
            last = exc
            continue
    assert last is not None
    raise last


def _status_dict(sub: Subscriber, st: DeviceStatus) -> dict[str, Any]:
    return {
        "model": st.model,
        "transport": str(st.transport),
        "firmware": st.firmware,
        "uptime_s": st.uptime_s,
        "wan": {
            "up": st.wan.up,
            "ip": str(st.wan.ip) if st.wan.ip else None,
            "pppoe_username": st.wan.pppoe_username,
            "error": str(st.wan.error) if st.wan.error else None,
        },
        "dns": [str(d) for d in st.dns],
        "wifi": [{"band": str(w.band), "ssid": w.ssid} for w in st.wifi],
        "optical": (
            {
                "rx_dbm": st.optical.rx_dbm,
                "tx_dbm": st.optical.tx_dbm,
                "registered": st.optical.registered,
            }
            if st.optical
            else None
        ),
    }


# --- status -------------------------------------------------------------------------------


def status(ctx: Context, login: str) -> StatusReport:
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
    try:
        with device_lock(ctx.settings.home, f"{sub.host}:{sub.port}"):
            drv = open_driver(ctx, sub)
            with drv:
                st = drv.get_status()
    except CpeError as exc:
        report.error = exc.as_dict()
        report.summary_pt = [exc.pt(), exc.next_step_pt, *contract.notices]
        report.reachable = not isinstance(exc, DeviceUnreachable) and isinstance(exc, DeviceError)
        return report
    data = _status_dict(sub, st)
    verdict = optical_verdict(
        st.optical, ctx.settings.optical_warn_dbm, ctx.settings.optical_crit_dbm
    )
    drifts = drift_mod.find_drifts(st, sub, type(drv).capabilities, ctx.settings)
    report = StatusReport(
        login=sub.login,
        reachable=True,
        optical_verdict=str(verdict) if st.optical else None,
        contract=report.contract,
        drifts=drift_mod.drift_names(drifts),
        bridge_mode=st.bridge_mode,
        onu_rows=sub.onu_rows,
        **data,
    )
    standard = " / ".join(str(d) for d in drift_mod.standard_dns(ctx.settings))
    report.summary_pt = _summary_pt(
        st, drifts, verdict if st.optical else None, contract.notices, standard
    )
    return report


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


def _changes_for(
    sub: Subscriber,
    st: DeviceStatus,
    caps: frozenset[Capability],
    ctx: Context,
    want_pppoe: bool,
    want_dns: bool,
    want_wifi: bool,
) -> list[drift_mod.Drift]:
    drifts = drift_mod.find_drifts(st, sub, caps, ctx.settings, include_optical=False)
    keep = set()
    if want_dns:
        keep.add(drift_mod.DNS)
    if want_wifi:
        keep |= {drift_mod.SSID, drift_mod.WIFI_KEY}
    if want_pppoe:
        keep.add(drift_mod.PPPOE)
    chosen = [d for d in drifts if d.name in keep]
    if want_wifi and Capability.WIFI in caps and not st.bridge_mode:
        # A key the device does not show cannot be compared: apply it to be sure.
        for rec in sub.wifi:
            net = st.wifi_for(rec.band)
            if net is not None and net.passphrase is None and rec.passphrase is not None:
                if not any(d.band == rec.band for d in chosen):
                    chosen.append(
                        drift_mod.Drift(drift_mod.WIFI_KEY, rec.band, "senha não legível")
                    )
    return chosen


def _wifi_bands(changes: list[drift_mod.Drift]) -> list[Band]:
    bands: list[Band] = []
    for c in changes:
        if (
            c.band is not None
            and c.name in (drift_mod.SSID, drift_mod.WIFI_KEY)
            and c.band not in bands
        ):
            bands.append(c.band)
    return bands


def _verify(
    sub: Subscriber,
    st: DeviceStatus,
    changes: list[drift_mod.Drift],
    ctx: Context,
    caps: frozenset[Capability],
) -> list[str]:
    """Names of the changes the read-back does not confirm."""
    remaining = drift_mod.find_drifts(st, sub, caps, ctx.settings, include_optical=False)
    names = {c.name for c in changes}
    bad = [d.name for d in remaining if d.name in names]
    if drift_mod.PPPOE in names and not st.wan.up:
        bad.append(drift_mod.PPPOE)
    return sorted(set(bad), key=drift_mod.ORDER.index)


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
) -> ReconfigureResult:
    if not (pppoe or dns or wifi):
        pppoe = dns = wifi = True
    sub = ctx.inventory.subscriber(login)
    check = require_actionable(sub, "reconfigure")
    result = ReconfigureResult(login=sub.login, dry_run=dry_run, notices=list(check.notices))
    run = _Run(ctx, sub, result, progress)
    try:
        with device_lock(ctx.settings.home, f"{sub.host}:{sub.port}"):
            run.execute(pppoe=pppoe, dns=dns, wifi=wifi, dry_run=dry_run, sleep=sleep)
    except CpeError as exc:
        run.fail(exc)
        raise ReconfigureFailed(result, exc) from exc
    except BaseException:
        # Ctrl-C or SIGTERM mid-action: say in the journal what may have been written,
        # so the next reader knows to re-read the device (`cpe status` tells the truth).
        result.unverified = [d.name for d in run.applied]
        result.message_pt = "Ação interrompida; releia o equipamento com `cpe status`."
        run.journal(outcome="interrupted")
        raise
    run.journal()
    return result


class _Run:
    """One reconfigure: what was planned, what the device accepted, what the journal says."""

    def __init__(
        self,
        ctx: Context,
        sub: Subscriber,
        result: ReconfigureResult,
        progress: Progress = noop,
    ) -> None:
        self.ctx, self.sub, self.result = ctx, sub, result
        self.progress = _safe(progress)
        self.applied: list[drift_mod.Drift] = []
        self.before: DeviceStatus | None = None
        self.before_dump: dict[str, Any] | None = None
        self.after_dump: dict[str, Any] | None = None

    def execute(
        self,
        *,
        pppoe: bool,
        dns: bool,
        wifi: bool,
        dry_run: bool,
        sleep: Callable[[float], None],
    ) -> None:
        ctx, sub, result = self.ctx, self.sub, self.result
        self.progress(Stage.READING)
        drv = open_driver(ctx, sub)
        caps = type(drv).capabilities
        with drv:
            before = self.before = drv.get_status()
            self.before_dump = _status_dict(sub, before)
            if before.bridge_mode:
                raise Unsupported(
                    "bridge mode",
                    device=sub.login,
                    model=sub.model,
                    operation="reconfigure",
                    detail_pt=BRIDGE_PT,
                )
            changes = _changes_for(sub, before, caps, ctx, pppoe, dns, wifi)
            result.changed = drift_mod.drift_names(changes)
            result.planned = list(result.changed)
            if dry_run or not changes:
                result.verified = not changes
                result.message_pt = (
                    "Simulação: nada foi alterado."
                    if dry_run
                    else "Nada a alterar: o equipamento já está conforme o IXC."
                )
                return
            _apply_non_pppoe(drv, sub, changes, ctx, self.applied, self.progress)
            needs_pppoe = any(c.name == drift_mod.PPPOE for c in changes)
            if needs_pppoe:
                self.applied.append(drift_mod.Drift(drift_mod.PPPOE))
                self.progress(Stage.WRITING_PPPOE)
                _apply_pppoe(drv, sub)
            else:
                self.progress(Stage.VERIFYING)
                after = drv.get_status()
        if needs_pppoe:
            after = _read_after_wan_restart(ctx, sub, drv, sleep, self.progress)
        self.after_dump = _status_dict(sub, after)
        bad = _verify(sub, after, changes, ctx, caps)
        if not bad:
            result.verified = True
            result.message_pt = DONE_PT
            return
        result.unverified = bad
        self.progress(Stage.RESTORING)
        result.rolled_back = _restore(
            ctx, sub, before, [c for c in changes if c.name in bad and c.name != drift_mod.PPPOE]
        )
        raise VerifyFailed(
            ", ".join(bad),
            device=sub.login,
            model=sub.model,
            operation="verify",
            detail_pt=(
                f"A releitura não confirmou: {words_pt(bad, CHANGE_PT)}. "
                + ("As alterações não confirmadas foram desfeitas. " if result.rolled_back else "")
                + (
                    "O provedor recusou o PPPoE do IXC: confira login/senha no IXC. "
                    if drift_mod.PPPOE in bad
                    else ""
                )
            ),
        )

    def fail(self, exc: CpeError) -> None:
        """A step failed: restore what the device had accepted, or say precisely what is
        changed but unverified."""
        result = self.result
        if self.applied and not result.unverified:
            applied_names = drift_mod.drift_names(self.applied)
            result.changed = applied_names
            undo = [d for d in self.applied if d.name != drift_mod.PPPOE]
            if undo and self.before is not None:
                self.progress(Stage.RESTORING)
            restored = (
                self.before is not None
                and bool(undo)
                and _restore(self.ctx, self.sub, self.before, undo)
            )
            result.rolled_back = restored and len(undo) == len(self.applied)
            result.unverified = (
                [n for n in applied_names if n == drift_mod.PPPOE] if restored else applied_names
            )
            state = (
                "as alterações foram desfeitas"
                if result.rolled_back
                else f"alterado, mas não conferido: {words_pt(result.unverified, CHANGE_PT)}"
            )
            result.message_pt = f"{exc.pt()} ({state})"
        else:
            result.message_pt = exc.pt()
        result.error = exc.as_dict()
        self.journal()

    def journal(self, outcome: str | None = None) -> None:
        r = self.result
        outcome = outcome or (
            "dry_run"
            if r.dry_run
            else "verified"
            if r.verified and not r.error
            else "rolled_back"
            if r.rolled_back
            else "changed_unverified"
            if r.unverified
            else "error"
        )
        try:
            self.ctx.journal.record_action(
                operator=self.ctx.who,
                login=self.sub.login,
                device=f"{self.sub.host}:{self.sub.port}",
                action="reconfigure",
                outcome=outcome,
                changed=r.changed,
                before=self.before_dump,
                after=self.after_dump,
                message=r.message_pt,
            )
        except Exception:  # a journal failure must not hide the device result
            log.exception("journal write failed")


def _safe(progress: Progress) -> Progress:
    """An observer that fails (a closed page, a full queue) must not fail the action."""

    def call(stage: Stage) -> None:
        try:
            progress(stage)
        except Exception:
            log.debug("progress observer failed at %s", stage, exc_info=True)

    return call


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


def _apply_non_pppoe(
    drv: Driver,
    sub: Subscriber,
    changes: list[drift_mod.Drift],
    ctx: Context,
    applied: list[drift_mod.Drift],
    progress: Progress = noop,
) -> None:
    if any(c.name == drift_mod.DNS for c in changes):
        progress(Stage.WRITING_DNS)
        p, s = drift_mod.standard_dns(ctx.settings)
        # Recorded before the call: a write that fails half-way may still have landed.
        applied.append(drift_mod.Drift(drift_mod.DNS))
        drv.set_dns(p, s)
    for band in _wifi_bands(changes):
        rec = sub.wifi_for(band)
        if rec is None or rec.passphrase is None:
            raise Unsupported(
                f"IXC has no Wi-Fi key for {band}",
                device=sub.login,
                operation="set_wifi",
                detail_pt=f"O IXC não tem SSID/senha cadastrados para {band}.",
            )
        progress(Stage.WRITING_WIFI)
        applied.extend(c for c in changes if c.band == band)
        drv.set_wifi(band, rec.ssid, rec.passphrase)


def _apply_pppoe(drv: Driver, sub: Subscriber) -> None:
    if sub.pppoe_password is None:
        raise Unsupported(
            "IXC has no PPPoE password",
            device=sub.login,
            operation="set_pppoe",
            detail_pt="O IXC não tem a senha PPPoE deste login.",
        )
    drv.set_pppoe(sub.login, sub.pppoe_password)


def _read_after_wan_restart(
    ctx: Context,
    sub: Subscriber,
    drv: Driver,
    sleep: Callable[[float], None],
    progress: Progress = noop,
) -> DeviceStatus:
    """The WAN restart drops the management port: wait, log in again, re-read until up."""
    progress(Stage.WAN_RESTART)
    drv.close()
    progress(Stage.WAITING_MANAGEMENT)
    drv.wait_until_back()
    progress(Stage.VERIFYING)
    deadline = time.monotonic() + ctx.settings.wan_up_wait_s
    while True:
        with driver_class(drv.target.model, drv.target.transport)(
            drv.target, drv.credential, timeouts=ctx.timeouts
        ) as again:
            st = again.get_status()
        if st.wan.up or st.wan.error == "pppoe_auth_failed" or time.monotonic() >= deadline:
            return st
        sleep(1.0)


def _restore(
    ctx: Context, sub: Subscriber, before: DeviceStatus, undo: list[drift_mod.Drift]
) -> bool:
    """Put back what we changed but could not confirm. True if everything was restored."""
    if not undo:
        return False
    ok = True
    try:
        drv = open_driver(ctx, sub)
        with drv:
            if any(c.name == drift_mod.DNS for c in undo) and len(before.dns) >= 2:
                drv.set_dns(before.dns[0], before.dns[1])
            for band in _wifi_bands(undo):
                net = before.wifi_for(band)
                if net is None or net.passphrase is None:
                    ok = False
                    continue
                drv.set_wifi(band, net.ssid, net.passphrase)
    except CpeError:
        log.warning("restore failed on %s", sub.login)
        return False
    return ok
