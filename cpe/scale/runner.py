"""The celery engine of `cpe audit` and `cpe audit --fix`: cpe.audit.AuditRunner and
cpe.audit_fix.fix_run build their batch here when `engine == "celery"`; everything else
(the inventory walk, the journal, progress, resume) is theirs, unchanged."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from cpe.audit_fix import FixJob, FixResult
from cpe.context import Context
from cpe.scale.kinds import AuditKind, FixKind
from cpe.scale.remote import RemoteBatch

if TYPE_CHECKING:
    from cpe.audit import AuditRunner, DeviceResult
    from inventory.models import Subscriber

#: Fixes per Celery task: a fix can take minutes (a WAN restart), so chunks stay small
#: and spread over every worker.
FIX_CHUNK = 4


def remote_audit_batch(
    runner: AuditRunner,
    run_id: str,
    on_result: Callable[[DeviceResult], None],
    on_fed: Callable[[int], None],
    on_tick: Callable[[], None],
) -> RemoteBatch[Subscriber | DeviceResult, DeviceResult]:
    opts = runner.opts
    return RemoteBatch(
        kind=AuditKind(),
        settings=runner.ctx.settings,
        run_id=run_id,
        options={
            "lock_wait_s": opts.lock_wait_s,
            "device_timeout_s": opts.device_timeout_s,
            "operator": runner.ctx.who,
        },
        on_result=on_result,
        item_timeout_s=opts.device_timeout_s,
        chunk_min=min(4, opts.chunk_size),
        chunk_max=opts.chunk_size,
        stop=runner.stop,
        abort=runner.abort,
        on_fed=on_fed,
        on_tick=on_tick,
    )


def remote_fix_batch(
    ctx: Context,
    run_id: str,
    *,
    dry_run: bool,
    budget_s: float,
    on_result: Callable[[FixResult], None],
    on_fed: Callable[[int], None],
    stop: threading.Event,
    abort: threading.Event,
) -> RemoteBatch[FixJob | FixResult, FixResult]:
    return RemoteBatch(
        kind=FixKind(),
        settings=ctx.settings,
        run_id=run_id,
        options={"device_timeout_s": budget_s, "dry_run": dry_run, "operator": ctx.who},
        on_result=on_result,
        item_timeout_s=budget_s,
        chunk_min=1,
        chunk_max=FIX_CHUNK,
        stop=stop,
        abort=abort,
        on_fed=on_fed,
    )
