"""A reconfigure reports its stages in order, as they start (the page shows them live)."""

from __future__ import annotations

from pathlib import Path

from cpe import actions
from cpe.progress import STAGE_PT, Stage
from tests.inproc import world


def test_pppoe_fix_reports_each_stage_in_order(tmp_path: Path) -> None:
    with world(tmp_path, ["mercusys-ac12g"]) as w:
        login, _dev = w.add("mercusys-ac12g", dns_drift=True, ssid_drift=False, pppoe_drift=True)
        seen: list[Stage] = []
        result = actions.reconfigure(w.context(), login, progress=seen.append)
    assert result.verified
    assert seen == [
        Stage.READING,
        Stage.WRITING_DNS,
        Stage.WRITING_PPPOE,
        Stage.WAN_RESTART,
        Stage.WAITING_MANAGEMENT,
        Stage.VERIFYING,
    ]


def test_a_failing_observer_does_not_fail_the_action(tmp_path: Path) -> None:
    def broken(stage: Stage) -> None:
        raise RuntimeError("page closed")

    with world(tmp_path, ["mercusys-ac12g"]) as w:
        login, _dev = w.add("mercusys-ac12g", dns_drift=True, ssid_drift=False)
        result = actions.reconfigure(w.context(), login, dns=True, progress=broken)
    assert result.verified and result.changed == ["dns"]


def test_every_stage_has_portuguese_text() -> None:
    assert set(STAGE_PT) == set(Stage)
