"""Scheduled audits: what `cpe schedule add|list|remove` keep, and what a firing does.

The schedules live in the coordinator's journal (`CPE_HOME/journal.sqlite3`), append-
only like the rest of it: a table of events, `added` (with the schedule's spec) and
`removed`. A schedule is a cron expression (5 fields, in `Settings.timezone`)
or a fixed interval, plus the audit's filters and where its report goes. Celery beat
reads them (cpe.scale.beat) and sends `cpe.scheduled_audit` to the coordinator queue;
`run_scheduled` then runs the audit on the workers from the coordinator, so the run
lands in this journal like any audit (operator "agenda:<id>"), and writes the report
into the schedule's folder.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from cpe.errors import InputError
from cpe.settings import Settings, load_settings

log = logging.getLogger("cpe.scale.schedule")

SCHEMA = """
CREATE TABLE IF NOT EXISTS schedule_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id TEXT NOT NULL,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    operator TEXT,
    spec TEXT
);
"""
OPERATOR_PREFIX = "agenda:"
EXTENSIONS = {"table": "txt", "json": "json", "csv": "csv", "html": "html"}
_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


class ScheduleSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    cron: str | None = None
    every_s: float | None = None
    model: str | None = None
    login: str | None = None
    contract_status: str | None = None
    logins_file: str | None = None
    format: str = "html"
    folder: str

    @property
    def when_pt(self) -> str:
        if self.cron:
            return f"cron {self.cron}"
        return f"a cada {every_pt(self.every_s or 0)}"


#: crontab's argument, the field's name and its allowed values, in cron's order.
_CRON_FIELDS = (
    ("minute", "minuto", "0 a 59"),
    ("hour", "hora", "0 a 23"),
    ("day_of_month", "dia do mês", "1 a 31"),
    ("month_of_year", "mês", "1 a 12"),
    ("day_of_week", "dia da semana", "0 a 6, domingo = 0"),
)


def every_pt(seconds: float) -> str:
    """21600 → '6 h'; the largest unit that divides the interval exactly."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


def parse_every(text: str) -> float:
    """'90', '90s', '30m', '6h', '1d' → seconds."""
    m = _EVERY.match(text)
    if m is None or float(m.group(1)) <= 0:
        raise InputError(f"intervalo inválido {text!r} (ex.: 30m, 6h, 1d)", operation="agenda")
    return float(m.group(1)) * _UNITS[m.group(2)]


def check_cron(expr: str) -> str:
    """A 5-field cron expression, normalised; a clear error otherwise."""
    from celery.schedules import crontab

    fields = expr.split()
    if len(fields) != 5:
        raise InputError(
            f"expressão cron inválida {expr!r}: são 5 campos (minuto hora dia mês dia-da-semana),"
            " ex.: '0 2 * * *'",
            operation="agenda",
        )
    # Field by field, so the message names the one that is wrong (celery's own error
    # names neither the field nor its range).
    for (arg, name_pt, allowed), value in zip(_CRON_FIELDS, fields, strict=True):
        try:
            crontab(**{arg: value})
        except Exception:  # celery's ParseException and ValueError
            raise InputError(
                f"expressão cron inválida {expr!r}: {name_pt} {value!r} fora do permitido "
                f"({allowed}; também *, listas 1,15, faixas 1-5 e passos */10)",
                operation="agenda",
            ) from None
    return " ".join(fields)


def checked_spec(
    *,
    cron: str | None,
    every: str | None,
    model: str | None = None,
    login: str | None = None,
    contract_status: str | None = None,
    logins_file: Path | None = None,
    fmt: str = "html",
    folder: Path,
) -> dict[str, Any]:
    """What `ScheduleStore.add` takes, after every check a schedule gets, whoever adds it
    (`cpe schedule add`, the service's POST /api/schedules): one of cron or interval,
    a known format and model, filters the audit accepts (checked now, not at 2 a.m.), and
    a folder that exists (created 0700) or can be. InputError otherwise."""
    from cpe import audit as audit_mod
    from cpe.audit_report import FORMATS
    from drivers.registry import MODEL_KEYS

    if (cron is None) == (every is None):
        raise InputError("informe --cron ou --every (um dos dois)", operation="agenda")
    if fmt not in FORMATS:
        raise InputError(f"formato {fmt!r} desconhecido (use {', '.join(FORMATS)})")
    if model is not None and model not in MODEL_KEYS:
        raise InputError(f"modelo {model!r} desconhecido (use {', '.join(MODEL_KEYS)})")
    audit_mod.Selection.build(
        model=model, login_glob=login, contract_status=contract_status, logins_file=logins_file
    )
    spec: dict[str, Any] = {
        "cron": check_cron(cron) if cron is not None else None,
        "every_s": parse_every(every) if every is not None else None,
        "model": model,
        "login": login,
        "contract_status": contract_status,
        "logins_file": str(logins_file.resolve()) if logins_file else None,
        "format": fmt,
    }
    target = folder.resolve()
    try:
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise InputError(f"não foi possível usar a pasta {folder}: {exc.strerror}") from None
    return spec | {"folder": str(target)}


class ScheduleStore:
    def __init__(self, settings: Settings) -> None:
        self.path = settings.journal_file
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._conn() as conn:
            conn.executescript(SCHEMA)

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30, isolation_level=None)) as conn:
            conn.row_factory = sqlite3.Row
            yield conn

    def add(self, spec: dict[str, Any], operator: str) -> ScheduleSpec:
        full = ScheduleSpec(id=f"s-{uuid.uuid4().hex[:6]}", **spec)
        self._event(full.id, "added", operator, full.model_dump_json())
        return full

    def remove(self, schedule_id: str, operator: str) -> None:
        if schedule_id not in {s.id for s in self.active()}:
            raise InputError(f"agenda {schedule_id!r} não existe", operation="agenda")
        self._event(schedule_id, "removed", operator, None)

    def _event(self, schedule_id: str, event: str, operator: str, spec: str | None) -> None:
        at = datetime.now(UTC).isoformat(timespec="seconds")
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO schedule_events(schedule_id, at, event, operator, spec)"
                " VALUES (?,?,?,?,?)",
                (schedule_id, at, event, operator, spec),
            )

    def active(self) -> list[ScheduleSpec]:
        """Schedules added and not removed, oldest first."""
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT schedule_id, event, spec FROM schedule_events ORDER BY id"
            ).fetchall()
        live: dict[str, ScheduleSpec] = {}
        for r in rows:
            if r["event"] == "added":
                live[r["schedule_id"]] = ScheduleSpec.model_validate_json(r["spec"])
            elif r["event"] == "removed":
                live.pop(r["schedule_id"], None)
        return list(live.values())

    def get(self, schedule_id: str) -> ScheduleSpec | None:
        return next((s for s in self.active() if s.id == schedule_id), None)

    def added_at(self, schedule_id: str) -> datetime | None:
        return self._time(
            "SELECT MAX(at) FROM schedule_events WHERE schedule_id=? AND event='added'",
            schedule_id,
        )

    def last_run_at(self, schedule_id: str) -> datetime | None:
        """When the schedule's last run started (from the journal's runs)."""
        return self._time(
            "SELECT MAX(at) FROM run_events WHERE event='started' AND operator=?",
            OPERATOR_PREFIX + schedule_id,
        )

    def last_run(self, schedule_id: str) -> dict[str, Any] | None:
        with self._conn() as conn:
            try:
                row = conn.execute(
                    "SELECT run_id, at FROM run_events WHERE event='started' AND operator=? "
                    "ORDER BY rowid DESC LIMIT 1",
                    (OPERATOR_PREFIX + schedule_id,),
                ).fetchone()
                if row is None:
                    return None
                state = conn.execute(
                    "SELECT event FROM run_events WHERE run_id=? ORDER BY rowid DESC LIMIT 1",
                    (row["run_id"],),
                ).fetchone()
            except sqlite3.OperationalError:  # no run table yet
                return None
        return {"run_id": row["run_id"], "started": row["at"], "state": state["event"]}

    def _time(self, sql: str, arg: str) -> datetime | None:
        with self._conn() as conn:
            try:
                row = conn.execute(sql, (arg,)).fetchone()
            except sqlite3.OperationalError:
                return None
        if row is None or row[0] is None:
            return None
        return datetime.fromisoformat(str(row[0]))


# --- a firing ---------------------------------------------------------------------------------

_running: set[str] = set()
_running_guard = threading.Lock()


def run_scheduled(schedule_id: str) -> str | None:
    """Run one scheduled audit to its end from this (the coordinator's) CPE_HOME; the run
    id, or None when the schedule is gone or its previous run is still going."""
    from cpe import audit as audit_mod
    from cpe.context import Context

    settings = load_settings()
    spec = ScheduleStore(settings).get(schedule_id)
    if spec is None:
        log.warning("schedule %s fired but no longer exists", schedule_id)
        return None
    with _running_guard:
        if schedule_id in _running:
            log.warning("schedule %s fired while its previous run still runs: skipped", spec.id)
            return None
        _running.add(schedule_id)
    try:
        ctx = Context(settings=settings, operator=OPERATOR_PREFIX + spec.id)
        selection = audit_mod.Selection.build(
            model=spec.model,
            login_glob=spec.login,
            contract_status=spec.contract_status,
            logins_file=Path(spec.logins_file) if spec.logins_file else None,
        )
        opts = audit_mod.AuditSettings(concurrency=settings.audit_concurrency, engine="celery")
        runner = audit_mod.AuditRunner(ctx, opts)
        run_id = runner.start(selection)
        outcome = runner.run(run_id, selection)
        if not outcome.complete:
            log.error("scheduled audit %s interrupted (%s)", run_id, outcome.reason)
            return run_id
        path = Path(spec.folder) / f"auditoria-{run_id}.{EXTENSIONS[spec.format]}"
        write_report(ctx, run_id, spec.format, path)
        log.info("scheduled audit %s finished; report %s", run_id, path)
        return run_id
    finally:
        with _running_guard:
            _running.discard(schedule_id)


def write_report(ctx: Any, run_id: str, fmt: str, path: Path) -> None:
    """The run's report, written under a temporary name and renamed (never half-done)."""
    from rich.console import Console

    from cpe.audit_html import write_html
    from cpe.audit_report import write_csv, write_json
    from cpe.cli.audit_view import print_table

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        if fmt == "table":
            print_table(Console(file=fh, width=200, color_system=None), ctx.journal, run_id)
        else:
            {"json": write_json, "csv": write_csv, "html": write_html}[fmt](ctx.journal, run_id, fh)
    tmp.replace(path)


def spec_json(spec: ScheduleSpec, store: ScheduleStore) -> dict[str, Any]:
    return {**json.loads(spec.model_dump_json()), "last_run": store.last_run(spec.id)}
