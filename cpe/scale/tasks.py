"""The Celery tasks: thin shells over cpe.scale.worker (chunks) and cpe.scale.schedule
(scheduled audits). Acknowledged late: a worker that dies leaves its task to another."""

from __future__ import annotations

from typing import Any

from celery import Task
from celery.exceptions import Reject

from cpe.scale import worker
from cpe.scale.app import AUDIT_TASK, FIX_TASK, SCHEDULED_TASK, app


def _name(task: Task) -> str:
    return str(task.request.hostname or "")


@app.task(  # type: ignore[untyped-decorator]
    name=AUDIT_TASK, bind=True, acks_late=True, reject_on_worker_lost=True
)
def audit_chunk(self: Task, payload: dict[str, Any]) -> None:
    try:
        worker.audit_chunk(payload, _name(self))
    except worker.Requeue as exc:
        raise Reject(str(exc), requeue=True) from None


@app.task(  # type: ignore[untyped-decorator]
    name=FIX_TASK, bind=True, acks_late=True, reject_on_worker_lost=True
)
def fix_chunk(self: Task, payload: dict[str, Any]) -> None:
    try:
        worker.fix_chunk(payload, _name(self))
    except worker.Requeue as exc:
        raise Reject(str(exc), requeue=True) from None


@app.task(name=SCHEDULED_TASK, acks_late=False)  # type: ignore[untyped-decorator]
def scheduled_audit(schedule_id: str) -> None:
    """Beat fired a schedule: run its audit from here, the coordinator (the journal's
    host). Acknowledged early: a coordinator restart must not run a nightly audit twice;
    a run cut short is resumable like any other."""
    from cpe.scale.schedule import run_scheduled

    run_scheduled(schedule_id)
