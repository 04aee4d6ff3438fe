"""Read a family's `guessed.py` without importing or editing it: its public constants and
the source tags ([C] confirmed, [P]/[I] seen once or inferred, [G] guessed) their
comments carry.

An entry's tags come from the comment block right above it and its trailing comment; an
entry with none inherits from the entry right above it (no blank line between: a run of
names under one comment), else from the last free-standing comment of its section
(`# --- ...`), which is how these files tag groups of names.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GuessedEntry", "classify", "parse_guessed"]

_GROUP = re.compile(r"\[([^\]]+)\]")
_TAG = re.compile(r"^\s*([CPIG])\b")


@dataclass(frozen=True)
class GuessedEntry:
    name: str
    line: int
    tags: tuple[str, ...]

    @property
    def level(self) -> str:
        return classify(self.tags)


def classify(tags: tuple[str, ...]) -> str:
    """The weakest source wins: G, then P/I, then C; "?" when untagged."""
    if "G" in tags:
        return "G"
    if "P" in tags or "I" in tags:
        return "P/I"
    return "C" if "C" in tags else "?"


def tags_in(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for group in _GROUP.findall(text):
        for part in re.split(r"[,;/]", group):
            match = _TAG.match(part)
            if match and match.group(1) not in found:
                found.append(match.group(1))
    return tuple(found)


def _names(node: ast.stmt) -> list[str]:
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    out: list[str] = []
    for t in targets:
        elts = t.elts if isinstance(t, ast.Tuple) else [t]
        out += [e.id for e in elts if isinstance(e, ast.Name)]
    return [n for n in out if not n.startswith("_") and n.upper() == n]


def parse_guessed(path: Path) -> list[GuessedEntry]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string
    entries: list[GuessedEntry] = []
    section_tags: tuple[str, ...] = ()
    last_end = 0
    for node in ast.parse(source).body:
        start, end = node.lineno, node.end_lineno or node.lineno
        # Free-standing comments between the previous statement and this one's own block.
        own_start = start
        while own_start - 1 > last_end and lines[own_start - 2].lstrip().startswith("#"):
            own_start -= 1
        for n in range(last_end + 1, own_start):
            text = comments.get(n, "")
            if text.lstrip("# ").startswith("---"):
                section_tags = tags_in(text)
            elif text and tags_in(text):
                section_tags = tags_in(text)
        own = tags_in(" ".join(comments.get(n, "") for n in range(own_start, end + 1)))
        if not own and own_start == start and last_end == start - 1 and entries:
            own = entries[-1].tags  # a run of names under one comment
        for name in _names(node):
            entries.append(GuessedEntry(name, start, own or section_tags))
        last_end = end
    return entries
