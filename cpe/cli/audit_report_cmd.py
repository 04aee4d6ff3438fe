"""`cpe audit report RUN_ID` and `cpe audit --compare RUN_A RUN_B`: reports and
comparisons read from the journal, without contacting any device or IXC.

`report` renders a finished run exactly as `cpe audit` rendered it when the run ended
(same writer, same journal rows, no generation time in any format). `--compare` lists
what changed between two finished runs (cpe.audit_compare).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from cpe.audit_compare import KINDS, Comparison, compare_finished, is_complete
from cpe.audit_report import FORMATS
from cpe.audit_words import drifts_pt
from cpe.cli.audit_output import render_report
from cpe.cli.audit_view import print_since
from cpe.cli.output import emit_json, err, fail, out, styled
from cpe.context import Context
from cpe.errors import CpeError, InputError
from cpe.settings import load_settings


def register(audit_app: typer.Typer) -> None:
    audit_app.command("report")(report)


def report(
    run_id: Annotated[str, typer.Argument(help="Id da execução (cpe audit o mostra no fim).")],
    fmt: Annotated[
        str, typer.Option("--format", help="Relatório: table, json, csv ou html.")
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", help="Gravar o relatório neste arquivo.")
    ] = None,
) -> None:
    """Gera de novo o relatório de uma auditoria concluída, sem auditar nada."""
    try:
        if fmt not in FORMATS:
            raise InputError(f"formato {fmt!r} desconhecido (use {', '.join(FORMATS)})")
        ctx = Context(settings=load_settings())
        journal = ctx.journal
        if journal.run_state(run_id) is None:
            raise InputError(f"execução {run_id!r} não encontrada no diário", operation="relatório")
        if not is_complete(journal, run_id):
            raise InputError(
                f"a execução {run_id!r} não terminou: para continuá-la, "
                f"cpe audit --resume {run_id}",
                operation="relatório",
            )
        render_report(ctx, run_id, fmt, output)  # the same renderer as `cpe audit`
    except CpeError as exc:
        fail(exc)


def compare(run_a: str, run_b: str, fmt: str) -> None:
    """`cpe audit --compare RUN_A RUN_B [--format json]`: RUN_A is the earlier run."""
    try:
        if fmt not in ("table", "json"):
            raise InputError("com --compare, use --format table ou json")
        ctx = Context(settings=load_settings())
        result = compare_finished(ctx.journal, run_a, run_b)
    except CpeError as exc:
        fail(exc)
    if fmt == "json":
        doc = result.as_dict()
        doc["run_a"], doc["run_b"] = run_a, run_b
        emit_json(doc)
        return
    print_comparison(result)


def print_comparison(result: Comparison) -> None:
    out.print(
        f"De {result.run_id} para {result.later_run_id}: {result.summary_pt()}.",
        markup=False,
        highlight=False,
    )
    table = Table(title="Mudanças entre as auditorias")
    table.add_column("Mudança")
    table.add_column("Qtde", justify="right")
    table.add_column("Logins", overflow="fold")
    labels = {
        "new": "novos divergentes",
        "resolved": "resolvidos",
        "unreachable_new": "sem resposta agora",
        "reachable_again": "respondem de novo",
        "added": "novos na seleção",
        "removed": "saíram da seleção",
    }
    for kind in (*KINDS, "added", "removed"):
        logins: list[str] = getattr(result, kind)
        table.add_row(labels[kind], str(len(logins)), _escaped(", ".join(logins)))
    changed = "; ".join(
        f"{d['login']}: {drifts_pt(d['before'])} → {drifts_pt(d['after'])}"
        for d in result.drift_changed
    )
    table.add_row("divergência mudou", str(len(result.drift_changed)), _escaped(changed))
    out.print(table)


def _escaped(text: str) -> Text:
    # Logins are data: a Text cell is never read as markup.
    return styled(text)


def print_summary(ctx: Context, run_id: str) -> None:
    """The CLI summary's line on stderr after a finished audit."""
    from cpe.audit_compare import since_previous

    print_since(err, since_previous(ctx.journal, run_id))
