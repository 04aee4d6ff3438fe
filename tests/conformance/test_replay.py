"""Captured fixture folders as another source of truth: each one, replayed through its
driver, must parse to its `expected_status.json`.

Folders are found under `drivers/<family>/fixtures/captures/<model>/<case>/`, plus any
root listed in CPE_CAPTURE_DIRS (os.pathsep-separated, each holding `<model>/<case>/`),
so a technician can check new captures before committing them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from cpe.capture.fixture import CaptureMeta, is_capture
from cpe.capture.run import replay_folder

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class CaptureCase:
    id: str
    folder: Path
    model: str
    transport: str
    #: "device" for a real unit, "simulator" for the lab or a test rig.
    source: str
    #: What a read-only capture can vouch for: parsing the status (and the optics, when
    #: the unit reported them). Writes are only ever verified against the simulators.
    operations: tuple[str, ...] = ("status",)


def _roots() -> list[Path]:
    roots = sorted(ROOT.glob("drivers/*/fixtures/captures"))
    extra = os.environ.get("CPE_CAPTURE_DIRS", "")
    return roots + [Path(p) for p in extra.split(os.pathsep) if p]


def find_captures() -> list[CaptureCase]:
    cases = []
    for root in _roots():
        for folder in sorted(root.glob("*/*")):
            if not is_capture(folder):
                continue
            meta = CaptureMeta.from_json(json.loads((folder / "capture.json").read_text()))
            expected = json.loads((folder / "expected_status.json").read_text())
            ops = ("status", "optical") if expected.get("optical") else ("status",)
            cases.append(
                CaptureCase(f"{meta.model}/{folder.name}", folder, meta.model, meta.transport,
                            meta.source, ops)
            )
    return cases


CASES = find_captures()


@pytest.mark.parametrize("case", CASES or [None], ids=[c.id for c in CASES] or ["none"])
def test_capture_replays_to_expected_status(case: CaptureCase | None) -> None:
    if case is None:
        pytest.skip("nenhuma captura de equipamento ainda (cpe capture LOGIN --read-only)")
    replayed, expected = replay_folder(case.folder)
    assert replayed.model_dump(mode="json") == expected
