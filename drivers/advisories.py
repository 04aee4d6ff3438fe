"""Firmware versions that public advisories list as vulnerable, by version only.

`cpe status`, `cpe probe` and the audit flag a unit whose firmware string matches a row
here; nothing ever exploits a device to find out. Each family keeps its rows in
`drivers/<family>/advisories.py` as `ADVISORIES: tuple[Advisory, ...]`, each row with
its advisory id and the public source that lists the affected versions.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache

__all__ = ["ADVISORY_MODULES", "Advisory", "all_advisories", "as_rows", "line_pt", "matching"]


@dataclass(frozen=True)
class Advisory:
    #: "CVE-2026-36609", or the vendor's bulletin id.
    advisory_id: str
    #: Registry keys the advisory names.
    models: tuple[str, ...]
    #: Regular expressions, each matched in full against the firmware string the device
    #: reports (case-insensitive); a unit is flagged when one matches.
    firmware_patterns: tuple[str, ...]
    #: One line in Portuguese for the agent/technician ("login sem senha expõe ...").
    summary_pt: str
    #: Where the affected versions are listed.
    source: str
    severity: str = "high"

    def affects(self, model_key: str | None, firmware: str | None) -> bool:
        if not firmware or model_key not in self.models:
            return False
        return any(
            re.fullmatch(p, firmware.strip(), flags=re.IGNORECASE)
            for p in self.firmware_patterns
        )


#: Family modules holding `ADVISORIES`.
ADVISORY_MODULES: tuple[str, ...] = (
    "drivers.mercusys.advisories",
    "drivers.zyxel.advisories",
    "drivers.zte.advisories",
    "drivers.fiberhome.advisories",
    "drivers.tplink.advisories",
)


@cache
def all_advisories() -> tuple[Advisory, ...]:
    rows: list[Advisory] = []
    for name in ADVISORY_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        rows += list(getattr(module, "ADVISORIES", ()))
    return tuple(rows)


def matching(model_key: str | None, firmware: str | None) -> list[Advisory]:
    """Advisories whose affected versions include this unit's firmware."""
    return [a for a in all_advisories() if a.affects(model_key, firmware)]


def as_rows(found: list[Advisory]) -> list[dict[str, str]]:
    """The JSON rows `cpe status`, `cpe probe` and the audit publish."""
    return [
        {"id": a.advisory_id, "resumo": a.summary_pt, "fonte": a.source, "gravidade": a.severity}
        for a in found
    ]


def line_pt(found: list[Advisory]) -> str | None:
    """One summary line for the agent or technician; None when nothing matched."""
    if not found:
        return None
    ids = ", ".join(a.advisory_id for a in found[:3])
    more = f" e mais {len(found) - 3}" if len(found) > 3 else ""
    return (
        f"Firmware listado como vulnerável em alertas públicos ({ids}{more}): recomende "
        "atualização ou troca do equipamento (assunto do técnico, não do atendimento)."
    )
