"""`cpe lab up|down|status`: the embedded simulated fleet and IXC."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from pydantic import SecretStr
from rich.table import Table

from cpe.cli.output import emit_json, err, fail, mark, out
from cpe.errors import CpeError
from cpe.lab import control
from cpe.settings import load_settings

app = typer.Typer(help="Laboratório embutido: frota simulada + IXC simulado em loopback.")


@app.command("up")
def up(
    size: Annotated[
        int, typer.Option("--size", min=1, max=20000, help="Quantos equipamentos.")
    ] = 16,
    latency_ms: Annotated[float, typer.Option("--latency-ms", min=0)] = 0.0,
    fault_rate: Annotated[float, typer.Option("--fault-rate", min=0.0, max=1.0)] = 0.0,
    admin_password: Annotated[
        str | None,
        typer.Option(
            "--admin-password", help="Uma senha de admin para todos (testes).", hidden=True
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed")] = 2389,
    wan_restart_s: Annotated[float, typer.Option("--wan-restart-s", min=0.1)] = 3.0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Sobe o laboratório em segundo plano; os próximos comandos `cpe` passam a usá-lo."""
    settings = load_settings()
    pw = admin_password or os.environ.get("CPE_LAB_ADMIN_PASSWORD")
    if not as_json:
        err.print(f"Subindo o laboratório ({size} equipamentos) em {settings.home}…")
    try:
        info = control.up(
            settings,
            size=size,
            latency_ms=latency_ms,
            fault_rate=fault_rate,
            admin_password=SecretStr(pw) if pw else None,
            seed=seed,
            wan_restart_s=wan_restart_s,
        )
    except CpeError as exc:
        fail(exc)
    if as_json:
        emit_json(control.status(settings))
        return
    out.print(
        mark("[green]✓[/]"),
        f"Laboratório no ar: {len(info['devices'])} equipamentos, "
        f"IXC em {info['ixc_url']}"
    )


@app.command("down")
def down() -> None:
    """Derruba o laboratório e apaga o cofre e as configurações dele."""
    settings = load_settings()
    if control.down(settings):
        out.print(mark("[green]✓[/]"), "Laboratório encerrado.")
    else:
        out.print("Nenhum laboratório rodando.")


@app.command("status")
def status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Mostra o laboratório: equipamentos, o que foi plantado e os contadores."""
    settings = load_settings()
    data = control.status(settings)
    if as_json:
        emit_json(data)
        return
    if not data["running"]:
        out.print("Nenhum laboratório rodando (use `cpe lab up`).")
        raise typer.Exit(1)
    table = Table(title=f"Laboratório — IXC {data['ixc_url']}")
    for col in ("login", "modelo", "endereço", "plantado"):
        table.add_column(col)
    for d in data["devices"][:200]:
        table.add_row(
            d["login"], d["model"], f"{d['host']}:{d['port']}", ", ".join(d["planted"]) or "—"
        )
    out.print(table)
    if len(data["devices"]) > 200:
        out.print(f"… e mais {len(data['devices']) - 200} equipamentos (use --json).")
    out.print(f"Contadores: {data['counters']}")
