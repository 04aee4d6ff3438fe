"""`cpe audit`: the technician's batch audit (filters, engine, progress, --resume, --fix).

Mount with `register(app)`. Exit codes: 0 the audit ran to the end (whatever it found);
1 IXC failed mid-run, or a `--fix` could not fix some device; 2 bad input; 128+signal
when interrupted (SIGINT 130, SIGTERM 143), after recording it: `--resume RUN_ID`
continues where it stopped. Where the report goes: cpe.cli.audit_output.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from cpe import audit as audit_mod
from cpe.audit_fix import FAILED, fix_run
from cpe.audit_report import FIX_PT, FORMATS
from cpe.cli.audit_output import check_output, render_report
from cpe.cli.audit_view import PlainProgress, RichProgress
from cpe.cli.output import err, fail, mark, styled
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
            check_output(output)
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
    render_report(ctx, run_id, fmt, output)
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


def _print_fix_summary(ctx: Context, run_id: str, dry_run: bool) -> None:
    counts = ctx.journal.fix_counts(run_id, dry_run=dry_run)
    label = "Simulação de correção" if dry_run else "Correção"
    text = ", ".join(f"{FIX_PT.get(k, k)}: {v}" for k, v in sorted(counts.items())) or "nada"
    err.print(f"{label}: {text}")
