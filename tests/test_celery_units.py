"""The Celery engine's parts that need no server: wire formats, accounting, schedules."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest

from cpe.audit import DeviceResult
from cpe.batch import BatchStats
from cpe.errors import InputError
from cpe.settings import Settings

pytest.importorskip("celery")


def test_a_broker_url_is_shown_without_its_password() -> None:
    from cpe.coord.redis_backend import display_url

    shown = display_url("redis://:s3nha-do-redis@10.0.0.10:6379/0")
    assert shown == "redis://10.0.0.10:6379/0"
    assert "s3nha" not in shown


def test_rows_cross_the_broker_masked_and_come_back_whole() -> None:
    from cpe.audit_fix import FixResult
    from cpe.scale.bus import Message
    from cpe.scale.kinds import AuditKind, FixKind, audit_row, fix_row

    result = DeviceResult(
        "maria.silva",
        "zyxel",
        "drift",
        ["dns"],
        {"wan": {"pppoe_password": "segredo"}, "wifi": [{"band": "2.4GHz", "wpa": "match"}]},
    )
    wire = Message(3, rows=[audit_row(result)], end=True, worker="w1").dumps()
    assert "segredo" not in wire
    back = Message.loads(wire)
    login, got = AuditKind().decode(back.rows[0])
    assert (login, got.verdict, got.drifts) == ("maria.silva", "drift", ["dns"])
    assert got.detail["wan"]["pppoe_password"] == "***"
    assert got.detail["wifi"][0]["wpa"] == "match"
    assert back.end and back.chunk == 3 and back.worker == "w1"
    fix = FixResult("joao", "fixed", ["dns"], None)
    assert FixKind().decode(Message.loads(Message(0, rows=[fix_row(fix)]).dumps()).rows[0]) == (
        "joao",
        fix,
    )


class _Kind:
    name, task = "audit", "cpe.audit_chunk"

    def local(self, item: object) -> None:
        return None

    def key(self, item: str) -> str:
        return item

    def encode(self, item: str) -> list[str]:
        return [item, ""]

    def decode(self, row: list[str]) -> tuple[str, DeviceResult]:
        return row[0], DeviceResult(row[0], None, row[1], [], {})


def _batch(got: list[DeviceResult]) -> object:
    from cpe.scale.remote import RemoteBatch

    return RemoteBatch(
        kind=_Kind(),  # type: ignore[arg-type]
        settings=Settings(broker_url="redis://127.0.0.1:1/0"),
        run_id="r",
        options={},
        on_result=got.append,
    )


def test_a_device_reported_twice_is_taken_once() -> None:
    from cpe.scale.bus import Message
    from cpe.scale.remote import _Chunk

    got: list[DeviceResult] = []
    batch = _batch(got)
    outstanding = {"a": 0, "b": 0}
    chunks = {0: _Chunk({"a", "b"})}
    stats, room = BatchStats(), threading.Condition()
    # first delivery reports "a", dies; the redelivered chunk reports "a" again and "b"
    batch._take(Message(0, rows=[["a", "ok"]]), outstanding, chunks, stats, room)  # type: ignore[attr-defined]
    batch._take(  # type: ignore[attr-defined]
        Message(0, rows=[["a", "busy"], ["b", "ok"]], end=True), outstanding, chunks, stats, room
    )
    assert [(r.login, r.verdict) for r in got] == [("a", "ok"), ("b", "ok")]
    assert stats.completed == 2 and not outstanding and chunks[0].ended


def test_a_worker_that_cannot_read_ixc_stops_the_run() -> None:
    from cpe.scale.bus import Message
    from cpe.scale.remote import _Chunk

    batch = _batch([])
    stats = BatchStats()
    outstanding = {"a": 0}
    chunks = {0: _Chunk({"a"})}
    batch._take(  # type: ignore[attr-defined]
        Message(0, end=True, error="O IXC não respondeu."),
        outstanding,
        chunks,
        stats,
        threading.Condition(),
    )
    assert stats.feeder_error is not None and "IXC" in stats.feeder_error.pt()  # type: ignore[attr-defined]
    assert batch.stop.is_set()  # type: ignore[attr-defined]
    assert outstanding == {"a": 0}  # never counted as done: a resume audits it


# --- schedules -----------------------------------------------------------------------------


def test_schedule_expressions_are_checked_when_added() -> None:
    from cpe.scale.schedule import check_cron, parse_every

    assert check_cron(" 0  2 * * 1-5 ") == "0 2 * * 1-5"
    for bad in ("0 2 * *", "61 * * * *", "0 25 * * *", "a b c d e"):
        with pytest.raises(InputError):
            check_cron(bad)
    assert [parse_every(t) for t in ("90", "90s", "30m", "6h", "1d")] == [
        90,
        90,
        1800,
        21600,
        86400,
    ]
    for bad in ("", "0", "-5m", "5 semanas", "1w"):
        with pytest.raises(InputError):
            parse_every(bad)


def test_the_store_is_append_only_and_beat_follows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cpe.scale import beat
    from cpe.scale.app import configured
    from cpe.scale.schedule import ScheduleStore

    monkeypatch.setenv("CPE_HOME", str(tmp_path))
    monkeypatch.setattr(beat, "RELOAD_S", 0.0)
    settings = Settings(home=tmp_path, broker_url="redis://127.0.0.1:1/0")
    store = ScheduleStore(settings)
    nightly = store.add({"cron": "0 2 * * *", "folder": str(tmp_path)}, "ana")
    hourly = store.add({"every_s": 3600.0, "model": "zyxel", "folder": str(tmp_path)}, "ana")
    scheduler = beat.StoreScheduler(app=configured(settings))
    assert set(scheduler.schedule) == {nightly.id, hourly.id}
    entry = scheduler.schedule[nightly.id]
    assert entry.args == (nightly.id,) and entry.options == {"queue": "cpe.coord"}
    store.remove(hourly.id, "ana")
    assert set(scheduler.schedule) == {nightly.id}
    assert scheduler.schedule[nightly.id] is entry  # unchanged: beat's heap is left alone
    with pytest.raises(InputError):
        store.remove(hourly.id, "ana")
    # nothing was deleted: the journal keeps every event
    import sqlite3

    with sqlite3.connect(settings.journal_file) as conn:
        events = Counter(e for (e,) in conn.execute("SELECT event FROM schedule_events"))
    assert events == {"added": 2, "removed": 1}


def test_celery_commands_say_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from cpe.cli import app

    for k in ("CPE_BROKER_URL", "CPE_IXC_URL", "CPE_INVENTORY_CSV"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("CPE_HOME", str(tmp_path))
    runner = CliRunner()
    got = runner.invoke(app, ["audit", "--engine", "celery"])
    assert got.exit_code == 2 and "CPE_BROKER_URL" in got.output
    got = runner.invoke(app, ["worker"])
    assert got.exit_code == 2 and "CPE_BROKER_URL" in got.output
    got = runner.invoke(app, ["schedule", "add", "--folder", str(tmp_path)])
    assert got.exit_code == 2 and "--cron" in got.output
    got = runner.invoke(app, ["schedule", "add", "--cron", "0 2 * *", "--folder", str(tmp_path)])
    assert got.exit_code == 2 and "5 campos" in got.output
    got = runner.invoke(app, ["schedule", "list"])
    assert got.exit_code == 0 and "Nenhuma" in got.output
    monkeypatch.setenv("CPE_BROKER_URL", "redis://127.0.0.1:1/0")
    got = runner.invoke(app, ["audit", "--engine", "celery", "--processes", "2"])
    assert got.exit_code == 2 and "--processes" in got.output


@pytest.mark.parametrize(
    ("expr", "named"),
    [("61 2 * * *", "minuto '61'"), ("0 25 * * *", "hora '25'"), ("0 2 * 13 *", "mês '13'"),
     ("0 2 * * 8", "dia da semana '8'")],
)
def test_a_bad_cron_names_its_wrong_field(expr: str, named: str) -> None:
    from cpe.scale.schedule import check_cron

    with pytest.raises(InputError) as caught:
        check_cron(expr)
    assert named in caught.value.pt()
    assert "Error" not in caught.value.pt()  # no exception class names for the technician


def test_intervals_read_in_their_own_unit() -> None:
    from cpe.scale.schedule import every_pt, parse_every

    assert [every_pt(parse_every(t)) for t in ("6h", "90m", "1d", "45s")] == [
        "6 h", "90 min", "1 d", "45 s"
    ]
