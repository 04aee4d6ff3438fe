"""Console output: JSON documents on stdout, Portuguese messages on stderr.

Text that came from a device or IXC (an SSID, a name, an error page) is data: the
consoles never read markup or emoji codes in what they print, so an SSID such as
`Casa[/]Nova` or `:fire:` prints as it is, and control characters (an escape sequence
would drive the agent's terminal) and bidirectional overrides are shown as visible
escapes. Our own styling is built explicitly with `mark()` from literal markup, never
from data; data that needs a style goes through `styled()`.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from cpe.errors import CpeError

#: C0/C1 controls (but newline and tab), DEL, and the bidirectional overrides.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """`text` with every control character shown as an escape (\\x1b), never sent."""
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                       else f"\\u{ord(m.group()):04x}", text)


class DataConsole(Console):
    """Every string it renders is cleaned (render_str is where print, tables and titles
    turn strings into text)."""

    def render_str(self, text: str, **kw: Any) -> Text:
        return super().render_str(clean(text), **kw)


def console(**kw: Any) -> Console:
    """A console that prints data as data (no markup, no emoji codes, no highlighting,
    no control characters)."""
    return DataConsole(highlight=False, soft_wrap=True, markup=False, emoji=False, **kw)


out = console()
err = console(stderr=True)


def mark(markup: str) -> Text:
    """Styled text from a literal of our own (never pass data here)."""
    return Text.from_markup(markup, emoji=False)


def styled(text: str, style: str = "") -> Text:
    """Data with a style: the text itself is never read as markup, and is cleaned."""
    return Text(clean(text), style=style)


#: What JSON leaves raw with ensure_ascii=False but a terminal may act on (C1 controls,
#: DEL, bidirectional overrides): written as \\u escapes, the same JSON value.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def emit_json(data: Any) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    text = _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def fail(exc: CpeError) -> NoReturn:
    err.print(mark("[bold red]✗[/]"), exc.pt())
    if exc.next_step_pt:
        err.print(f"  Próximo passo: {exc.next_step_pt}")
    raise typer.Exit(exc.exit_code)


def info(message: str) -> None:
    err.print(message)
