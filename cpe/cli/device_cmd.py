"""`cpe status` and `cpe reconfigure`: one customer at a time, for N1 agents."""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import FrameType
from typing import Annotated

import typer

from cpe import actions
from cpe.cli.output import emit_json, err, fail, mark, out, styled
from cpe.context import Context
from cpe.errors import CpeError
from cpe.progress import STAGE_PT, Stage

WAITING_PT = f"O equipamento está ocupado: {STAGE_PT[Stage.WAITING_DEVICE]}…"


def status(
    login: Annotated[str, typer.Argument(help="Login PPPoE do cliente (como no IXC).")],
    as_json: Annotated[bool, typer.Option("--json", help="Um documento JSON no stdout.")] = False,
) -> None:
    """Mostra o estado do equipamento do cliente em palavras simples."""
    ctx = Context()
    try:
        report = actions.status(ctx, login, on_wait=_waiting_once())
    except CpeError as exc:
        if as_json:
            emit_json({"login": login, "reachable": False, "error": exc.as_dict()})
            err.print(mark("[red]✗[/]"), exc.pt())
            raise typer.Exit(exc.exit_code) from None
        fail(exc)
    if as_json:
        emit_json(report.model_dump(mode="json"))
    else:
        out.print(styled(report.login, "bold"), f"— {report.model or 'modelo desconhecido'}")
        if report.transport and report.transport != "http":
            out.print(f"  (acesso via {report.transport.upper()}: a interface web não respondeu)")
        for line in report.summary_pt:
            out.print(f"  • {line}")
    if report.error:
        raise typer.Exit(int(report.error.get("exit_code") or 1))


def reconfigure(
    login: Annotated[str, typer.Argument(help="Login PPPoE do cliente (como no IXC).")],
    pppoe: Annotated[
        bool, typer.Option("--pppoe", help="Reaplicar usuário/senha PPPoE do IXC.")
    ] = False,
    dns: Annotated[bool, typer.Option("--dns", help="Aplicar DNS 1.1.1.1 / 1.0.0.1.")] = False,
    wifi: Annotated[
        bool, typer.Option("--wifi", help="Aplicar SSID e senha do Wi-Fi do IXC.")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Só mostrar o que mudaria.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Um documento JSON no stdout.")] = False,
) -> None:
    """Reaplica PPPoE, DNS e Wi-Fi do IXC (sem opções: tudo), confere e desfaz se falhar."""
    ctx = Context()
    # SIGTERM must unwind like Ctrl-C so the journal records the interruption.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        if not as_json:
            err.print(f"Conferindo o equipamento de {login}…")
        result = actions.reconfigure(
            ctx,
            login,
            pppoe=pppoe,
            dns=dns,
            wifi=wifi,
            dry_run=dry_run,
            progress=_waiting_stage,
        )
    except actions.ReconfigureFailed as exc:
        if as_json:
            emit_json(exc.result.model_dump(mode="json"))
        _print_result(exc.result, as_json)
        fail(exc)
    except KeyboardInterrupt:
        err.print(
            mark("[yellow]Interrompido.[/]"),
            "Releia o equipamento com `cpe status` antes de agir de novo."
        )
        raise typer.Exit(130) from None
    except CpeError as exc:
        if as_json:
            emit_json(
                {
                    "login": login,
                    "changed": [],
                    "verified": False,
                    "rolled_back": False,
                    "dry_run": dry_run,
                    "error": exc.as_dict(),
                }
            )
        fail(exc)
    if as_json:
        emit_json(result.model_dump(mode="json"))
    _print_result(result, as_json)


def _waiting_once() -> Callable[[float], None]:
    told: list[float] = []

    def tell(elapsed: float) -> None:
        if not told:
            err.print(WAITING_PT)
        told.append(elapsed)

    return tell


def _waiting_stage(stage: Stage) -> None:
    if stage is Stage.WAITING_DEVICE:
        err.print(WAITING_PT)


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _print_result(result: actions.ReconfigureResult, as_json: bool) -> None:
    console = err if as_json else out
    for notice in result.notices:
        console.print(mark("[yellow]![/]"), notice)
    if result.changed:
        verb = "Mudaria" if result.dry_run else "Alterado"
        console.print(f"{verb}: {', '.join(result.changed)}")
    if result.verified and not result.error:
        console.print(mark("[bold green]✓[/]"), result.message_pt)
    elif result.message_pt and not result.error:
        console.print(result.message_pt)
    if result.rolled_back:
        console.print(mark("[yellow]↺[/]"), "As alterações não confirmadas foram desfeitas.")
