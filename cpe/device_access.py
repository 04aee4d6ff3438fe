"""Reaching a subscriber's device: its address and driver from IXC's record, the host's
device locks around every session, and drivers that count their logins in the shared
failure ledger. cpe.actions re-exports these (tests replace `actions.open_driver`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from cpe.context import Context
from cpe.coord import Hold, Intent
from cpe.errors import CpeError, DeviceUnreachable, LockoutRisk, Unsupported
from cpe.models import DeviceStatus, Target, Transport
from cpe.policy import OWN_ROUTER_NOTICE
from drivers.base import Driver
from drivers.registry import DRIVERS, driver_class
from inventory.models import Subscriber


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


def device_key(sub: Subscriber) -> str:
    """The device's name in the locks and the failure ledger: its management address."""
    return f"{sub.host}:{sub.port}"


@contextmanager
def device_hold(
    ctx: Context,
    sub: Subscriber,
    intent: Intent,
    *,
    wait_s: float | None = None,
    on_wait: Callable[[float], None] | None = None,
) -> Iterator[Hold]:
    """Hold the subscriber's device for one session (see cpe.coord.base for who waits)."""
    if wait_s is None:
        s = ctx.settings
        wait_s = s.write_wait_s if intent is Intent.WRITE else s.read_wait_s
    with ctx.locks.hold(device_key(sub), intent, wait_s=wait_s, on_wait=on_wait) as hold:
        yield hold


def make_driver(ctx: Context, target: Target, credential: Any) -> Driver:
    """A driver for `target` that counts its logins in the shared failure ledger."""
    drv = driver_class(target.model, target.transport)(target, credential, timeouts=ctx.timeouts)
    drv.ledger = ctx.ledger
    return drv


def open_driver(ctx: Context, sub: Subscriber) -> Driver:
    """Log in to the subscriber's device; fall back to its CLI when the web UI is down.
    Call it while holding the device (`device_hold`)."""
    if sub.equipment_owner == "P":
        raise Unsupported(
            "customer-owned router",
            device=sub.login,
            operation="resolve",
            detail_pt=OWN_ROUTER_NOTICE,
        )
    target = target_for(sub)
    credential = ctx.vault.credential_for(target.model, device=sub.login)
    _refuse_known_lock(ctx, target)
    attempts: list[Target] = [target]
    if target.transport is Transport.HTTP:
        attempts += [target_for(sub, t, p) for t, p in _cli_fallbacks(ctx, sub)]
    last: CpeError | None = None
    for t in attempts:
        drv = make_driver(ctx, t, credential)
        try:
            drv.open()
            return drv
        except DeviceUnreachable as exc:
            last = exc
            continue
    assert last is not None
    raise last


def _refuse_known_lock(ctx: Context, target: Target) -> None:
    """A device the ledger knows is locked is not contacted at all (not even the
    unauthenticated pages some drivers read before the login)."""
    until = ctx.ledger.locked_until(target.address)
    if until is None:
        return
    when = time.strftime("%H:%M", time.localtime(until))
    exc = LockoutRisk(
        "known lock not over yet; device not contacted",
        device=target.name,
        model=target.model,
        operation="login",
        detail_pt=(
            f"Equipamento bloqueado por tentativas de senha até {when}: nenhuma tentativa "
            "feita agora."
        ),
    )
    exc.next_step_pt = (
        f"Tente de novo depois de {when}; se não puder esperar, mande recado no grupo do "
        "provedor."
    )
    exc.attempts_now = 0
    raise exc


def status_dict(sub: Subscriber, st: DeviceStatus) -> dict[str, Any]:
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
