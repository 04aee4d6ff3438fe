"""The N3 deadline of the runbook: 24 h corridas on weekdays, 48 h on weekends (GMT-3)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        TZ: tzinfo = ZoneInfo("America/Sao_Paulo")
    except ZoneInfoNotFoundError:  # no tzdata: Brazil has had no DST since 2019
        TZ = timezone(timedelta(hours=-3), "GMT-3")
except ImportError:  # pragma: no cover
    TZ = timezone(timedelta(hours=-3), "GMT-3")

Clock = Callable[[], datetime]

#: The runbook's suggested message, verbatim.
RUNBOOK_TEXT = (
    "Nesse caso, vou abrir um chamado para que a equipe responsável entre em contato em até "
    "24 horas corridas (ou até 48 horas corridas em finais de semana) para resolver este "
    "problema. Poderia, por gentileza, confirmar o seu número de telefone e o melhor período "
    "para que o setor entre em contato?"
)

WEEKDAYS_PT = (
    "segunda-feira",
    "terça-feira",
    "quarta-feira",
    "quinta-feira",
    "sexta-feira",
    "sábado",
    "domingo",
)


def now_local() -> datetime:
    return datetime.now(TZ)


@dataclass(frozen=True)
class Deadline:
    opened_at: datetime
    hours: int
    due: datetime
    weekend: bool

    @property
    def due_pt(self) -> str:
        d = self.due
        return f"{WEEKDAYS_PT[d.weekday()]}, {d:%d/%m} às {d:%H:%M}"

    @property
    def suggested_text(self) -> str:
        """The runbook's message with the deadline that applies right now."""
        if self.weekend:
            span = "48 horas corridas, por ser final de semana"
        else:
            span = "24 horas corridas"
        return (
            "Nesse caso, vou abrir um chamado para que a equipe responsável entre em contato "
            f"em até {span} (até {self.due_pt}) para resolver este problema. Poderia, por "
            "gentileza, confirmar o seu número de telefone e o melhor período para que o "
            "setor entre em contato?"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "aberto_em": self.opened_at.isoformat(timespec="minutes"),
            "horas": self.hours,
            "prazo": self.due.isoformat(timespec="minutes"),
            "prazo_texto": self.due_pt,
            "fim_de_semana": self.weekend,
            "texto_sugerido": self.suggested_text,
            "texto_roteiro": RUNBOOK_TEXT,
        }


def n3_deadline(now: datetime) -> Deadline:
    """24 h when the ticket is opened Monday–Friday, 48 h on Saturday or Sunday,
    counted in São Paulo time (a naive `now` is taken as São Paulo time)."""
    local = now.replace(tzinfo=TZ) if now.tzinfo is None else now.astimezone(TZ)
    weekend = local.weekday() >= 5
    hours = 48 if weekend else 24
    return Deadline(local, hours, local + timedelta(hours=hours), weekend)
