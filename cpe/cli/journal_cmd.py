"""`cpe journal check`: is the journal sound, and how to recover when it is not.

Nothing is ever deleted: `--start-new` moves the unsound journal (with its WAL files
and marker) aside to journal.sqlite3.avariado-<date>, and the next command starts a new
one. Exit codes: 0 sound (or a new one started), 1 unsound.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cpe import journal_health
from cpe.cli.output import emit_json, err, mark, out
from cpe.settings import load_settings

app = typer.Typer(help="Diário de ações (journal): conferir e recuperar.", no_args_is_help=True)


@app.command("check")
def check(
    start_new: Annotated[
        bool,
        typer.Option(
            "--start-new",
            help="Se estiver avariado: guardar o atual com outro nome e começar um novo.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Um documento JSON no stdout.")] = False,
) -> None:
    """Diz se o diário está íntegro e, se não estiver, como recuperar sem apagar nada."""
    path = load_settings().journal_file
    health = journal_health.check(path)
    moved = None
    if not health.sound and start_new:
        moved = journal_health.start_new(path)
    if as_json:
        emit_json(
            {
                "path": str(path),
                "sound": health.sound,
                "problem": health.problem,
                "size": health.size,
                "actions": health.actions,
                "interrupted": health.interrupted,
                "moved_to": str(moved) if moved else None,
            }
        )
    elif health.sound:
        out.print(mark("[bold green]✓[/]"), f"O diário {path} está íntegro.")
        if health.actions is not None:
            out.print(f"  • {health.actions} ações registradas.")
        if health.interrupted:
            out.print(
                f"  • {health.interrupted} ação(ões) interrompida(s) ainda sem conferência: "
                "`cpe status LOGIN` confere o equipamento e fecha o registro "
                "(`cpe history LOGIN` mostra qual)."
            )
    else:
        err.print(mark("[bold red]✗[/]"), f"O diário não está íntegro: {health.problem}.")
        if moved is not None:
            out.print(
                f"O diário avariado foi guardado como {moved} (nada foi apagado); o próximo "
                "comando começa um diário novo. Guarde a cópia para o técnico."
            )
        else:
            out.print("Para recuperar, sem apagar nada:")
            out.print(
                "  1. Faça uma cópia de segurança da pasta "
                f"{path.parent} (o diário avariado ainda pode ter dados úteis)."
            )
            out.print(
                "  2. Rode `cpe journal check --start-new`: ele guarda o diário atual com "
                "outro nome e o próximo comando começa um novo."
            )
            out.print(
                "  3. Até lá nenhum equipamento é alterado (cpe reconfigure recusa sem "
                "diário); `cpe status` continua funcionando."
            )
    if not health.sound and moved is None:
        raise typer.Exit(1)
