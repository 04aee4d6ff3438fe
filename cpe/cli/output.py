"""Console output: JSON documents on stdout, Portuguese messages on stderr.

Text that came from a device or IXC (an SSID, a name, an error page) is data: the
consoles never read markup or emoji codes in what they print, so an SSID such as
`Casa[/]Nova` or `:fire:` prints as it is. Our own styling is built explicitly with
`mark()` from literal markup, never from data.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from cpe.errors import CpeError


def console(**kw: Any) -> Console:
    """A console that prints data as data (no markup, no emoji codes, no highlighting)."""
    return Console(highlight=False, soft_wrap=True, markup=False, emoji=False, **kw)


out = console()
err = console(stderr=True)


def mark(markup: str) -> Text:
    """Styled text from a literal of our own (never pass data here)."""
    return Text.from_markup(markup, emoji=False)


def styled(text: str, style: str) -> Text:
    """Data with a style: the text itself is never read as markup."""
    return Text(text, style=style)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def fail(exc: CpeError) -> NoReturn:
    err.print(mark("[bold red]✗[/]"), exc.pt())
    if exc.next_step_pt:
        err.print(f"  Próximo passo: {exc.next_step_pt}")
    raise typer.Exit(exc.exit_code)


def info(message: str) -> None:
    err.print(message)
