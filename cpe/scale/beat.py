"""Celery beat's scheduler over the schedule store (cpe.scale.schedule).

Beat asks for `schedule` on every tick; at most once a second this rereads the store,
keeping the entry of every unchanged schedule (with its last run) so beat's heap is left
alone, and dropping removed ones: `cpe schedule add|remove` take effect within
`beat_max_loop_interval` seconds, without restarting beat. A schedule's last run comes
from the journal (its runs' start), so a restarted coordinator neither repeats a run
nor forgets one it missed: a cron time that passed while it was down runs once.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from celery.beat import ScheduleEntry, Scheduler
from celery.schedules import crontab, schedule

from cpe.scale.app import COORD_QUEUE, SCHEDULED_TASK
from cpe.scale.schedule import ScheduleSpec, ScheduleStore
from cpe.settings import load_settings

RELOAD_S = 1.0


def celery_schedule(spec: ScheduleSpec, app: Any) -> schedule:
    if spec.cron:
        return crontab.from_string(spec.cron)
    assert spec.every_s is not None
    return schedule(timedelta(seconds=spec.every_s), app=app)


class StoreScheduler(Scheduler):  # type: ignore[misc]
    """`celery beat --scheduler cpe.scale.beat:StoreScheduler`."""

    def setup_schedule(self) -> None:
        self.store = ScheduleStore(load_settings())
        self._specs: dict[str, ScheduleSpec] = {}
        self._loaded = 0.0
        self._reload()

    def get_schedule(self) -> dict[str, ScheduleEntry]:
        if time.monotonic() - self._loaded >= RELOAD_S:
            self._reload()
        return self.data

    def set_schedule(self, value: dict[str, ScheduleEntry]) -> None:
        self.data = value

    schedule = property(get_schedule, set_schedule)

    def _reload(self) -> None:
        self._loaded = time.monotonic()
        entries: dict[str, ScheduleEntry] = {}
        specs: dict[str, ScheduleSpec] = {}
        for spec in self.store.active():
            specs[spec.id] = spec
            current = self.data.get(spec.id)
            if current is not None and self._specs.get(spec.id) == spec:
                entries[spec.id] = current
                continue
            last = (
                self.store.last_run_at(spec.id) or self.store.added_at(spec.id) or datetime.now(UTC)
            )
            entries[spec.id] = ScheduleEntry(
                name=spec.id,
                task=SCHEDULED_TASK,
                schedule=celery_schedule(spec, self.app),
                args=(spec.id,),
                options={"queue": COORD_QUEUE},
                last_run_at=last,
                app=self.app,
            )
        self._specs = specs
        self.data = entries

    def sync(self) -> None:
        """Nothing to save: the last runs are the journal's."""

    @property
    def info(self) -> str:
        return "    . agendas: diário do CPE_HOME (cpe schedule list)"
