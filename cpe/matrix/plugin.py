"""pytest plugin: `-p cpe.matrix.plugin --matrix-results FILE` writes one JSON line of
facts per test that ran on a harness or a capture (model, transport, outcome).

Works under xdist: workers attach the facts to each report (user_properties travel to
the controller), the controller alone writes the file.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

OPTION = "--matrix-results"
_KEY = "cpe-matrix"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(OPTION, default=None, help="write support-matrix facts (JSON) here")


def subject(item: pytest.Item) -> dict[str, Any] | None:
    """The harness or capture a test ran on: any parameter with `model` and `transport`."""
    callspec = getattr(item, "callspec", None)
    for value in (callspec.params.values() if callspec else ()):
        if hasattr(value, "model") and hasattr(value, "transport"):
            capture = hasattr(value, "source")
            return {
                "subject": str(getattr(value, "id", "")),
                "model": str(value.model),
                "transport": str(value.transport),
                "kind": "capture" if capture else "harness",
                "source": str(getattr(value, "source", "simulator")),
                "operations": list(getattr(value, "operations", ())),
            }
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    facts = subject(item)
    if facts is not None:
        report.user_properties.append((_KEY, json.dumps(facts)))
    return report


class Collector:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.results: dict[str, dict[str, Any]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        facts = dict(report.user_properties).get(_KEY)
        if facts is None:
            return
        entry = self.results.setdefault(
            report.nodeid,
            {
                **json.loads(str(facts)),
                "test": report.nodeid.split("::")[-1].split("[")[0],
                "nodeid": report.nodeid,
                "outcome": "passed",
            },
        )
        if report.failed:
            entry["outcome"] = "failed"
        elif report.skipped and entry["outcome"] != "failed":
            entry["outcome"] = "skipped"

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        doc = {
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "results": sorted(self.results.values(), key=lambda r: r["nodeid"]),
        }
        self.path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption(OPTION)
    if path and not hasattr(config, "workerinput"):
        config.pluginmanager.register(Collector(Path(path)), "cpe-matrix-collector")
