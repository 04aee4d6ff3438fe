"""Where an audit report goes: the terminal (a table), stdout, or a file in any of the
formats; the file is checked before the run starts (a report that cannot be written
must not cost a run), written under a temporary name and renamed, owner-only (it names
customers and their Wi-Fi networks). Shared by `cpe audit` and `cpe audit report`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from cpe.audit_html import write_html
from cpe.audit_report import write_csv, write_json
from cpe.audit_words import provider_tz
from cpe.cli.audit_view import print_table
from cpe.cli.output import console, err, mark, out
from cpe.context import Context
from cpe.errors import InputError


def render_report(ctx: Context, run_id: str, fmt: str, output: Path | None) -> None:
    journal = ctx.journal
    if fmt == "table":
        if output is None:
            print_table(out, journal, run_id)
            return
        with _open(output) as fh:
            print_table(console(file=fh, width=200, color_system=None), journal, run_id)
    else:
        writer = {"json": write_json, "csv": write_csv, "html": write_html}[fmt]
        # Times in the provider's zone (JSON keeps ISO UTC and ignores it).
        tz = {} if fmt == "json" else {"tz": provider_tz(ctx.settings.timezone)}
        if output is None:
            writer(journal, run_id, sys.stdout, **tz)
            sys.stdout.flush()
        else:
            with _open(output) as fh:
                writer(journal, run_id, fh, **tz)
    if output is not None:
        err.print(mark("[green]✓[/]"), f"Relatório gravado em {output}")


def check_output(path: Path) -> None:
    """Before the audit starts: a report that cannot be written must not cost a run."""
    if path.is_dir():
        raise InputError(f"--output {path} é uma pasta; indique um arquivo", operation="audit")
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"--output: a pasta {folder} não existe", operation="audit")
    probe = path.with_name(f".{path.name}.tmp")
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # a previous run's leftover: writable enough, replaced at the end
    except OSError as exc:
        raise InputError(
            f"--output: não é possível gravar em {folder} ({exc.strerror})", operation="audit"
        ) from None
    else:
        probe.unlink()


@contextlib.contextmanager
def _open(path: Path) -> Iterator[IO[str]]:
    """Write to a temporary name and rename: a half-written report never looks done. The
    report is owner-only (it names customers and their Wi-Fi networks)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        os.fchmod(fd, 0o600)  # a leftover temp file keeps its old mode otherwise
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        tmp.replace(path)
    except OSError as exc:
        raise InputError(
            f"não foi possível gravar {path}: {exc.strerror}", operation="audit"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
