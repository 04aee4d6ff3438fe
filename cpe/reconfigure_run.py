"""One reconfigure, step by step, journal first (cpe.actions.reconfigure runs it while
holding the device's write lock).

Before the device is even read, the journal gets the intent (`begin_action`, with what
was asked); once the difference is known, a `planned` step; before each write a
`writing` step (the write may land even when the call fails), after it a `written` step;
then `verified`/`unverified`, `restoring`/`restored`; the closing row says how it ended.
A journal that cannot take the intent means no contact and no write at all; one that
fails half-way stops the writes and restores what was accepted. A process killed at any
point leaves the intent and its steps, which the next read reconciles (cpe.reconcile).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from cpe import drift as drift_mod
from cpe.action_models import BRIDGE_PT, DONE_PT, ReconfigureResult
from cpe.context import Context, os_identity
from cpe.coord import Hold
from cpe.device_access import status_dict
from cpe.errors import CpeError, JournalError, SessionBusy, Unsupported, VerifyFailed
from cpe.models import DeviceStatus
from cpe.progress import Progress, Stage
from cpe.reconcile import ITEM_PT
from cpe.reconfigure_steps import (
    Opener,
    apply_non_pppoe,
    apply_pppoe,
    changes_for,
    read_after_wan_restart,
    restore,
    verify,
)
from cpe.vocab import CHANGE_PT, words_pt
from inventory.models import Subscriber

log = logging.getLogger("cpe.actions")


def _names(items: list[str]) -> str:
    return ", ".join(ITEM_PT.get(i, i) for i in items) or "nada"


class Run:
    """One reconfigure: what was planned, what the device accepted, what the journal says."""

    def __init__(
        self,
        ctx: Context,
        sub: Subscriber,
        result: ReconfigureResult,
        progress: Progress,
        opener: Opener,
    ) -> None:
        self.ctx, self.sub, self.result = ctx, sub, result
        self.progress = safe(progress)
        self.opener = opener
        self.applied: list[drift_mod.Drift] = []
        self.before: DeviceStatus | None = None
        self.before_dump: dict[str, Any] | None = None
        self.after_dump: dict[str, Any] | None = None
        #: The journal's id for this action, once its plan is committed.
        self.action_id: str | None = None
        #: The device's lock, checked before each write (a lapsed hold never writes).
        self.hold: Hold | None = None

    @property
    def device(self) -> str:
        return f"{self.sub.host}:{self.sub.port}"

    # -- the journal -------------------------------------------------------------------------

    def begin(self, asked: list[str]) -> None:
        """Commit the intent before anything (JournalError: no contact, no write)."""
        self.action_id = self.ctx.journal.begin_action(
            operator=self.ctx.who,
            origin=os_identity(),
            login=self.sub.login,
            device=self.device,
            action="reconfigure",
            planned=asked,
        )

    def step(self, step: str, items: list[str]) -> None:
        if step == "writing" and self.hold is not None and not self.ctx.locks.still_held(
            self.hold
        ):
            raise SessionBusy(
                "the device lock lapsed before a write",
                device=self.device,
                operation="device lock",
                detail_pt=(
                    "A reserva deste equipamento expirou antes de gravar "
                    f"{_names(items)}; nada mais foi gravado."
                ),
            )
        if self.action_id is not None:
            self.ctx.journal.action_step(self.action_id, step, items)

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
                origin=os_identity(),
                login=self.sub.login,
                device=self.device,
                action="reconfigure",
                outcome=outcome,
                changed=r.changed,
                planned=r.planned,
                before=self.before_dump,
                after=self.after_dump,
                message=r.message_pt,
                action_id=self.action_id,
            )
        except Exception as exc:  # a journal failure must not hide the device result
            log.warning("journal write failed: %s", exc)
            if self.action_id is not None:
                r.notices.append(
                    "O diário não registrou o fim desta ação: a próxima leitura do equipamento "
                    "(`cpe status`) confere e registra o que ficou gravado."
                )

    # -- the steps ---------------------------------------------------------------------------

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
        if not dry_run:
            self.begin(asked_items(pppoe=pppoe, dns=dns, wifi=wifi))
        self.progress(Stage.READING)
        drv = self.opener(ctx, sub)
        caps = type(drv).capabilities
        with drv:
            before = self.before = drv.get_status()
            self.before_dump = status_dict(sub, before)
            if before.bridge_mode:
                raise Unsupported(
                    "bridge mode",
                    device=sub.login,
                    model=sub.model,
                    operation="reconfigure",
                    detail_pt=BRIDGE_PT,
                )
            changes = changes_for(sub, before, caps, ctx, pppoe, dns, wifi)
            result.changed = drift_mod.drift_names(changes)
            result.planned = list(result.changed)
            self.step("planned", result.planned)
            if dry_run or not changes:
                result.verified = not changes
                result.message_pt = (
                    "Simulação: nada foi alterado."
                    if dry_run
                    else "Nada a alterar: o equipamento já está conforme o IXC."
                )
                return
            apply_non_pppoe(drv, sub, changes, ctx, self.applied, self.progress, self.step)
            needs_pppoe = any(c.name == drift_mod.PPPOE for c in changes)
            if needs_pppoe:
                self.progress(Stage.WRITING_PPPOE)
                self.step("writing", [drift_mod.PPPOE])
                self.applied.append(drift_mod.Drift(drift_mod.PPPOE))
                apply_pppoe(drv, sub)
                self.step("written", [drift_mod.PPPOE])
            else:
                self.progress(Stage.VERIFYING)
                after = drv.get_status()
        if needs_pppoe:
            after = read_after_wan_restart(ctx, sub, drv, sleep, self.progress)
        self.after_dump = status_dict(sub, after)
        bad = verify(sub, after, changes, ctx, caps)
        if not bad:
            self.step("verified", result.planned)
            result.verified = True
            result.message_pt = DONE_PT
            return
        self.step("unverified", bad)
        result.unverified = bad
        self.progress(Stage.RESTORING)
        undo = [c for c in changes if c.name in bad and c.name != drift_mod.PPPOE]
        result.rolled_back = self.restore(before, undo)
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

    def restore(self, before: DeviceStatus, undo: list[drift_mod.Drift]) -> bool:
        names = drift_mod.drift_names(undo)
        try:
            self.step("restoring", names)
        except JournalError:
            log.warning("journal refused the restoring step; restoring anyway")
        ok = restore(self.ctx, self.sub, before, undo, self.opener)
        if ok:
            try:
                self.step("restored", names)
            except JournalError:
                log.warning("journal refused the restored step")
        return ok

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
            restored = self.before is not None and bool(undo) and self.restore(self.before, undo)
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
        elif not self.applied and result.planned and not result.dry_run:
            result.changed = []  # `changed` is what the device accepted: nothing
            result.message_pt = f"{exc.pt()} (nada foi gravado no equipamento)"
        else:
            result.message_pt = exc.pt()
        result.error = exc.as_dict()
        self.journal()

    def interrupted(self) -> None:
        """Ctrl-C or SIGTERM mid-action: the closing row says what was planned and, apart,
        what was written or being written, so the next reader knows to re-read."""
        result = self.result
        applied = drift_mod.drift_names(self.applied)
        result.unverified = applied
        result.changed = applied
        result.message_pt = (
            f"Ação interrompida. Planejado: {_names(result.planned)}; gravado ou em gravação: "
            f"{_names(applied)}. Releia o equipamento com `cpe status`."
        )
        self.journal(outcome="interrupted")


def asked_items(*, pppoe: bool, dns: bool, wifi: bool) -> list[str]:
    """The items a reconfigure may write, in the journal's words (drift names)."""
    return [
        name
        for name, wanted in (
            (drift_mod.PPPOE, pppoe),
            (drift_mod.DNS, dns),
            (drift_mod.SSID, wifi),
            (drift_mod.WIFI_KEY, wifi),
        )
        if wanted
    ]


def safe(progress: Progress) -> Progress:
    """An observer that fails (a closed page, a full queue) must not fail the action."""

    def call(stage: Stage) -> None:
        try:
            progress(stage)
        except Exception:
            log.debug("progress observer failed at %s", stage, exc_info=True)

    return call
