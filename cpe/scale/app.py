"""The Celery application: queues, task names and the settings every process shares.

Three queues: `cpe.audit` (chunks of devices to read), `cpe.fix` (chunks of fixes: a
fix waits behind no audit) and `cpe.coord` (scheduled audits, run by `cpe schedule
serve` on the coordinator host, where the journal lives). Messages are JSON and carry
logins and options only; a worker reads IXC and its own vault for everything else.

Delivery: a task is acknowledged after it ran (`task_acks_late`), so a worker that dies
with a chunk in hand leaves it unacknowledged, and Redis hands it to another worker
after `Settings.broker_visibility_s` (kombu's visibility timeout, swept every
`restore_interval` seconds by every live worker). A chunk reported twice is journaled
once by the caller (cpe.scale.remote).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery

from cpe.settings import Settings

AUDIT_QUEUE, FIX_QUEUE, COORD_QUEUE = "cpe.audit", "cpe.fix", "cpe.coord"
AUDIT_TASK, FIX_TASK, SCHEDULED_TASK = "cpe.audit_chunk", "cpe.fix_chunk", "cpe.scheduled_audit"

log = logging.getLogger("cpe.scale")

#: The application of this process's broker; tasks (cpe.scale.tasks) register on it.
app = Celery("cpe", set_as_current=False, include=["cpe.scale.tasks"])
#: Broker URL → its application. A process talks to one broker; a test process (or a
#: tool comparing two) may talk to several, and Celery keeps its connection pool for the
#: life of an application, so each URL gets its own (the first one is `app`).
_apps: dict[str, Celery] = {}
_guard = threading.Lock()


def restore_interval(visibility_s: float) -> int:
    """How often a live worker looks for tasks a vanished worker held: often enough that
    they come back soon after the visibility timeout, at most every 10 s."""
    return max(1, min(10, int(visibility_s / 4)))


def celery_config(settings: Settings) -> dict[str, Any]:
    visibility = float(settings.broker_visibility_s)
    return {
        "broker_url": settings.broker_url,
        "broker_transport_options": {
            "visibility_timeout": visibility,
            "unacked_restore_interval": restore_interval(visibility),
            "unacked_restore_throttle": 1,
            "socket_timeout": 10,
            "socket_connect_timeout": 5,
        },
        # A worker host outlives a Redis outage: it reconnects for as long as it takes.
        "broker_connection_retry": True,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        # Publishing: a few quick retries, then the caller reports the broker as gone.
        "task_publish_retry_policy": {
            "max_retries": 3,
            "interval_start": 0.2,
            "interval_step": 0.3,
            "interval_max": 1.0,
        },
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_ignore_result": True,
        "result_backend": None,
        "worker_prefetch_multiplier": 1,
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
        "task_default_queue": AUDIT_QUEUE,
        "task_routes": {
            AUDIT_TASK: {"queue": AUDIT_QUEUE},
            FIX_TASK: {"queue": FIX_QUEUE},
            SCHEDULED_TASK: {"queue": COORD_QUEUE},
        },
        "timezone": settings.timezone,
        "enable_utc": True,
        # Beat rereads the schedule store at least this often (cpe.scale.beat).
        "beat_max_loop_interval": 5,
    }


def configured(settings: Settings) -> Celery:
    """The application, configured for `settings.broker_url` (once per process)."""
    if not settings.broker_url:
        from cpe.errors import InputError

        raise InputError(
            "defina CPE_BROKER_URL (ex.: redis://127.0.0.1:6379/0) para usar os workers",
            operation="celery",
        )
    with _guard:
        found = _apps.get(settings.broker_url)
        if found is None:
            found = app if not _apps else Celery("cpe", set_as_current=False)
            found.conf.update(celery_config(settings))
            _apps[settings.broker_url] = found
    return found


def workers_alive(settings: Settings, timeout_s: float = 1.0) -> list[str]:
    """Names of the workers that answered a ping (empty: none is running, or no broker)."""
    try:
        replies = configured(settings).control.ping(timeout=timeout_s)
    except Exception as exc:  # the broker is unreachable: the run itself reports it
        log.info("ping failed: %s", type(exc).__name__)
        return []
    return sorted(name for reply in replies or [] for name in reply)
