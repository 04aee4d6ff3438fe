"""Helpers shared by the audit tests (lab ground truth, fast timeouts, a `cpe` runner)."""

from __future__ import annotations

import subprocess
import sys

from cpe.lab import plan as P
from tests.conftest import Lab

#: Short request timeouts: a "hang" device costs 3 s instead of 15.
FAST_ENV = {"CPE_READ_TIMEOUT_S": "3", "CPE_CONNECT_TIMEOUT_S": "2"}


def plans_of(
    size: int, fault_rate: float, single_password: bool, seed: int = 2389
) -> dict[str, P.DevicePlan]:
    """The lab's plan as the daemon made it (same seed, same families)."""
    plans = P.make_plan(size, seed=seed, fault_rate=fault_rate, single_password=single_password)
    return {p.login: p for p in plans}


def expected(plan: P.DevicePlan) -> tuple[str, tuple[str, ...]]:
    return P.expected_verdict(plan), tuple(sorted(P.expected_drifts(plan)))


def cpe(lab: Lab, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cpe", *args],
        env=lab.env() | FAST_ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
