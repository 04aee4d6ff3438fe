"""`cpe capture` end to end on a small lab, as a subprocess."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cpe.capture import run
from tests.conftest import Lab, start_lab, stop_lab

ADMIN = "Canary-Lab-Admin-5Tq"
FAULTS = {"unreachable", "busy", "locked", "wrong_first_password", "garbage", "hang"}


@pytest.fixture(scope="module")
def small_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    lab = start_lab(tmp_path_factory.mktemp("caphome"), size=6, admin_password=ADMIN)
    try:
        yield lab
    finally:
        stop_lab(lab)


def test_without_read_only_nothing_is_done(small_lab: Lab, tmp_path: Path) -> None:
    login = small_lab.devices[0]["login"]
    proc = small_lab.cpe("capture", login, "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "--read-only" in proc.stderr
    assert not any(tmp_path.iterdir())


# One `cpe capture` process per lab device, in turn: ~3 s each alone, over 120 s on a
# loaded 2-core machine, so this test has a budget of its own.
@pytest.mark.timeout(300)
def test_capture_every_reachable_lab_device(small_lab: Lab, tmp_path: Path) -> None:
    devices = [d for d in small_lab.devices if not FAULTS & set(d["planted"])]
    assert devices
    for dev in devices:
        proc = small_lab.cpe(
            "capture", dev["login"], "--read-only", "--out", str(tmp_path), "--case", "lab",
            "--json",
        )
        assert proc.returncode == 0, proc.stderr
        data = json.loads(proc.stdout)
        assert data["verified"] is True and data["source"] == "simulator"
        folder = Path(data["folder"])
        assert folder == tmp_path / dev["model"] / "lab"
        text = "".join(p.read_text() for p in folder.iterdir())
        assert ADMIN not in text
        replayed, expected = run.replay_folder(folder)
        assert replayed.model_dump(mode="json") == expected
    again = small_lab.cpe(
        "capture", devices[0]["login"], "--read-only", "--out", str(tmp_path), "--case", "lab"
    )
    assert again.returncode == 2 and "já existe" in again.stderr
