"""`cpe demo`: the main job on a temporary lab, start to finish, then clean up."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import SecretStr
from rich.rule import Rule

from cpe import actions
from cpe.cli.output import err, mark, out, styled
from cpe.context import Context
from cpe.errors import CpeError
from cpe.lab import control
from cpe.settings import load_settings


def _pick(devices: list[dict[str, Any]], plant: str) -> dict[str, Any] | None:
    return next((d for d in devices if plant in d["planted"]), None)


def demo(
    size: Annotated[int, typer.Option("--size", min=8, max=64)] = 16,
    keep: Annotated[
        bool, typer.Option("--keep", help="Não derrubar o laboratório no fim.")
    ] = False,
) -> None:
    """Demonstração completa num laboratório temporário (frota + IXC simulados)."""
    started = time.monotonic()
    home = Path(tempfile.mkdtemp(prefix="cpe-demo-"))
    old_home = os.environ.get("CPE_HOME")
    os.environ["CPE_HOME"] = str(home)
    try:
        _run(size, home)
    finally:
        if not keep:
            control.down(load_settings())
            shutil.rmtree(home, ignore_errors=True)
            if old_home is None:
                os.environ.pop("CPE_HOME", None)
            else:
                os.environ["CPE_HOME"] = old_home
            out.print(Rule("Laboratório encerrado e removido"))
        else:
            out.print(f"Laboratório mantido: export CPE_HOME={home}")
        out.print(f"Demonstração concluída em {time.monotonic() - started:.1f} s.")


def _run(size: int, home: Path) -> None:
    out.print(Rule("1. Subindo o laboratório (frota simulada + IXC simulado, porta 2389)"))
    # A planted admin password (tests' canary) reaches the lab only through the environment.
    planted = os.environ.get("CPE_LAB_ADMIN_PASSWORD")
    info = control.up(
        load_settings(),
        size=size,
        wan_restart_s=1.5,
        admin_password=SecretStr(planted) if planted else None,
    )
    devices: list[dict[str, Any]] = info["devices"]
    models = sorted({d["model"] for d in devices})
    out.print(f"{len(devices)} equipamentos em 127.0.x.y:2389 — modelos: {', '.join(models)}")
    ctx = Context(settings=load_settings(), operator="demo")

    out.print(Rule("2. Estado de alguns clientes (como o N1 vê)"))
    shown: set[str] = set()
    for d in devices:
        if d["model"] in shown or "unreachable" in d["planted"]:
            continue
        shown.add(d["model"])
        _show_status(ctx, d["login"])
    unreachable = _pick(devices, "unreachable")
    if unreachable:
        _show_status(ctx, unreachable["login"])

    out.print(Rule("3. Corrigindo um equipamento com divergência (reaplicar PPPoE/DNS/Wi-Fi)"))
    for plant in ("pppoe", "dns"):
        target = _pick(
            [
                d
                for d in devices
                if "blocked" not in d["planted"] and "unreachable" not in d["planted"]
            ],
            plant,
        )
        if target:
            _reconfigure(ctx, target["login"], dry_run=True)
            _reconfigure(ctx, target["login"])

    out.print(Rule("4. Contrato bloqueado: a política recusa"))
    blocked = _pick(devices, "blocked")
    if blocked:
        _reconfigure(ctx, blocked["login"])

    out.print(Rule("5. Contadores do laboratório"))
    counters = control.status(load_settings())["counters"]
    out.print(
        f"logins com falha: {counters.get('failed_logins')}, bloqueios causados: "
        f"{counters.get('lockouts_caused')}, sessões abertas: {counters.get('open_sessions')}"
    )


def _show_status(ctx: Context, login: str) -> None:
    try:
        report = actions.status(ctx, login)
    except CpeError as exc:
        out.print(styled(login, "bold") + ": ", styled(exc.pt(), "red"))
        return
    out.print(styled(login, "bold"), f"— {report.model}")
    for line in report.summary_pt:
        out.print(f"   • {line}")


def _reconfigure(ctx: Context, login: str, dry_run: bool = False) -> None:
    label = "simulação" if dry_run else "aplicando"
    err.print(styled(login, "bold"), f"({label})…")
    try:
        result = actions.reconfigure(ctx, login, dry_run=dry_run)
    except actions.ReconfigureFailed as exc:
        out.print(mark("   [red]✗[/]"), f"{exc.pt()} Próximo passo: {exc.next_step_pt}")
        return
    except CpeError as exc:
        out.print(mark("   [yellow]⛔[/]"), exc.pt())
        return
    for notice in result.notices:
        out.print(mark("   [yellow]![/]"), notice)
    verb = "mudaria" if dry_run else "alterado"
    out.print(f"   {verb}: {', '.join(result.changed) or 'nada'} — {result.message_pt}")
