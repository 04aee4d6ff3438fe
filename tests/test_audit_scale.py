"""CI's audit at scale: a few hundred devices, some misbehaving, every verdict checked
against the lab's plan (whatever families this build has)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.audit_helpers import cpe, expected, plans_of
from tests.conftest import start_lab, stop_lab


def test_ci_scale_audit_matches_the_plan(tmp_path: Path) -> None:
    """A few hundred devices with misbehaving ones, every verdict checked."""
    size = int(os.environ.get("CPE_AUDIT_CI_SIZE", "200"))
    lab = start_lab(tmp_path / "home", size=size, fault_rate=0.05)
    try:
        plans = plans_of(size, 0.05, single_password=False)
        res = cpe(lab, "audit", "--no-progress", "--format", "json", "--concurrency", "32")
        assert res.returncode == 0, res.stderr[-2000:]
        doc = json.loads(res.stdout)
        got = {d["login"]: (d["verdict"], tuple(sorted(d["drifts"]))) for d in doc["devices"]}
        assert len(doc["devices"]) == size and set(got) == set(plans)
        wrong = {
            lo: (p.model, p.planted, p.fault, expected(p), got[lo])
            for lo, p in plans.items()
            if got[lo] != expected(p)
        }
        assert wrong == {}
    finally:
        stop_lab(lab)
