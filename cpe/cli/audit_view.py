"""Terminal side of `cpe audit`: progress (rich bar on a TTY, plain lines otherwise) and
the rich table report."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Column, Table

from cpe.audit import VERDICT_PT, VERDICTS, DeviceResult, RunOutcome
from cpe.audit_compare import Comparison, is_complete, since_previous
from cpe.audit_fix import FIX_OUTCOMES, FixResult
from cpe.audit_report import FIX_PT, device_rows, flat_row, per_model, summary
from cpe.audit_words import drifts_pt
from cpe.cli.output import styled
from cpe.journal import Journal

VERDICT_STYLE = {
    "ok": "green",
    "drift": "yellow",
    "unreachable": "bright_black",
    "auth_failed": "red",
    "locked": "magenta",
    "busy": "blue",
    "unsupported": "dark_orange3",
    "error": "bold red",
}


def _counts_text(counts: Counter[str], order: tuple[str, ...], markup: bool) -> str:
    """Counts per verdict; with `markup`, styled for the progress bar (our own names and
    numbers only, which that column reads as markup)."""
    parts = []
    for name in order:
        n = counts.get(name, 0)
        if not n:
            continue
        style = VERDICT_STYLE.get(name)
        parts.append(f"[{style}]{name} {n}[/]" if markup and style else f"{name}={n}")
    return (" · " if markup else " ").join(parts)


class RichProgress:
    """Audit and fix progress on a TTY: bar, M/N, ETA and counts per verdict."""

    def __init__(self, console: Console) -> None:
        # On a narrow terminal the counts are cut short, never the bar and the ETA.
        counts = Column(no_wrap=True, overflow="ellipsis", ratio=1, min_width=8)
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=20),
            MofNCompleteColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[counts]}", table_column=counts, markup=True),
            console=console,
            transient=False,
            refresh_per_second=4,
            expand=True,
        )
        self.task: TaskID | None = None
        self.fix_task: TaskID | None = None

    # audit
    def run_started(self, run_id: str, done: int, counts: Counter[str]) -> None:
        self.progress.start()
        self.progress.console.print(f"Auditoria {run_id}")
        self.task = self.progress.add_task(
            "Auditoria",
            total=None,
            completed=done,
            counts=_counts_text(counts, VERDICTS, True),
        )

    def total_known(self, total: int, final: bool) -> None:
        if self.task is not None:
            self.progress.update(self.task, total=total)

    def device_done(self, result: DeviceResult, counts: Counter[str]) -> None:
        if self.task is not None:
            self.progress.update(self.task, advance=1, counts=_counts_text(counts, VERDICTS, True))

    def run_finished(self, outcome: RunOutcome) -> None:
        self.progress.refresh()

    # fix
    def fix_started(self, total_hint: int | None) -> None:
        self.fix_task = self.progress.add_task("Correção", total=total_hint, counts="")

    def fix_total(self, total: int, final: bool) -> None:
        if self.fix_task is not None:
            self.progress.update(self.fix_task, total=total)

    def fix_done(self, result: FixResult, counts: Counter[str]) -> None:
        if self.fix_task is not None:
            self.progress.update(
                self.fix_task, advance=1, counts=_counts_text(counts, FIX_OUTCOMES, True)
            )

    def close(self) -> None:
        self.progress.stop()


class PlainProgress:
    """Progress for logs and pipes: one line on stderr every `interval_s` and at the end."""

    def __init__(self, console: Console, interval_s: float = 10.0) -> None:
        self.console = console
        self.interval_s = interval_s
        self.run_id = ""
        self.total: int | None = None
        self.done = 0
        self.started = time.monotonic()
        self.last = 0.0
        self.first_done = 0
        self.fix_total_n: int | None = None
        self.fix_n = 0
        self._lock = threading.Lock()

    def _line(self, label: str, n: int, total: int | None, counts: str, base: int) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = (n - base) / elapsed
        pct = f" ({100 * n / total:.0f}%)" if total else ""
        eta = ""
        if total and rate > 0 and n < total:
            eta = f", faltam ~{(total - n) / rate:.0f} s"
        of = f"/{total}" if total else ""
        return f"{label}: {n}{of}{pct} {counts} — {rate:.1f}/s{eta}"

    def run_started(self, run_id: str, done: int, counts: Counter[str]) -> None:
        self.run_id, self.done, self.first_done = run_id, done, done
        self.started = self.last = time.monotonic()
        self.console.print(f"Auditoria {run_id} iniciada ({done} já auditados).")

    def total_known(self, total: int, final: bool) -> None:
        self.total = total

    def device_done(self, result: DeviceResult, counts: Counter[str]) -> None:
        self.done += 1
        now = time.monotonic()
        if now - self.last >= self.interval_s:
            self.last = now
            text = _counts_text(counts, VERDICTS, False)
            self.console.print(
                self._line(f"auditoria {self.run_id}", self.done, self.total, text, self.first_done)
            )

    def run_finished(self, outcome: RunOutcome) -> None:
        text = _counts_text(outcome.counts, VERDICTS, False)
        self.console.print(
            self._line(f"auditoria {self.run_id}", self.done, self.total, text, self.first_done)
        )

    def fix_started(self, total_hint: int | None) -> None:
        self.started = self.last = time.monotonic()
        self.fix_n = 0
        self.console.print("Correção iniciada.")

    def fix_total(self, total: int, final: bool) -> None:
        self.fix_total_n = total

    def fix_done(self, result: FixResult, counts: Counter[str]) -> None:
        self.fix_n += 1
        now = time.monotonic()
        if now - self.last >= self.interval_s:
            self.last = now
            text = _counts_text(counts, FIX_OUTCOMES, False)
            self.console.print(self._line("correção", self.fix_n, self.fix_total_n, text, 0))

    def close(self) -> None:
        pass


# --- the table report ------------------------------------------------------------------------


def print_table(console: Console, journal: Journal, run_id: str, limit: int = 1000) -> None:
    head = summary(journal, run_id)
    state = {"finished": "concluída", "interrupted": "interrompida"}.get(head.state or "", "?")
    if is_complete(journal, run_id):
        print_since(console, since_previous(journal, run_id))
    overview = Table(title=f"Auditoria {run_id} — {state} — {head.total} equipamentos")
    overview.add_column("Veredito")
    overview.add_column("Qtde", justify="right")
    overview.add_column("%", justify="right")
    for v in VERDICTS:
        n = head.counts.get(v, 0)
        pct = f"{100 * n / head.total:.1f}" if head.total else "0"
        style = VERDICT_STYLE.get(v, "")
        overview.add_row(styled(VERDICT_PT[v], style), str(n), pct)
    console.print(overview)
    for title, fix in (("Correção", head.fix), ("Simulação de correção", head.fix_dry_run)):
        if fix:
            console.print(
                f"{title}: " + ", ".join(f"{FIX_PT.get(k, k)} {v}" for k, v in fix.items())
            )
    models = per_model(journal, run_id)
    if len(models) > 1:
        mt = Table(title="Por modelo")
        mt.add_column("Modelo", no_wrap=True)
        # Only the verdicts this run has: the table stays readable on 80 columns.
        present = [v for v in VERDICTS if any(st.verdicts.get(v) for st in models.values())]
        for v in present:
            mt.add_column(VERDICT_PT[v], justify="right")
        for model, st in models.items():
            mt.add_row(styled(model), *[str(st.verdicts.get(v, 0) or "") for v in present])
        console.print(mt)
    show_ok = head.total <= 200
    dt = Table(title="Equipamentos" if show_ok else "Equipamentos com problema")
    for col in (
        "Login",
        "Modelo",
        "Veredito",
        "Divergências",
        "Contrato",
        "Acesso",
        "RX",
        "Detalhe",
    ):
        dt.add_column(col, overflow="fold")
    shown = hidden = 0
    for row in device_rows(journal, run_id):
        if row["verdict"] == "ok" and not show_ok:
            continue
        if shown >= limit:
            hidden += 1
            continue
        shown += 1
        flat = flat_row(row, spreadsheet=False)
        # Logins, SSIDs and device messages are data: the console reads no markup, and
        # the cells are Text, never parsed.
        dt.add_row(
            styled(flat["login"]),
            styled(flat["modelo"]),
            styled(flat["veredito"], VERDICT_STYLE.get(row["verdict"], "")),
            styled(flat["divergencias"]),
            styled(flat["contrato"]),
            styled(flat["transporte"]),
            styled(flat["rx_dbm"]),
            styled(_detail_text(row, flat)),
        )
    if shown:
        console.print(dt)
    if hidden:
        console.print(
            f"… e mais {hidden} equipamentos (use --format csv, html ou json para ver todos)."
        )


def _detail_text(row: dict[str, Any], flat: dict[str, str]) -> str:
    parts = []
    if flat["erro"]:
        parts.append(flat["erro"])
    parts += [d for d in row.get("drift_detail") or [] if d]
    if flat["correcao"]:
        parts.append(f"Correção: {flat['correcao']}")
    return "; ".join(parts)


def print_since(console: Console, previous: Comparison | None) -> None:
    """What changed since the previous audit of the same scope, above the table report
    and in the CLI summary."""
    if previous is None:
        console.print(
            "Desde a auditoria anterior: primeira auditoria concluída com estes filtros.",
            markup=False,
            highlight=False,
        )
        return
    console.print(
        f"Desde a auditoria anterior ({previous.run_id}): {previous.summary_pt()}.",
        markup=False,
        highlight=False,
    )
    labels = (
        ("new", "Novos divergentes"),
        ("resolved", "Resolvidos"),
        ("unreachable_new", "Sem resposta agora"),
        ("reachable_again", "Respondem de novo"),
    )
    for kind, label in labels:
        logins: list[str] = getattr(previous, kind)
        if logins:
            more = f" … (+{len(logins) - 20})" if len(logins) > 20 else ""
            shown = ", ".join(logins[:20]) + more
            console.print(f"  {label}: {shown}", markup=False, highlight=False)
    for d in previous.drift_changed[:20]:
        before, after = drifts_pt(d["before"]), drifts_pt(d["after"])
        console.print(
            f"  Divergência mudou: {d['login']}: {before} → {after}",
            markup=False,
            highlight=False,
        )
