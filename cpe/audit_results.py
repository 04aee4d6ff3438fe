"""What an audit produces: a `DeviceResult` per device, a `RunOutcome` per run, and the
observer hooks that receive them as the run goes (the CLI's progress, the service)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from cpe.batch import BatchStats


@dataclass(frozen=True)
class DeviceResult:
    login: str
    model: str | None
    verdict: str
    drifts: list[str]
    #: Everything else a report shows; never a secret (the journal masks again anyway).
    detail: dict[str, Any] = field(default_factory=dict)


class AuditObserver(Protocol):
    """Progress hooks (Nornir's processors, reduced): called on the caller's thread,
    except `total_known`, which the feeder thread calls as the inventory is read."""

    def run_started(self, run_id: str, done: int, counts: Counter[str]) -> None: ...

    def total_known(self, total: int, final: bool) -> None: ...

    def device_done(self, result: DeviceResult, counts: Counter[str]) -> None: ...

    def run_finished(self, outcome: RunOutcome) -> None: ...


class NullObserver:
    def run_started(self, run_id: str, done: int, counts: Counter[str]) -> None:
        pass

    def total_known(self, total: int, final: bool) -> None:
        pass

    def device_done(self, result: DeviceResult, counts: Counter[str]) -> None:
        pass

    def run_finished(self, outcome: RunOutcome) -> None:
        pass


@dataclass
class RunOutcome:
    run_id: str
    #: finished | interrupted
    state: str
    counts: Counter[str]
    #: Devices with a result in this run (earlier sessions of a resumed run included).
    done: int
    elapsed_s: float
    reason: str | None = None
    stats: BatchStats | None = None

    @property
    def complete(self) -> bool:
        return self.state == "finished"
