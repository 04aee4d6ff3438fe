"""Stages of a reconfigure, reported as they happen (the agent page shows them live).

`cpe.actions.reconfigure(..., progress=callback)` calls `callback(stage)` with one of
these codes as each step starts; the Portuguese labels are what a person reads.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

__all__ = ["STAGE_PT", "Progress", "Stage"]


class Stage(StrEnum):
    #: Only when another action holds the device (a read in progress): the fix waits.
    WAITING_DEVICE = "waiting_device"
    READING = "reading"
    WRITING_DNS = "writing_dns"
    WRITING_WIFI = "writing_wifi"
    WRITING_PPPOE = "writing_pppoe"
    WAN_RESTART = "wan_restart"
    WAITING_MANAGEMENT = "waiting_management"
    VERIFYING = "verifying"
    RESTORING = "restoring"


STAGE_PT: dict[Stage, str] = {
    Stage.WAITING_DEVICE: "aguardando outra ação neste equipamento terminar",
    Stage.READING: "lendo o equipamento",
    Stage.WRITING_DNS: "gravando DNS",
    Stage.WRITING_WIFI: "gravando Wi-Fi",
    Stage.WRITING_PPPOE: "gravando PPPoE",
    Stage.WAN_RESTART: "reiniciando a conexão",
    Stage.WAITING_MANAGEMENT: "aguardando a gerência",
    Stage.VERIFYING: "conferindo",
    Stage.RESTORING: "desfazendo alterações",
}

#: A stage callback; it must not raise (a failing observer must not fail the action).
Progress = Callable[[Stage], None]


def noop(stage: Stage) -> None:
    """The default observer."""
