"""One text for a device that is busy, whichever lock backend refused (the host's lock
directory or Redis): what holds it (a write or a read), for how long and where (host and
process), and what to do. The backends only say what they know about the holder.
"""

from __future__ import annotations

from dataclasses import dataclass

from cpe.coord.base import Intent
from cpe.errors import SessionBusy

__all__ = ["BUSY_WRITE_PT", "Holder", "duration_pt", "wait_expired", "write_refused"]

BUSY_WRITE_PT = "Outro atendimento está alterando este equipamento agora"
AFTER_WRITE_PT = "com reinício da conexão leva até uns 2 minutos"


@dataclass(frozen=True)
class Holder:
    """Who holds (or waits for) a device, as far as the backend knows."""

    intent: Intent | None = None
    #: How long ago it started, in seconds (None: unknown).
    ago_s: float | None = None
    #: Host and process ("host:pid"), or None.
    where: str | None = None

    def where_pt(self) -> str | None:
        if not self.where:
            return None
        host, _, pid = self.where.partition(":")
        pid = pid.split(":")[0]
        return f"em {host}, processo {pid}" if pid.isdigit() else f"em {host}"

    def facts(self, *first: str) -> list[str]:
        out = list(first)
        if self.ago_s is not None:
            out.append(f"começou há {duration_pt(self.ago_s)}")
        where = self.where_pt()
        if where:
            out.append(where)
        return out


def duration_pt(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest:02d} s" if rest else f"{minutes} min"


def _paren(facts: list[str]) -> str:
    return f" ({', '.join(facts)})" if facts else ""


def write_refused(key: str, holder: Holder, *, operation: str = "device lock") -> SessionBusy:
    """A write refused at once: another write holds the device or waits for it."""
    return SessionBusy(
        "another write holds or waits for the device",
        device=key,
        operation=operation,
        detail_pt=(
            f"{BUSY_WRITE_PT}{_paren(holder.facts())}. Só uma alteração por vez: espere ela "
            f"terminar ({AFTER_WRITE_PT}) e tente de novo."
        ),
    )


def wait_expired(
    key: str, intent: Intent, waited_s: float, holder: Holder, *, operation: str = "device lock"
) -> SessionBusy:
    """`intent` waited `waited_s` for the device and `holder` still had it."""
    waited = duration_pt(waited_s)
    if holder.intent is Intent.WRITE:
        text = (
            f"{BUSY_WRITE_PT}{_paren(holder.facts(f'{waited} de espera'))}. Tente de novo "
            f"quando ele terminar ({AFTER_WRITE_PT})."
        )
    elif intent is Intent.WRITE:
        text = (
            f"Uma leitura deste equipamento está em andamento{_paren(holder.facts())} e não "
            f"terminou em {waited}; nada foi alterado. Tente de novo em instantes."
        )
    else:
        text = (
            f"Outra leitura deste equipamento está em andamento{_paren(holder.facts())} e não "
            f"terminou em {waited}; nada foi feito nele agora. Tente de novo em instantes."
        )
    return SessionBusy(
        "the device's session stayed taken for the whole wait",
        device=key,
        operation=operation,
        detail_pt=text,
    )
