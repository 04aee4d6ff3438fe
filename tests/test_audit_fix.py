"""`cpe audit --fix` on its own lab (it changes the devices): drifted devices are fixed
through cpe.actions.reconfigure, blocked contracts and optical-only drift are skipped, and
a second audit shows the fixed ones ok."""

from __future__ import annotations

import json
from pathlib import Path

from cpe.lab import plan as P
from tests.audit_helpers import cpe, expected, plans_of
from tests.conftest import start_lab, stop_lab


def test_fix_repairs_drift_and_skips_blocked(tmp_path: Path) -> None:
    size = 24
    lab = start_lab(tmp_path / "home", size=size, wan_restart_s=0.5)
    try:
        plans = plans_of(size, 0.0, single_password=False)
        res = cpe(lab, "audit", "--fix", "--no-progress", "--format", "json")
        assert res.returncode == 0, res.stderr[-3000:]
        doc = json.loads(res.stdout)
        assert doc["fix"]["fixed"] > 0 and doc["fix"]["failed"] == 0
        for d in doc["devices"]:
            plan = plans[d["login"]]
            assert (d["verdict"], tuple(sorted(d["drifts"]))) == expected(plan)
            if d["verdict"] != "drift":
                assert d["fix"] is None
            elif P.BLOCKED in plan.planted or d["drifts"] == ["optical"]:
                assert d["fix"]["outcome"] == "skipped"
            else:
                assert d["fix"]["outcome"] == "fixed", d["fix"]
        second = json.loads(cpe(lab, "audit", "--no-progress", "--format", "json").stdout)
        for d in second["devices"]:
            plan = plans[d["login"]]
            if P.BLOCKED in plan.planted:
                assert (d["verdict"], tuple(sorted(d["drifts"]))) == expected(plan)
            elif P.expected_verdict(plan) == "drift":
                want = ["optical"] if P.OPTICAL in plan.planted else []
                assert (d["verdict"], d["drifts"]) == ("drift" if want else "ok", want)
            else:
                assert d["verdict"] == P.expected_verdict(plan)
    finally:
        stop_lab(lab)
