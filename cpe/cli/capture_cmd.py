"""`cpe capture LOGIN --read-only`: record one device's status session as a fixture."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from cpe.cli.output import emit_json, err, fail, mark, out
from cpe.context import Context
from cpe.errors import CpeError, InputError
from cpe.models import Target, Transport

DEFAULT_OUT = Path("fixtures/captures")


def _target(
    ctx: Context, login: str, transport: str | None
) -> tuple[Target, list[tuple[str, str]]]:
    from cpe.actions import target_for

    sub = ctx.inventory.subscriber(login)
    chosen: Transport | None = None
    cli_port: int | None = None
    if transport:
        try:
            chosen = Transport(transport.lower())
        except ValueError:
            raise InputError(
                f"transporte {transport!r} desconhecido (use http, ssh ou telnet)",
                operation="capture",
            ) from None
        if chosen is Transport.SSH:
            cli_port = sub.cli_port or ctx.settings.ssh_port
        elif chosen is Transport.TELNET:
            cli_port = sub.cli_port or ctx.settings.telnet_port
    target = target_for(sub, chosen, cli_port)
    known = [(w.passphrase.get_secret_value(), "wifi_key") for w in sub.wifi if w.passphrase]
    if sub.pppoe_password is not None:
        known.append((sub.pppoe_password.get_secret_value(), "password"))
    return target, known


def _source(ctx: Context, target: Target) -> str:
    """"simulator" when the lab serves this address, else "device" (a real unit)."""
    from cpe.lab.control import running_info

    info = running_info(ctx.settings) or {}
    lab_hosts = {d.get("host") for d in info.get("devices", [])}
    return "simulator" if target.host in lab_hosts else "device"


def capture(
    login: Annotated[str, typer.Argument(help="Login PPPoE do cliente (como no IXC).")],
    read_only: Annotated[
        bool,
        typer.Option(
            "--read-only",
            help="Obrigatório: a captura só entra, lê o status e sai; escritas são bloqueadas.",
        ),
    ] = False,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Pasta raiz das capturas (<modelo>/<caso>/ dentro).")
    ] = DEFAULT_OUT,
    case: Annotated[
        str | None, typer.Option("--case", help="Nome do caso (padrão: transporte-data-hora).")
    ] = None,
    transport: Annotated[
        str | None, typer.Option("--transport", help="http, ssh ou telnet (padrão: o cadastro).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Um documento JSON no stdout.")] = False,
) -> None:
    """Grava a sessão de leitura de status de um equipamento, sem senhas, como fixture."""
    from cpe.capture import run
    from cpe.coord import Intent

    if not read_only:
        err.print(
            mark("[red]✗[/]"),
            "A captura só é feita em modo somente leitura: repita com --read-only.",
        )
        raise typer.Exit(2)
    ctx = Context()
    try:
        target, known = _target(ctx, login, transport)
        credential = ctx.vault.credential_for(target.model, device=login)
        source = _source(ctx, target)
        name = case or f"{target.transport}-{datetime.now(UTC):%Y%m%d-%H%M%S}"
        if not as_json:
            err.print(f"Gravando a leitura de status de {login} ({target.model})…")
        with ctx.locks.hold(target.address, Intent.READ, wait_s=ctx.settings.read_wait_s):
            result = run.record(
                target,
                credential,
                known_secrets=known,
                source=source,
                timeouts=ctx.timeouts,
                ledger=ctx.ledger,
            )
        folder = run.save(result, out_dir, name)
    except CpeError as exc:
        fail(exc)
    except FileExistsError as exc:
        err.print(mark("[red]✗[/]"), f"A pasta {exc} já existe: escolha outro --case.")
        raise typer.Exit(2) from None
    kinds = Counter(result.fixture.meta.scrubbed.values())
    summary = {
        "login": login,
        "model": target.model,
        "transport": str(target.transport),
        "source": source,
        "folder": str(folder),
        "exchanges": len(result.fixture.exchanges),
        "scrubbed": dict(sorted(kinds.items())),
        "verified": True,
    }
    if as_json:
        emit_json(summary)
        return
    trocados = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "nenhum"
    out.print(mark("[bold green]✓[/]"), f"Captura salva em {folder}")
    out.print(f"  • {summary['exchanges']} trocas gravadas; segredos trocados por marcadores: "
              f"{trocados}")
    out.print("  • Reprodução conferida: o status lido da gravação é igual ao do equipamento.")
    out.print("  • Revise a pasta antes de publicá-la (o usuário PPPoE e o IP WAN continuam lá).")


def register(app: typer.Typer) -> None:
    app.command("capture")(capture)
