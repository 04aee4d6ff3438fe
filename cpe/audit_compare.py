"""What changed between two finished audit runs, read from the journal only.

Every report of a run carries `since_previous`: the comparison with the previous
completed run of the same scope (the same filters), or None when there is none. The
previous run is the latest completed run whose start precedes this run's start, so a
report rendered again later (`cpe audit report RUN_ID`) compares with the same run and
reads the same. `cpe audit --compare RUN_A RUN_B` compares any two finished runs.

Both runs are streamed ordered by login and merged, so two 10,000-device runs are
compared without holding either in memory; only the logins that changed are kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cpe.errors import InputError
from cpe.journal import Journal

#: The lists design.md fixes, in the order reports show them.
KINDS = ("new", "resolved", "unreachable_new", "reachable_again")
KIND_PT = {
    "new": "novos divergentes",
    "resolved": "resolvidos",
    "unreachable_new": "sem resposta agora",
    "reachable_again": "respondem de novo",
    "drift_changed": "divergência mudou",
    "added": "novos na seleção",
    "removed": "saíram da seleção",
}
DRIFT, OK, UNREACHABLE = "drift", "ok", "unreachable"


@dataclass
class Comparison:
    """`run_id` is the earlier run (design.md's `since_previous.run_id`)."""

    run_id: str
    later_run_id: str
    #: drift now, not drift before (ok, another verdict, or not audited before).
    new: list[str] = field(default_factory=list)
    #: drift before, ok now.
    resolved: list[str] = field(default_factory=list)
    #: unreachable now, not unreachable before.
    unreachable_new: list[str] = field(default_factory=list)
    #: unreachable before, answered now (any other verdict).
    reachable_again: list[str] = field(default_factory=list)
    #: drift in both, with other drift kinds: {"login", "before", "after"}.
    drift_changed: list[dict[str, Any]] = field(default_factory=list)
    #: in one run only (the register changed, or a logins file did).
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "new": len(self.new),
            "resolved": len(self.resolved),
            "unreachable_new": len(self.unreachable_new),
            "reachable_again": len(self.reachable_again),
            "drift_changed": len(self.drift_changed),
            "added": len(self.added),
            "removed": len(self.removed),
        }

    @property
    def changed(self) -> bool:
        return any(self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "new": self.new,
            "resolved": self.resolved,
            "unreachable_new": self.unreachable_new,
            "reachable_again": self.reachable_again,
            "counts": self.counts,
            "drift_changed": self.drift_changed,
            "added": self.added,
            "removed": self.removed,
            "compared_run_id": self.later_run_id,
        }

    def summary_pt(self) -> str:
        """One line for the CLI and the page: "2 novos divergentes, 1 resolvido, …"."""
        c = self.counts
        words = {
            "new": ("novo divergente", "novos divergentes"),
            "resolved": ("resolvido", "resolvidos"),
            "unreachable_new": ("sem resposta agora", "sem resposta agora"),
            "reachable_again": ("responde de novo", "respondem de novo"),
            "drift_changed": ("com divergência diferente", "com divergência diferente"),
        }
        parts = [f"{c[k]} {one if c[k] == 1 else many}" for k, (one, many) in words.items()]
        return ", ".join(parts)


def _rows(journal: Journal, run_id: str) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    for login, _model, verdict, drifts, _detail, _at in journal.results_raw(run_id):
        yield login, verdict, tuple(sorted(json.loads(drifts)))


def compare(journal: Journal, earlier: str, later: str) -> Comparison:
    """What changed from `earlier` to `later` (both in this journal)."""
    out = Comparison(earlier, later)
    a_rows, b_rows = _rows(journal, earlier), _rows(journal, later)
    a, b = next(a_rows, None), next(b_rows, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            assert a is not None
            out.removed.append(a[0])
            a = next(a_rows, None)
            continue
        if a is None or b[0] < a[0]:
            out.added.append(b[0])
            _classify(out, b[0], None, None, b[1], b[2])
            b = next(b_rows, None)
            continue
        _classify(out, a[0], a[1], a[2], b[1], b[2])
        a, b = next(a_rows, None), next(b_rows, None)
    return out


def _classify(
    out: Comparison,
    login: str,
    before: str | None,
    drifts_before: tuple[str, ...] | None,
    after: str,
    drifts_after: tuple[str, ...],
) -> None:
    if after == DRIFT and before != DRIFT:
        out.new.append(login)
    if before == DRIFT and after == OK:
        out.resolved.append(login)
    if after == UNREACHABLE and before != UNREACHABLE:
        out.unreachable_new.append(login)
    if before == UNREACHABLE and after != UNREACHABLE:
        out.reachable_again.append(login)
    if before == DRIFT and after == DRIFT and drifts_before != drifts_after:
        out.drift_changed.append(
            {"login": login, "before": list(drifts_before or ()), "after": list(drifts_after)}
        )


def scope_of(params: dict[str, Any] | None) -> dict[str, Any]:
    """A run's scope: its filters as stored at start (cpe.audit.Selection.as_params)."""
    selection = (params or {}).get("selection") or {}
    return {k: selection.get(k) for k in ("model", "login_glob", "statuses", "reduced", "logins")}


def is_complete(journal: Journal, run_id: str) -> bool:
    return any(e["event"] == "finished" for e in journal.run_events_of(run_id))


def previous_run(journal: Journal, run_id: str) -> str | None:
    """The latest completed run of the same scope started before `run_id`."""
    seq = journal.run_start_seq(run_id)
    if seq is None:
        return None
    scope = scope_of(journal.run_params(run_id))
    for run in journal.completed_runs():
        if run["seq"] < seq and scope_of(run["params"]) == scope:
            return str(run["run_id"])
    return None


def since_previous(journal: Journal, run_id: str) -> Comparison | None:
    """None for the first completed run of its scope, and for a run not finished yet
    (its missing devices would read as "removed")."""
    if not is_complete(journal, run_id):
        return None
    earlier = previous_run(journal, run_id)
    return compare(journal, earlier, run_id) if earlier is not None else None


def compare_finished(journal: Journal, run_a: str, run_b: str) -> Comparison:
    """`cpe audit --compare`: both runs must exist and have finished."""
    for run in (run_a, run_b):
        if journal.run_start_seq(run) is None:
            raise InputError(f"execução {run!r} não encontrada no diário", operation="comparar")
        if not is_complete(journal, run):
            raise InputError(
                f"a execução {run!r} não terminou: compare só execuções concluídas "
                f"(para continuar: cpe audit --resume {run})",
                operation="comparar",
            )
    if run_a == run_b:
        raise InputError("informe duas execuções diferentes", operation="comparar")
    return compare(journal, run_a, run_b)
