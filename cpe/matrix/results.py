"""From test facts (plugin output) to verdicts per model, transport and operation."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["OPERATIONS", "Fact", "Verdict", "load", "operation_of", "sim_verdict"]

OPERATIONS = ("status", "pppoe", "dns", "wifi", "optical")
SESSION = "session"

#: Conformance test → the operation it vouches for; the rest (login, lockout, busy,
#: faults) are about the session and go to SESSION.
TEST_OPERATION: dict[str, str] = {
    "test_status_reads_what_the_device_holds": "status",
    "test_status_never_shows_secrets": "status",
    "test_latency_knob_still_works": "status",
    "test_set_pppoe_restarts_wan_and_reconnects": "pppoe",
    "test_wrong_pppoe_password_shows_auth_error": "pppoe",
    "test_set_dns_reads_back": "dns",
    "test_set_wifi_reads_back": "wifi",
    "test_bad_input_leaves_device_unchanged": "wifi",
    "test_optical_reads_the_device_power": "optical",
}


@dataclass(frozen=True)
class Fact:
    test: str
    subject: str
    model: str
    transport: str
    kind: str  # "harness" | "capture"
    source: str  # "simulator" | "device"
    outcome: str  # "passed" | "failed" | "skipped"
    operations: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Fact:
        return cls(
            test=str(d["test"]), subject=str(d.get("subject", "")), model=str(d["model"]),
            transport=str(d["transport"]), kind=str(d.get("kind", "harness")),
            source=str(d.get("source", "simulator")), outcome=str(d["outcome"]),
            operations=tuple(d.get("operations") or ()),
        )


def load(path: Path) -> tuple[str, list[Fact]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return str(doc.get("generated_at", "")), [Fact.from_json(r) for r in doc["results"]]


def operation_of(test: str) -> str:
    if test in TEST_OPERATION:
        return TEST_OPERATION[test]
    # A new suite test names its operation, like the ones above do.
    return next((op for op in ("pppoe", "dns", "wifi", "optical") if op in test), SESSION)


@dataclass(frozen=True)
class Verdict:
    """How one (model, transport, operation) fared on one kind of evidence."""

    state: str  # "yes" | "partial" | "failed" | "no" | "untested"
    passed: int = 0
    total: int = 0

    def pt(self) -> str:
        return {
            "yes": "sim" if self.total < 2 else f"sim ({self.passed}/{self.total})",
            "partial": f"parcial ({self.passed}/{self.total})",
            "failed": "FALHOU",
            "no": "não",
            "untested": "não testado",
        }[self.state]


def _combine(per_subject: dict[str, list[str]]) -> Verdict:
    if not per_subject:
        return Verdict("untested")
    states = []
    for outcomes in per_subject.values():
        if "failed" in outcomes:
            states.append("failed")
        elif "passed" in outcomes:
            states.append("passed")
        else:
            states.append("skipped")
    passed, total = states.count("passed"), len(states)
    if "failed" in states:
        return Verdict("failed", passed, total)
    if passed == total:
        return Verdict("yes", passed, total)
    return Verdict("partial", passed, total) if passed else Verdict("no", 0, total)


def sim_verdict(facts: Iterable[Fact], model: str, transport: str, operation: str) -> Verdict:
    """Every harness of this model/transport must pass every test of the operation."""
    per: dict[str, list[str]] = {}
    for f in facts:
        if (f.kind, f.model, f.transport) == ("harness", model, transport) and (
            operation_of(f.test) == operation
        ):
            per.setdefault(f.subject, []).append(f.outcome)
    return _combine(per)


def real_verdict(facts: Iterable[Fact], model: str, transport: str, operation: str) -> Verdict:
    """Fixture folders captured from real units (source "device") that replay green."""
    per: dict[str, list[str]] = {}
    for f in facts:
        if (f.kind, f.source, f.model, f.transport) == ("capture", "device", model, transport) and (
            operation in f.operations
        ):
            per.setdefault(f.subject, []).append(f.outcome)
    verdict = _combine(per)
    return Verdict("no") if verdict.state == "untested" else verdict
