"""CLI robustness: a malformed CPE_IXC_URL and an unwritable --output are clear errors
before anything runs; reports and captures are owner-only; CLI actions are journaled
with the operating-system user and host."""

from __future__ import annotations

import getpass
import socket
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cpe.capture.fixture import Fixture
from cpe.cli import app
from cpe.cli.history_cmd import _history_cells
from cpe.journal import Journal
from tests.inproc import World, world

MODEL = "mercusys-ac12g"


@pytest.fixture(scope="module")
def w(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world(tmp_path_factory.mktemp("robust"), [MODEL]) as made:
        yield made


def _run(w: World, *args: str, **env: str) -> object:
    return CliRunner().invoke(app, list(args), env={"CPE_HOME": str(w.home), **env})


@pytest.mark.parametrize(
    "url", ["ixc.provedor.com.br/webservice/v1", "ftp://ixc/x", "http://", "http://ixc:99999/"]
)
def test_a_malformed_ixc_url_is_a_clear_error(w: World, url: str) -> None:
    res = _run(w, "status", "qualquer", CPE_IXC_URL=url)
    assert res.exit_code == 2, res.output  # type: ignore[attr-defined]
    assert "CPE_IXC_URL inválida" in res.output  # type: ignore[attr-defined]
    assert "Traceback" not in res.output  # type: ignore[attr-defined]


def test_output_is_checked_before_the_audit_starts(w: World, tmp_path: Path) -> None:
    journal = w.home / "journal.sqlite3"
    runs_before = _runs(journal)
    for target, words in (
        (tmp_path / "nao-existe" / "r.csv", "não existe"),
        (tmp_path, "é uma pasta"),
    ):
        res = _run(w, "audit", "--format", "csv", "--output", str(target), "--no-progress")
        assert res.exit_code == 2, res.output  # type: ignore[attr-defined]
        assert words in res.output  # type: ignore[attr-defined]
    assert _runs(journal) == runs_before, "no audit ran"


def _runs(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        try:
            return int(conn.execute("SELECT COUNT(*) FROM run_events").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def test_reports_are_owner_only_and_actions_name_the_os_user_and_host(
    w: World, tmp_path: Path
) -> None:
    login, _dev = w.add(MODEL, dns_drift=True, ssid_drift=False)
    report = tmp_path / "relatorio.csv"
    res = _run(w, "audit", "--login", login, "--format", "csv", "--output", str(report),
               "--no-progress", "--processes", "1")
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert _run(w, "reconfigure", login, "--dns").exit_code == 0  # type: ignore[attr-defined]
    who = f"{getpass.getuser()}@{socket.gethostname()}"
    entry = Journal(w.home / "journal.sqlite3").history(login)[0]
    assert entry["kind"] == "action" and entry["outcome"] == "verified"
    assert entry["operator"] == who and entry["origin"] == who
    assert _run(w, "history", login).exit_code == 0  # type: ignore[attr-defined]
    assert _history_cells(entry)[2] == f"reconfigure por {who}"


def test_capture_folders_are_owner_only(tmp_path: Path) -> None:
    from cpe.capture.fixture import CaptureMeta

    meta = CaptureMeta(
        model=MODEL, transport="http", family="mercusys", source="device",
        captured_at="2024-01-01T00:00:00+00:00", username=None, pins={}, scrubbed={},
        notes=[],
    )
    folder = tmp_path / "captures" / MODEL / "caso"
    Fixture(meta, [], {}).write(folder)
    for p in (tmp_path / "captures", folder.parent, folder):
        assert stat.S_IMODE(p.stat().st_mode) == 0o700, p
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in folder.iterdir())
