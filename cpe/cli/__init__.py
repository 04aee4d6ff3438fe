"""The `cpe` command."""

from __future__ import annotations

import logging
import os

import typer

from cpe.cli import (
    audit_cmd,
    capture_cmd,
    device_cmd,
    history_cmd,
    journal_cmd,
    lab_cmd,
    probe_cmd,
    scale_cmd,
    serve_cmd,
    vault_cmd,
)
from cpe.cli.demo import demo

app = typer.Typer(
    name="cpe",
    help="cpe-toolkit: roteadores e ONUs dos clientes Seja Fibra, sem ver senha de equipamento.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("status")(device_cmd.status)
app.command("reconfigure")(device_cmd.reconfigure)
app.command("demo")(demo)
app.command("probe")(probe_cmd.probe)
audit_cmd.register(app)  # audit (and audit report)
history_cmd.register(app)  # history
serve_cmd.register(app)  # serve, user
capture_cmd.register(app)  # capture
scale_cmd.register(app)  # worker, schedule (Celery; CPE_BROKER_URL)
app.add_typer(lab_cmd.app, name="lab")
app.add_typer(journal_cmd.app, name="journal")
app.add_typer(
    vault_cmd.app, name="vault", help="Cofre de senhas dos equipamentos (nunca mostra senhas)."
)


def main() -> None:
    level = os.environ.get("CPE_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(
        level=getattr(logging, level, logging.WARNING), format="%(levelname)s %(name)s: %(message)s"
    )
    app()
