"""Hypothesis profiles of the fuzz tests, and the per-target example counts.

Profiles (applied per test through `support.fuzz_settings()`, never loaded globally, so
the other hypothesis tests of the suite keep their own settings):

- `cpe-fuzz-ci`: the default, a few hundred examples per target (the folder stays
  well under 90 s on two cores);
- `cpe-fuzz-long`: `CPE_FUZZ_EXAMPLES=N` (what `make fuzz` sets, N = 10000).

Every run writes test-output/fuzz-counts.json: examples run per target, summed over the
xdist workers of the same run, plus how often a reported-but-unfixed bug was hit.
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests.fuzz import support

_SUPPRESS = (
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.large_base_example,
)

# The deadline is the "no pathological parse" property: generous enough for a loaded
# two-core box on the largest body (200 KB; 1 MB in long runs), far below what a
# quadratic parser needs on one.
settings.register_profile(
    "cpe-fuzz-ci",
    max_examples=support.CI_EXAMPLES,
    deadline=timedelta(seconds=support.DEADLINE_S),
    suppress_health_check=_SUPPRESS,
    print_blob=True,
)
settings.register_profile(
    "cpe-fuzz-long",
    max_examples=support.LONG_EXAMPLES or support.CI_EXAMPLES,
    deadline=timedelta(seconds=support.DEADLINE_S),
    suppress_health_check=_SUPPRESS,
    print_blob=True,
)

COUNTS_FILE = support.PROJECT / "test-output" / "fuzz-counts.json"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The suite-wide 120 s pytest-timeout fits the CI profile; 10000 examples per target
    # need longer (the hypothesis deadline still bounds every single example).
    if not support.LONG_EXAMPLES:
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.timeout(3600))


def _run_id(config: pytest.Config) -> str:
    # xdist gives every worker of one run the same id; a plain run makes its own.
    worker_input: dict[str, Any] | None = getattr(config, "workerinput", None)
    if worker_input and "testrunuid" in worker_input:
        return str(worker_input["testrunuid"])
    cached = getattr(config, "_cpe_fuzz_run_id", None)
    if cached is None:
        cached = uuid.uuid4().hex
        config._cpe_fuzz_run_id = cached  # type: ignore[attr-defined]
    return str(cached)


def _merge(path: Path, run_id: str) -> dict[str, Any]:
    """Add this process's counts to the file (workers of one run share it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            old = json.loads(path.read_text()) if path.exists() else {}
        except (OSError, ValueError):
            old = {}
        if old.get("run") != run_id:
            old = {}
        targets: dict[str, int] = dict(old.get("examples_per_target", {}))
        for name, n in support.COUNTS.items():
            targets[name] = targets.get(name, 0) + n
        known: dict[str, int] = dict(old.get("known_bug_hits", {}))
        for name, n in support.KNOWN_HITS.items():
            known[name] = known.get(name, 0) + n
        merged = {
            "run": run_id,
            "profile": support.ACTIVE_PROFILE,
            "max_examples_setting": support.LONG_EXAMPLES or support.CI_EXAMPLES,
            "examples_per_target": dict(sorted(targets.items())),
            "known_bug_hits": dict(sorted(known.items())),
        }
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
        return merged


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if support.COUNTS:
        _merge(COUNTS_FILE, _run_id(session.config))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # Only a plain (non-xdist) run has the counts in this process; xdist runs read the file.
    if not support.COUNTS:
        return
    terminalreporter.section("fuzz examples per target")
    for name, n in sorted(support.COUNTS.items()):
        terminalreporter.write_line(f"{n:7d}  {name}")
    for name, n in sorted(support.KNOWN_HITS.items()):
        terminalreporter.write_line(f"known bug {name}: hit {n} time(s)")
    terminalreporter.write_line(f"(written to {COUNTS_FILE})")
