"""`cpe probe LOGIN|HOST`: read-only fingerprint of a unit, no login attempt."""

from __future__ import annotations

from typing import Annotated

import typer

from cpe import probe as probe_mod
from cpe.cli.output import emit_json, err, fail, out
from cpe.context import Context
from cpe.errors import CpeError


def probe(
    target: Annotated[
        str, typer.Argument(help="Login PPPoE (como no IXC) ou HOST[:PORTA] do equipamento.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Um documento JSON no stdout.")] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.5, max=60.0, help="Segundos por pedido.")
    ] = 5.0,
) -> None:
    """Identifica família, firmware e variante sem login (nenhuma senha é enviada)."""
    try:
        report = probe_mod.probe(Context(), target, timeout_s=timeout)
    except CpeError as exc:
        if as_json:
            emit_json({"target": target, "reachable": False, "error": exc.as_dict()})
            raise typer.Exit(exc.exit_code) from None
        fail(exc)
    if as_json:
        emit_json(report.model_dump(mode="json"))
    else:
        # Device text is data: printed with markup off.
        out.print(f"{report.target} — {report.host}:{report.port}", markup=False)
        out.print(f"  • {report.message_pt}", markup=False)
        if report.identified:
            for key, value in report.details.items():
                out.print(f"    {key}: {value}", markup=False)
        for adv in report.advisories:
            out.print(f"  • {adv['id']}: {adv['resumo']} ({adv['fonte']})", markup=False)
        if report.next_step_pt:
            err.print(f"  Próximo passo: {report.next_step_pt}", markup=False)
    raise typer.Exit(report.exit_code)
