"""Coordination shared by every process that touches devices: device locks and the
failure ledger (see base.py for the contracts).

Embedded default: local backends in a host-wide lock directory (`CPE_LOCK_DIR`), shared
by every `cpe` process on the machine whatever its `CPE_HOME`. With `CPE_BROKER_URL`
set, Redis backends, shared by every host.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cpe.coord.base import Attempt, DeviceLocks, FailureLedger, Hold, Intent

if TYPE_CHECKING:
    from cpe.settings import Settings

__all__ = [
    "Attempt",
    "DeviceLocks",
    "FailureLedger",
    "Hold",
    "Intent",
    "device_locks",
    "failure_ledger",
]

#: The module the Redis backends live in; it offers `device_locks(settings)` and
#: `failure_ledger(settings)` with the same contracts.
REDIS_BACKEND = "cpe.coord.redis_backend"


def _redis(settings: Settings) -> Any:
    return importlib.import_module(REDIS_BACKEND)


def device_locks(settings: Settings) -> DeviceLocks:
    """The device locks every action must hold while it talks to a device."""
    if settings.broker_url:
        locks: DeviceLocks = _redis(settings).device_locks(settings)
        return locks
    from cpe.coord.local_locks import LocalDeviceLocks

    return LocalDeviceLocks(settings.lock_dir)


def failure_ledger(settings: Settings) -> FailureLedger:
    """The failed logins and known locks of every device, shared by every process."""
    if settings.broker_url:
        ledger: FailureLedger = _redis(settings).failure_ledger(settings)
        return ledger
    from cpe.coord.local_ledger import LocalFailureLedger

    return LocalFailureLedger(settings.lock_dir)
