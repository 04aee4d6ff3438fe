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
from cpe.audit_fix import FIX_OUTCOMES, FixResult
from cpe.audit_report import FIX_PT, device_rows, flat_row, per_model, summary
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
    overview = Table(title=f"Auditoria {run_id} — {state} — {head.total} equipamentos")
    overview.add_column("Veredito")
    overview.add_column("Qtde", justify="right")
    overview.add_column("%", justify="right")
    for v in VERDICTS:
        n = head.counts.get(v, 0)
        pct = f"{100 * n / head.total:.1f}" if head.total else "0"
        style = VERDICT_STYLE.get(v, "")
        overview.add_row(styled(v, style) + f" ({VERDICT_PT[v]})", str(n), pct)
    console.print(overview)
    for title, fix in (("Correção", head.fix), ("Simulação de correção", head.fix_dry_run)):
        if fix:
            console.print(
                f"{title}: " + ", ".join(f"{FIX_PT.get(k, k)} {v}" for k, v in fix.items())
            )
    models = per_model(journal, run_id)
    if len(models) > 1:
        mt = Table(title="Por modelo")
        mt.add_column("Modelo")
        for v in VERDICTS:
            mt.add_column(v, justify="right")
        for model, st in models.items():
            mt.add_row(model, *[str(st.verdicts.get(v, 0) or "") for v in VERDICTS])
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
            styled(row["verdict"], VERDICT_STYLE.get(row["verdict"], "")),
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
