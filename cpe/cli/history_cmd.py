"""`cpe history LOGIN`: one device's timeline from the journal (actions, an interrupted
one with what was planned and what was written, and audit results), as a table or JSON.

Mount with `register(app)`.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from cpe.cli.output import emit_json, fail, out
from cpe.context import Context
from cpe.errors import CpeError


def register(app: typer.Typer) -> None:
    app.command("history")(history)


def history(
    login: Annotated[str, typer.Argument(help="Login PPPoE do cliente.")],
    as_json: Annotated[bool, typer.Option("--json", help="Um documento JSON no stdout.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 50,
) -> None:
    """Linha do tempo de um equipamento: ações e resultados de auditoria."""
    ctx = Context()
    try:
        events = ctx.journal.history(login, limit=limit)
    except CpeError as exc:
        fail(exc)
    if as_json:
        emit_json({"login": login, "events": events})
        return
    if not events:
        out.print(f"Nada registrado no diário para {login}.")
        return
    table = Table(title=f"Histórico de {login}")
    for col in ("Quando (UTC)", "Tipo", "O quê", "Resultado", "Detalhe"):
        table.add_column(col, overflow="fold")
    for ev in events:
        table.add_row(*_history_cells(ev))
    out.print(table)


def _history_cells(ev: dict[str, Any]) -> tuple[str, str, str, str, str]:
    at = str(ev.get("at", "")).replace("T", " ").replace("+00:00", "")
    if ev.get("kind") == "audit":
        return (
            at,
            "auditoria",
            f"execução {ev.get('run_id')}",
            str(ev.get("verdict")),
            ", ".join(ev.get("drifts") or []),
        )
    changed = ", ".join(ev.get("changed") or [])
    planned = ev.get("planned")
    if planned and ev.get("outcome") in ("interrupted", "in_progress"):
        # An interrupted action: what was planned and, apart, what was written.
        changed = f"planejado: {', '.join(planned)}; gravado: {changed or 'nada'}"
    detail = " — ".join(p for p in (changed, ev.get("message") or "") if p)
    who = str(ev.get("operator"))
    origin = ev.get("origin")
    if origin and origin != who:
        who += f" ({origin})"
    return (at, "ação", f"{ev.get('action')} por {who}", str(ev.get("outcome")), detail)
