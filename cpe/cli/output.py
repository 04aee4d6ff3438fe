"""Console output: JSON documents on stdout, Portuguese messages on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console

from cpe.errors import CpeError

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def fail(exc: CpeError) -> NoReturn:
    err.print(f"[bold red]✗[/] {exc.pt()}")
    if exc.next_step_pt:
        err.print(f"  Próximo passo: {exc.next_step_pt}")
    raise typer.Exit(exc.exit_code)


def info(message: str) -> None:
    err.print(message)
