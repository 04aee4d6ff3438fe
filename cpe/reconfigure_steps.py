"""The steps a reconfigure is made of (cpe.reconfigure_run.Run drives them): the
difference from IXC, each write, the wait across the WAN restart, the read-back and the
restore."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from cpe import drift as drift_mod
from cpe.context import Context
from cpe.errors import CpeError, Unsupported
from cpe.models import Band, Capability, DeviceStatus
from cpe.progress import Progress, Stage, noop
from drivers.base import Driver
from drivers.registry import driver_class
from inventory.models import Subscriber

log = logging.getLogger("cpe.actions")

#: Opens a logged-in driver for a subscriber (cpe.actions.open_driver, or a test's).
Opener = Callable[[Context, Subscriber], Driver]
#: Journals one step: (step, items).
StepLog = Callable[[str, list[str]], None]


# --- the difference, and verifying it ----------------------------------------------------------


def changes_for(
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


def wifi_bands(changes: list[drift_mod.Drift]) -> list[Band]:
    bands: list[Band] = []
    for c in changes:
        if (
            c.band is not None
            and c.name in (drift_mod.SSID, drift_mod.WIFI_KEY)
            and c.band not in bands
        ):
            bands.append(c.band)
    return bands


def verify(
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


# --- writes -------------------------------------------------------------------------------------


def apply_non_pppoe(
    drv: Driver,
    sub: Subscriber,
    changes: list[drift_mod.Drift],
    ctx: Context,
    applied: list[drift_mod.Drift],
    progress: Progress = noop,
    step: StepLog | None = None,
) -> None:
    log_step: StepLog = step or (lambda s, items: None)
    if any(c.name == drift_mod.DNS for c in changes):
        progress(Stage.WRITING_DNS)
        p, s = drift_mod.standard_dns(ctx.settings)
        log_step("writing", [drift_mod.DNS])
        # Recorded before the call: a write that fails half-way may still have landed.
        applied.append(drift_mod.Drift(drift_mod.DNS))
        drv.set_dns(p, s)
        log_step("written", [drift_mod.DNS])
    for band in wifi_bands(changes):
        rec = sub.wifi_for(band)
        if rec is None or rec.passphrase is None:
            raise Unsupported(
                f"IXC has no Wi-Fi key for {band}",
                device=sub.login,
                operation="set_wifi",
                detail_pt=f"O IXC não tem SSID/senha cadastrados para {band}.",
            )
        progress(Stage.WRITING_WIFI)
        items = [c for c in changes if c.band == band]
        log_step("writing", drift_mod.drift_names(items))
        applied.extend(items)
        drv.set_wifi(band, rec.ssid, rec.passphrase)
        log_step("written", drift_mod.drift_names(items))


def apply_pppoe(drv: Driver, sub: Subscriber) -> None:
    if sub.pppoe_password is None:
        raise Unsupported(
            "IXC has no PPPoE password",
            device=sub.login,
            operation="set_pppoe",
            detail_pt="O IXC não tem a senha PPPoE deste login.",
        )
    drv.set_pppoe(sub.login, sub.pppoe_password)


def read_after_wan_restart(
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
        again = driver_class(drv.target.model, drv.target.transport)(
            drv.target, drv.credential, timeouts=ctx.timeouts
        )
        again.ledger = drv.ledger
        with again:
            st = again.get_status()
        if st.wan.up or st.wan.error == "pppoe_auth_failed" or time.monotonic() >= deadline:
            return st
        sleep(1.0)


def restore(
    ctx: Context,
    sub: Subscriber,
    before: DeviceStatus,
    undo: list[drift_mod.Drift],
    opener: Opener,
) -> bool:
    """Put back what we changed but could not confirm. True if everything was restored."""
    if not undo:
        return False
    ok = True
    try:
        drv = opener(ctx, sub)
        with drv:
            if any(c.name == drift_mod.DNS for c in undo) and len(before.dns) >= 2:
                drv.set_dns(before.dns[0], before.dns[1])
            for band in wifi_bands(undo):
                net = before.wifi_for(band)
                if net is None or net.passphrase is None:
                    ok = False
                    continue
                drv.set_wifi(band, net.ssid, net.passphrase)
    except CpeError:
        log.warning("restore failed on %s", sub.login)
        return False
    return ok
