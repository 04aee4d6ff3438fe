"""The provider's business hours (a setting), for the runbook's "dentro do horário do
provedor … fora dele" rules: transfer to a sector inside them, an O.S. of Outras Demandas
outside them.

Format (São Paulo time): `;`-separated entries of days and time ranges, e.g.
`seg-sex 08:00-17:00; sab 08:00-12:00,14:00-18:00` (the runbook's "Suporte Interno
(Transferências)"). Days: seg ter qua qui sex sab dom, a range `seg-sex` or a list
`seg,qua`. A day not listed is closed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

from cpe.service.deadline import TZ

DAYS = ("seg", "ter", "qua", "qui", "sex", "sab", "dom")
DAYS_PT = ("seg", "ter", "qua", "qui", "sex", "sáb", "dom")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class Hours:
    #: Per weekday (Monday = 0), the open ranges.
    ranges: tuple[tuple[tuple[time, time], ...], ...]

    def open_at(self, when: datetime) -> bool:
        local = when.replace(tzinfo=TZ) if when.tzinfo is None else when.astimezone(TZ)
        now = local.time()
        return any(start <= now < end for start, end in self.ranges[local.weekday()])

    def describe_pt(self) -> str:
        """ "seg a sex 08h–17h; sáb 08h–12h e 14h–18h" (equal days grouped)."""
        parts: list[str] = []
        day = 0
        while day < 7:
            spans = self.ranges[day]
            last = day
            while last + 1 < 7 and self.ranges[last + 1] == spans:
                last += 1
            if spans:
                days = DAYS_PT[day] if last == day else f"{DAYS_PT[day]} a {DAYS_PT[last]}"
                times = " e ".join(f"{_hm(a)}–{_hm(b)}" for a, b in spans)
                parts.append(f"{days} {times}")
            day = last + 1
        return "; ".join(parts) or "sem horário definido"


def _hm(t: time) -> str:
    return f"{t.hour:02d}h" if t.minute == 0 else f"{t.hour:02d}h{t.minute:02d}"


def _days(text: str) -> list[int]:
    out: list[int] = []
    for item in text.split(","):
        item = item.strip().lower().replace("á", "a")
        first, _, last = item.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"dia inválido {item!r} (use {', '.join(DAYS)})")
        a, b = DAYS.index(first), DAYS.index(last or first)
        if b < a:
            raise ValueError(f"intervalo de dias invertido {item!r}")
        out.extend(range(a, b + 1))
    return out


def _span(text: str) -> tuple[time, time]:
    m = _RANGE.match(text.strip())
    if not m:
        raise ValueError(f"horário inválido {text!r} (use HH:MM-HH:MM)")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"horário inválido {text!r}")
    start = time(h1, m1)
    end = time.max if h2 == 24 else time(h2, m2)
    if end <= start:
        raise ValueError(f"horário termina antes de começar {text!r}")
    return start, end


def parse_hours(text: str) -> Hours:
    week: list[list[tuple[time, time]]] = [[] for _ in range(7)]
    for entry in text.split(";"):
        entry = entry.strip()
        if not entry:
            continue
        days, _, spans = entry.partition(" ")
        if not spans.strip():
            raise ValueError(f"faltou o horário em {entry!r}")
        ranges = [_span(s) for s in spans.split(",")]
        for d in _days(days):
            week[d].extend(ranges)
    return Hours(tuple(tuple(sorted(day)) for day in week))
