"""Never lose a write (issue 13's bar): the journal is written before the device.

- kill -9 of a real `cpe reconfigure` before its first write, after each write and during
  the WAN restart (device latency raised so each moment can be caught): every case
  leaves a journal row, and the next `cpe status` says what actually landed;
- SIGTERM records what was planned and, apart, what was written;
- a corrupt, zero-byte, vanished, read-only or full journal: no device write, a clear
  Portuguese error, exit code 1; `cpe journal check` says how to recover, nothing deleted.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cpe import actions
from cpe.errors import JournalError
from cpe.journal import Journal
from cpe.models import Band
from cpe.reconcile import ALREADY, DIFFERS, NOT_WRITTEN, WRITTEN
from drivers.sim import SimDevice
from tests.inproc import World, world

ROOT = Path(__file__).resolve().parent.parent
MODEL = "mercusys-ac12g"
#: Per request: each step of a reconfigure lasts long enough to be caught.
LATENCY_MS = 120.0
WAN_RESTART_S = 3.0


@pytest.fixture(scope="module")
def w(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world(tmp_path_factory.mktemp("journal-first"), [MODEL]) as made:
        yield made


def _env(w: World) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPE_")}
    env |= {"CPE_HOME": str(w.home), "CPE_LOCK_DIR": os.environ["CPE_LOCK_DIR"]}
    return env


def _cpe(w: World, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cpe", *args],
        env=_env(w),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _drifted(w: World) -> tuple[str, SimDevice]:
    login, dev = w.add(MODEL, dns_drift=True, ssid_drift=True, pppoe_drift=True)
    dev.knobs.latency_ms = LATENCY_MS
    dev.knobs.wan_restart_s = WAN_RESTART_S
    return login, dev


def _steps(home: Path, login: str) -> list[tuple[str, list[str]]] | None:
    """The steps of the login's latest intent (None: no intent yet)."""
    path = home / "journal.sqlite3"
    if not path.exists():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute(
            "SELECT id FROM action_intents WHERE login=? ORDER BY rowid DESC LIMIT 1", (login,)
        ).fetchone()
        if row is None:
            return None
        steps = conn.execute(
            "SELECT step, items FROM action_steps WHERE action_id=? ORDER BY rowid", (row[0],)
        ).fetchall()
    except sqlite3.OperationalError:  # the schema is being created right now
        return None
    finally:
        conn.close()
    return [(s, json.loads(items)) for s, items in steps]


def _written(item: str) -> Callable[[list[tuple[str, list[str]]], SimDevice], bool]:
    return lambda steps, dev: ("written", [item]) in steps or any(
        s == "written" and item in i for s, i in steps
    )


def _reading(steps: list[tuple[str, list[str]]], dev: SimDevice) -> bool:
    return not any(s == "planned" for s, _ in steps)


def _wan_down(steps: list[tuple[str, list[str]]], dev: SimDevice) -> bool:
    return _written("pppoe")(steps, dev) and dev.down_until > time.monotonic()


MOMENTS: dict[str, Callable[[list[tuple[str, list[str]]], SimDevice], bool]] = {
    "before-first-write": _reading,
    "after-dns": _written("dns"),
    "after-wifi": _written("ssid"),
    "during-wan-restart": _wan_down,
}


def _run_until(
    w: World,
    login: str,
    dev: SimDevice,
    moment: Callable[[list[tuple[str, list[str]]], SimDevice], bool],
    sig: int,
) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cpe", "reconfigure", login, "--json"],
        env=_env(w),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            steps = _steps(w.home, login)
            if steps is not None and moment(steps, dev):
                proc.send_signal(sig)
                break
            assert proc.poll() is None, f"finished before the moment: {proc.communicate()}"
            time.sleep(0.01)
        else:
            raise AssertionError("the moment never came")
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc


def _truth(w: World, login: str, dev: SimDevice) -> dict[str, bool]:
    """Does the device hold IXC's value now, per item (read from the simulator)?"""
    return {
        "dns": list(dev.dns[:2]) == ["1.1.1.1", "1.0.0.1"],
        "ssid": dev.wifi[Band.GHZ_2_4].ssid != "Antiga",
        "pppoe": dev.pppoe_user == login,
    }


def _status_when_back(w: World, login: str, dev: SimDevice) -> dict[str, Any]:
    while dev.down_until > time.monotonic():  # the WAN restart we interrupted
        time.sleep(0.1)
    res = _cpe(w, "status", login, "--json")
    return dict(json.loads(res.stdout))


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_kill_9_leaves_a_row_and_the_next_status_tells_the_truth(w: World, moment: str) -> None:
    login, dev = _drifted(w)
    writes_before = dev.counters.writes
    proc = _run_until(w, login, dev, MOMENTS[moment], signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    steps = _steps(w.home, login)
    assert steps is not None, "the intent is in the journal before anything is read"
    history = _history(w, login)
    assert history[0]["outcome"] == "interrupted" and history[0].get("pending"), history[0]

    report = _status_when_back(w, login, dev)
    (closed,) = report["interrupted"]
    truth = _truth(w, login, dev)
    wrote = dev.counters.writes > writes_before
    print(f"\nkill -9 {moment}: {closed['texto']}")
    if moment == "before-first-write":
        assert not wrote and "nada foi gravado" in closed["texto"]
    for item, state in closed["items"].items():
        if item == "wifi_key":
            continue  # the simulator shows the key, but its truth rides with the SSID
        on_device = truth[item]
        assert state in ((WRITTEN, ALREADY) if on_device else (NOT_WRITTEN, DIFFERS)), (
            item, state, truth
        )
    assert closed["texto"] in report["summary_pt"]
    # Closed for good: the journal's next reader sees the truth, not a pending action.
    entry = _history(w, login)[0]
    assert entry["outcome"] == "interrupted" and not entry.get("pending")
    assert entry["message"] == closed["texto"]
    again = _cpe(w, "status", login, "--json")
    assert json.loads(again.stdout)["interrupted"] == []


def test_sigterm_records_planned_and_written_apart(w: World) -> None:
    login, dev = _drifted(w)
    proc = _run_until(w, login, dev, _written("dns"), signal.SIGTERM)
    assert proc.returncode != 0
    entry = _history(w, login)[0]
    assert entry["outcome"] == "interrupted" and not entry.get("pending"), entry
    assert set(entry["planned"]) >= {"dns", "ssid", "pppoe"}
    assert "dns" in entry["changed"] and "pppoe" not in entry["changed"]
    assert "Planejado:" in entry["message"] and "gravado ou em gravação:" in entry["message"]


# --- an unsound journal: no device write ------------------------------------------------------


def _history(w: World, login: str) -> list[dict[str, Any]]:
    journal = Journal(w.home / "journal.sqlite3")
    try:
        return journal.history(login)
    finally:
        journal.close()


def _fresh(w: World) -> tuple[str, SimDevice, Path]:
    # A connection this process left open (an earlier test's context) would checkpoint
    # its WAL into the file we are about to damage when it is collected: close it first.
    gc.collect()
    login, dev = w.add(MODEL, dns_drift=True, ssid_drift=False)
    path = w.home / "journal.sqlite3"
    Journal(path).close()
    return login, dev, path


def _refused(w: World, login: str, dev: SimDevice) -> str:
    before = (dev.counters.writes, dev.counters.logins)
    res = _cpe(w, "reconfigure", login)
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert (dev.counters.writes, dev.counters.logins) == before, "the device was touched"
    assert "Diário de ações" in res.stderr and "Nenhum equipamento foi alterado" in res.stderr
    assert "cpe journal check" in res.stderr
    return res.stderr


def _recover(w: World, login: str, dev: SimDevice, path: Path) -> None:
    check = _cpe(w, "journal", "check")
    assert check.returncode == 1 and "não está íntegro" in check.stderr, check.stderr
    assert "--start-new" in check.stdout
    new = _cpe(w, "journal", "check", "--start-new")
    assert new.returncode == 0, new.stderr
    kept = sorted(p.name for p in path.parent.glob("journal.sqlite3.avariado-*"))
    assert kept, "the unsound journal is kept, never deleted"
    res = _cpe(w, "reconfigure", login)
    assert res.returncode == 0, res.stderr
    assert dev.counters.writes > 0
    assert _cpe(w, "journal", "check").returncode == 0


@pytest.mark.parametrize("damage", ["corrupt", "zero-byte", "vanished"])
def test_an_unsound_journal_means_no_device_write(w: World, damage: str) -> None:
    login, dev, path = _fresh(w)
    if damage == "corrupt":
        with open(path, "r+b") as fh:
            fh.write(b"\x00garbage" * 64)
    elif damage == "zero-byte":
        path.write_bytes(b"")
    else:
        path.unlink()
    for companion in ("-wal", "-shm"):
        path.with_name(path.name + companion).unlink(missing_ok=True)
    text = _refused(w, login, dev)
    assert {"corrupt": "corrompido", "zero-byte": "0 bytes", "vanished": "sumiu"}[damage] in text
    # A read still works, and says the journal needs attention.
    report = json.loads(_cpe(w, "status", login, "--json").stdout)
    assert report["reachable"] and any("cpe journal check" in s for s in report["summary_pt"])
    _recover(w, login, dev, path)


def test_a_full_disk_means_no_device_write(w: World) -> None:
    login, dev = w.add(MODEL, dns_drift=True, ssid_drift=False)
    ctx = w.context()
    conn = ctx.journal._conn()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(sqlite3.OperationalError, match="full"):
        for n in range(100_000):  # fill what is left of the intents' last pages
            conn.execute(
                "INSERT INTO action_intents(id, at, operator, login, action, planned) "
                "VALUES (?, 'x', 'x', 'x', 'x', '[]')",
                (f"fill-{n}",),
            )
    before = (dev.counters.writes, dev.counters.logins)
    with pytest.raises(JournalError) as info:
        actions.reconfigure(ctx, login)
    assert info.value.exit_code == 1 and "disco" in info.value.pt()
    assert (dev.counters.writes, dev.counters.logins) == before
    conn.execute("PRAGMA max_page_count = 1073741823")
    conn.execute("DELETE FROM action_intents WHERE id LIKE 'fill-%'")
    ctx.journal.close()


def _make_read_only(path: Path) -> Callable[[], None]:
    """Make the journal file unwritable; returns how to undo it. Root writes through any
    file mode, so as root the file gets the immutable attribute instead."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        return lambda: path.chmod(0o600)
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("running as root on a file system without the immutable attribute")
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)


def test_a_read_only_journal_means_no_device_write(w: World) -> None:
    login, dev, path = _fresh(w)
    undo = _make_read_only(path)
    try:
        text = _refused(w, login, dev)
        assert "somente leitura" in text, text
    finally:
        undo()


def test_a_damaged_page_of_the_write_records_is_found_on_open(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = Journal(path)
    for n in range(50):
        journal.record_action(
            operator="x", login=f"l{n}", device=None, action="reconfigure",
            outcome="verified", changed=["dns"], message="m" * 200,
        )
    conn = journal._conn()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name='actions'").fetchone()[0]
    journal.close()
    with open(path, "r+b") as fh:  # the table's root page: its b-tree header garbled
        fh.seek((root - 1) * page)
        fh.write(b"\xff" * 64)
    with pytest.raises(JournalError, match="corrompido"):
        Journal(path)
    from cpe.journal_health import check

    assert not check(path).sound
