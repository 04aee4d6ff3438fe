"""`cpe audit` and `cpe history`: the technician's batch audit and one device's timeline.

Mount with `register(app)`. Exit codes: 0 the audit ran to the end (whatever it found);
1 IXC failed mid-run, or a `--fix` could not fix some device; 2 bad input; 128+signal
when interrupted (SIGINT 130, SIGTERM 143), after recording it: `--resume RUN_ID`
continues where it stopped.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import IO, Annotated, Any

import typer
from rich.table import Table

from cpe import audit as audit_mod
from cpe.audit_fix import FAILED, fix_run
from cpe.audit_html import write_html
from cpe.audit_report import FIX_PT, FORMATS, write_csv, write_json
from cpe.audit_words import provider_tz
from cpe.cli.audit_view import PlainProgress, RichProgress, print_table
from cpe.cli.output import console, emit_json, err, fail, mark, out, styled
from cpe.context import Context
from cpe.errors import CpeError, InputError
from drivers.registry import MODEL_KEYS


def register(app: typer.Typer) -> None:
    from cpe.cli import audit_report_cmd

    # A group, so `cpe audit report RUN_ID` sits beside `cpe audit [options]`.
    audit_app = typer.Typer(invoke_without_command=True, no_args_is_help=False)
    audit_app.callback()(audit)
    audit_report_cmd.register(audit_app)
    app.add_typer(audit_app, name="audit")
    app.command("history")(history)


# --- signals ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _graceful(runner: audit_mod.AuditRunner) -> Iterator[dict[str, int]]:
    """First SIGINT/SIGTERM: stop feeding, let in-flight devices finish (they log out).
    Second: stop waiting."""
    got: dict[str, int] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        if runner.stop.is_set():
            runner.abort.set()
            return
        got["signal"] = signum
        runner.stop_reason = signal.Signals(signum).name
        runner.stop.set()
        err.print(
            mark("\n[yellow]Interrompendo:[/]"),
            "aguardando os equipamentos em andamento "
            "(de novo para sair já)…"
        )

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield got
    finally:
        for s, h in old.items():
            signal.signal(s, h)


# --- audit -------------------------------------------------------------------------------------


def audit(
    typer_ctx: typer.Context,
    model: Annotated[
        str | None, typer.Option("--model", help="Só este modelo (chave do registro).")
    ] = None,
    login: Annotated[
        str | None, typer.Option("--login", help="Logins que casam com o padrão (ex.: 'maria.*').")
    ] = None,
    contract_status: Annotated[
        str | None,
        typer.Option(
            "--contract-status",
            help="Situação do contrato: A, CM, CA, FA, D, AA ou blocked, late, reduced "
            "(várias separadas por vírgula).",
        ),
    ] = None,
    logins_file: Annotated[
        Path | None,
        typer.Option("--logins-file", help="Arquivo com um login PPPoE por linha."),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency", min=1, max=512, help="Equipamentos ao mesmo tempo (padrão: 32)."
        ),
    ] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            "--processes",
            min=1,
            max=64,
            help="Processos de trabalho entre os quais a concorrência é dividida "
            "(padrão: 2, ou 1 numa máquina de um núcleo).",
        ),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="Relatório: table, json, csv ou html.")
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", help="Gravar o relatório neste arquivo.")
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option("--resume", help="Continuar uma auditoria interrompida (id da execução)."),
    ] = None,
    fix: Annotated[
        bool,
        typer.Option("--fix", help="Corrigir os divergentes (exceto contratos bloqueados)."),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Com --fix: só mostrar o que seria corrigido.")
    ] = False,
    device_timeout: Annotated[
        float,
        typer.Option("--device-timeout", min=1.0, help="Tempo total máximo por equipamento (s)."),
    ] = 60.0,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Mostrar o andamento no stderr.")
    ] = True,
    compare: Annotated[
        tuple[str, str] | None,
        typer.Option(
            "--compare",
            help="Comparar duas auditorias concluídas (RUN_A RUN_B), sem contatar equipamentos.",
        ),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="local (nesta máquina) ou celery (nos `cpe worker`, via CPE_BROKER_URL); "
            "padrão: celery quando CPE_BROKER_URL está definida.",
        ),
    ] = "auto",
    chunk_size: Annotated[
        int,
        typer.Option("--chunk-size", min=1, max=1024, help="Com celery: equipamentos por tarefa."),
    ] = 64,
) -> None:
    """Audita a frota (ou um filtro dela) contra o IXC e gera o relatório.

    `cpe audit report RUN_ID` gera de novo o relatório de uma auditoria concluída.
    """
    if typer_ctx.invoked_subcommand is not None:
        return
    if compare is not None:
        from cpe.cli.audit_report_cmd import compare as compare_runs

        compare_runs(compare[0], compare[1], fmt)
        return
    try:
        if fmt not in FORMATS:
            raise InputError(f"formato {fmt!r} desconhecido (use {', '.join(FORMATS)})")
        if dry_run and not fix:
            raise InputError("--dry-run só vale junto com --fix")
        if model is not None and model not in MODEL_KEYS:
            raise InputError(f"modelo {model!r} desconhecido (use {', '.join(MODEL_KEYS)})")
        if resume and (model or login or contract_status or logins_file):
            raise InputError("com --resume os filtros são os da execução original; não os repita")
        if output is not None:
            _check_output(output)
        selection = (
            None
            if resume
            else audit_mod.Selection.build(
                model=model,
                login_glob=login,
                contract_status=contract_status,
                logins_file=logins_file,
            )
        )
        ctx = Context()
        engine = _engine(ctx, engine, processes)
        opts = audit_mod.AuditSettings(
            concurrency=concurrency or ctx.settings.audit_concurrency,
            device_timeout_s=device_timeout,
            processes=processes or ctx.settings.audit_processes,
            engine=engine,
            chunk_size=chunk_size,
        )
    except CpeError as exc:
        fail(exc)
    view: RichProgress | PlainProgress | None = None
    if progress:
        view = RichProgress(err) if err.is_terminal else PlainProgress(err)
    runner = audit_mod.AuditRunner(ctx, opts, view)
    code = 0
    try:
        with _graceful(runner) as got:
            if resume:
                sel = runner.selection_of(resume)
                if ctx.journal.run_state(resume) == "finished":
                    err.print(f"A auditoria {resume} já terminou: gerando o relatório.")
                    run_id = resume
                    outcome = None
                else:
                    outcome = runner.run(resume, sel, resumed=True)
                    run_id = outcome.run_id
            else:
                assert selection is not None
                run_id = runner.start(selection)
                outcome = runner.run(run_id, selection)
            interrupted = outcome is not None and not outcome.complete
            if not interrupted and fix:
                fixed = fix_run(
                    ctx,
                    run_id,
                    dry_run=dry_run,
                    observer=view,
                    stop=runner.stop,
                    abort=runner.abort,
                    engine=engine,
                )
                interrupted = fixed.interrupted and runner.stop.is_set()
                if fixed.counts.get(FAILED):
                    code = 1
        if view is not None:
            view.close()
    except CpeError as exc:
        if view is not None:
            view.close()
        fail(exc)
    if interrupted:
        sig = got.get("signal")
        if outcome is not None and outcome.reason and sig is None:
            err.print(mark("[red]✗[/]"), f"Auditoria {run_id} interrompida: {outcome.reason}")
        else:
            err.print(styled(f"Auditoria {run_id} interrompida.", "yellow"))
        err.print(f"Para continuar: cpe audit --resume {run_id}")
        # Scripts read the run id from stdout.
        sys.stdout.write(f"{run_id}\n")
        sys.stdout.flush()
        raise typer.Exit(128 + sig if sig else 1)
    _render(ctx, run_id, fmt, output)
    err.print(f"Execução: {run_id}")
    from cpe.cli.audit_report_cmd import print_summary

    print_summary(ctx, run_id)
    if fix:
        _print_fix_summary(ctx, run_id, dry_run)
    raise typer.Exit(code)


def _engine(ctx: Context, engine: str, processes: int | None) -> str:
    if engine == "auto":
        engine = "celery" if ctx.settings.broker_url else "local"
    if engine not in ("local", "celery"):
        raise InputError(f"motor {engine!r} desconhecido (use local ou celery)")
    if engine == "celery":
        if not ctx.settings.broker_url:
            raise InputError(
                "--engine celery precisa de CPE_BROKER_URL (ex.: redis://127.0.0.1:6379/0)"
            )
        if processes is not None:
            raise InputError("--processes vale só para o motor local; com celery, use mais workers")
        from cpe.scale.app import workers_alive

        if not workers_alive(ctx.settings):
            err.print(
                mark("[yellow]Aviso:[/]"),
                "nenhum `cpe worker` respondeu; as tarefas ficam na fila "
                "até um worker ligar (Ctrl-C para parar e retomar depois)."
            )
    return engine


def _render(ctx: Context, run_id: str, fmt: str, output: Path | None) -> None:
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


def _check_output(path: Path) -> None:
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


def _print_fix_summary(ctx: Context, run_id: str, dry_run: bool) -> None:
    counts = ctx.journal.fix_counts(run_id, dry_run=dry_run)
    label = "Simulação de correção" if dry_run else "Correção"
    text = ", ".join(f"{FIX_PT.get(k, k)}: {v}" for k, v in sorted(counts.items())) or "nada"
    err.print(f"{label}: {text}")


# --- history -----------------------------------------------------------------------------------


def history(
    login: Annotated[str, typer.Argument(help="Login PPPoE do cliente.")],
    as_json: Annotated[bool, typer.Option("--json", help="Um documento JSON no stdout.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 50,
) -> None:
    """Linha do tempo de um equipamento: ações e resultados de auditoria."""
    ctx = Context()
    try:
        events = ctx.journal.history(login, limit=limit)
    except CpeError as exc:
        fail(exc)
    if as_json:
        emit_json({"login": login, "events": events})
        return
    if not events:
        out.print(f"Nada registrado no diário para {login}.")
        return
    table = Table(title=f"Histórico de {login}")
    for col in ("Quando (UTC)", "Tipo", "O quê", "Resultado", "Detalhe"):
        table.add_column(col, overflow="fold")
    for ev in events:
        table.add_row(*_history_cells(ev))
    out.print(table)


def _history_cells(ev: dict[str, Any]) -> tuple[str, str, str, str, str]:
    at = str(ev.get("at", "")).replace("T", " ").replace("+00:00", "")
    if ev.get("kind") == "audit":
        return (
            at,
            "auditoria",
            f"execução {ev.get('run_id')}",
            str(ev.get("verdict")),
            ", ".join(ev.get("drifts") or []),
        )
    changed = ", ".join(ev.get("changed") or [])
    planned = ev.get("planned")
    if planned and ev.get("outcome") in ("interrupted", "in_progress"):
        # An interrupted action: what was planned and, apart, what was written.
        changed = f"planejado: {', '.join(planned)}; gravado: {changed or 'nada'}"
    detail = " — ".join(p for p in (changed, ev.get("message") or "") if p)
    who = str(ev.get("operator"))
    origin = ev.get("origin")
    if origin and origin != who:
        who += f" ({origin})"
    return (at, "ação", f"{ev.get('action')} por {who}", str(ev.get("outcome")), detail)
