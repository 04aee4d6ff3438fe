"""Contracts for device locks and the failure ledger, so a local (one host) and a Redis
(every host) backend are interchangeable.

Device locks. A device allows one admin session, so at most one session per device is
open at any time, across threads, processes and hosts. Who waits and who is refused:
- a READ (status, audit) waits, bounded, for whoever holds the device;
- a WRITE (reconfigure, Wi-Fi change, bulk fix) waits, bounded, for a READ in progress,
  but is refused at once (SessionBusy, with a message fitting the real wait) when another
  WRITE holds the device or is already waiting for it.
A hold carries a fencing token, strictly increasing per device: a holder whose lock
expired (a Redis expiry after a crash or a long pause) learns it from `still_held`
before each device write, so a late holder never writes.

Failure ledger. Per device and per candidate password (an opaque candidate id, never the
password), the failed login attempts with their time, and the device's known lock with
its end. Drivers consult it before every attempt: a candidate that failed on a device is
not tried there again until its vault entry changes (a new candidate id) or the device's
lock window has passed, a device known to be locked is not contacted until its window
ends, and the attempts spent inside a window never reach the device's lock threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

__all__ = ["Attempt", "DeviceLocks", "FailureLedger", "Hold", "Intent"]


class Intent(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class Hold:
    #: The device, "host:port".
    key: str
    intent: Intent
    #: Strictly increasing per device across every holder.
    fence: int


class DeviceLocks(Protocol):
    def hold(
        self,
        key: str,
        intent: Intent,
        *,
        wait_s: float,
        on_wait: Callable[[float], None] | None = None,
    ) -> AbstractContextManager[Hold]:
        """Hold the device's one session slot. `on_wait(elapsed_s)` is called now and then
        while waiting (progress for a person). Raises cpe.errors.SessionBusy when the wait
        is refused or runs out."""
        ...

    def still_held(self, hold: Hold) -> bool:
        """False when this hold has expired or been taken over (fencing)."""
        ...


@dataclass(frozen=True)
class Attempt:
    candidate: str
    #: Unix time of the failure.
    at: float


class FailureLedger(Protocol):
    def failures(self, device: str, *, since: float) -> list[Attempt]:
        """Failed attempts on `device` at or after `since`, oldest first."""
        ...

    def record_failure(self, device: str, candidate: str, *, at: float) -> None:
        """A refused attempt. An attempt whose outcome is unknown (an unreadable answer,
        an interruption) is recorded with the candidate "-": it counts against the
        device's threshold but marks no password as refused."""
        ...

    def record_success(self, device: str, candidate: str, *, at: float) -> None:
        """A login worked: the device's failure history no longer matters."""
        ...

    def record_lock(self, device: str, *, until: float) -> None:
        """The device said it is locked until `until`. The failures recorded before it
        stop counting: the device starts its counter again when the lock ends."""
        ...

    def locked_until(self, device: str) -> float | None:
        """The end of the device's known lock, if it is still in the future."""
        ...

    def devices(self) -> Iterator[str]:
        """Devices with any history (for `cpe` diagnostics)."""
        ...
