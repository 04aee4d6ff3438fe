"""Every driver family that runs the shared conformance suite: one line (or entry) each."""

from __future__ import annotations

from tests.conformance.harness import Harness

HARNESSES: list[Harness] = [
    Harness(id="mercusys-ac12g", model="mercusys-ac12g"),
    Harness(id="mercusys-mr30g", model="mercusys-mr30g"),
]
