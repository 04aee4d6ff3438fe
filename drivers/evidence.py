"""The evidence ledger: what public evidence backs each protocol fact we rely on.

Every public constant of a family's `guessed.py` (and of `inventory/ixc/fields.py`) has
one `Fact` in that module's `LEDGER`, naming the constant, a grade and its sources:

- `confirmed`: seen in a capture or in the firmware itself (a published capture, a
  firmware dump, a PoC's recorded answer);
- `corroborated`: one or more independent public clients written for the real device
  rely on it (each one a source);
- `guessed`: no public evidence; our own choice, kept here so one capture corrects it.

A source is a short reference a reader can follow: "owner/repo:path" for public code,
an advisory id ("CVE-2026-36609"), or a vendor document's title or URL. The matrix and
the README's "Guessed protocol details" are generated from these ledgers, and a test
checks that every constant has exactly one fact and that only a guess lacks a source.
"""

from __future__ import annotations

import ast
import importlib
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

__all__ = ["LEDGER_MODULES", "Fact", "Grade", "constants_of", "grade_counts", "ledger_of"]


class Grade(StrEnum):
    CONFIRMED = "confirmed"
    CORROBORATED = "corroborated"
    GUESSED = "guessed"


@dataclass(frozen=True)
class Fact:
    #: The constant in the module (or a group name for facts kept elsewhere).
    name: str
    grade: Grade
    #: One line saying what the fact is, for the generated README section.
    summary: str
    #: Where a reader can check it; empty only for a guess.
    sources: tuple[str, ...] = ()
    #: Why a guess was chosen, or what the sources disagree on.
    note: str = ""

    def __post_init__(self) -> None:
        if self.grade is not Grade.GUESSED and not self.sources:
            raise ValueError(f"{self.name}: a {self.grade} fact needs a source")


#: Family → the module holding its ledger (`LEDGER: tuple[Fact, ...]`).
LEDGER_MODULES: dict[str, str] = {
    "mercusys": "drivers.mercusys.guessed",
    "zyxel": "drivers.zyxel.guessed",
    "zte": "drivers.zte.guessed",
    "fiberhome": "drivers.fiberhome.guessed",
    "tplink": "drivers.tplink.guessed",
    "ixc": "inventory.ixc.fields",
}


def ledger_of(family: str) -> tuple[Fact, ...]:
    module = importlib.import_module(LEDGER_MODULES[family])
    ledger = getattr(module, "LEDGER", ())
    return tuple(ledger)


def grade_counts(facts: tuple[Fact, ...]) -> dict[Grade, int]:
    counts = Counter(f.grade for f in facts)
    return {g: counts.get(g, 0) for g in Grade}


def constants_of(module_name: str) -> list[str]:
    """Public UPPER_CASE names assigned at the top of a module (the facts it holds),
    read from its source so a test can compare them with the ledger."""
    module = importlib.import_module(module_name)
    path = Path(module.__file__ or "")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        for t in targets:
            elts = t.elts if isinstance(t, ast.Tuple) else [t]
            names += [
                e.id
                for e in elts
                if isinstance(e, ast.Name) and not e.id.startswith("_") and e.id.isupper()
            ]
    return [n for n in names if n != "LEDGER"]
