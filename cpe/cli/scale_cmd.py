"""`cpe worker` and `cpe schedule`: the Celery side of the toolkit (CPE_BROKER_URL).

Mount with `register(app)`. A worker host has its own CPE_HOME with the vault and its
key and CPE_IXC_URL (docs/deploy.md); the coordinator host (the service's CPE_HOME,
where the journal is) runs `cpe schedule serve`, which is Celery beat plus the worker
that runs scheduled audits.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cpe.cli.output import emit_json, err, fail, mark, out, styled
from cpe.context import Context
from cpe.errors import CpeError, InputError
from cpe.settings import Settings, load_settings

schedule_app = typer.Typer(
    help="Auditorias agendadas (rodadas pelo Celery beat; precisam de CPE_BROKER_URL).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.add_typer(schedule_app, name="schedule")


def _broker_settings() -> Settings:
    settings = load_settings()
    if not settings.broker_url:
        fail(
            InputError(
                "defina CPE_BROKER_URL (ex.: redis://127.0.0.1:6379/0) para usar os workers",
                operation="celery",
            )
        )
    return settings


def _start(settings: Settings, argv: list[str]) -> None:
    from cpe.coord.redis_backend import display_url
    from cpe.scale.app import configured

    app = configured(settings)
    assert settings.broker_url
    err.print(f"Redis: {display_url(settings.broker_url)}; CPE_HOME: {settings.home}")
    app.worker_main(["--quiet", "worker", *argv])


# --- cpe worker ------------------------------------------------------------------------------


def worker(
    concurrency: Annotated[
        int,
        typer.Option("--concurrency", min=1, max=512, help="Equipamentos ao mesmo tempo."),
    ] = 16,
    name: Annotated[
        str | None, typer.Option("--name", help="Nome do worker (padrão: cpe@<máquina>).")
    ] = None,
    loglevel: Annotated[
        str, typer.Option("--loglevel", help="Nível de log do Celery.")
    ] = "warning",
) -> None:
    """Worker Celery: audita equipamentos e roda correções pedidas por outras máquinas."""
    settings = _broker_settings()
    try:
        # Fail now, clearly, rather than on every chunk: the vault opens and IXC is set.
        ctx = Context(settings=settings)
        _ = ctx.vault
        _ = ctx.inventory
    except CpeError as exc:
        fail(exc)
    from cpe.scale import worker as worker_mod
    from cpe.scale.app import AUDIT_QUEUE, FIX_QUEUE

    worker_mod.concurrency = concurrency
    # Celery's thread pool holds chunks; the devices run on `concurrency` threads shared
    # by them, so a couple of chunks per eight device threads keeps those threads busy.
    slots = max(2, concurrency // 8)
    _start(
        settings,
        [
            "--pool=threads",
            f"--concurrency={slots}",
            f"--queues={AUDIT_QUEUE},{FIX_QUEUE}",
            f"--loglevel={loglevel}",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            name or f"cpe@{socket.gethostname()}",
        ],
    )


# --- cpe schedule ----------------------------------------------------------------------------


@schedule_app.command("add")
def schedule_add(
    cron: Annotated[
        str | None,
        typer.Option("--cron", help="Expressão cron de 5 campos, ex.: '0 2 * * *' (02:00)."),
    ] = None,
    every: Annotated[
        str | None, typer.Option("--every", help="Ou um intervalo: 30m, 6h, 1d.")
    ] = None,
    model: Annotated[str | None, typer.Option("--model", help="Só este modelo.")] = None,
    login: Annotated[str | None, typer.Option("--login", help="Padrão de logins.")] = None,
    contract_status: Annotated[
        str | None, typer.Option("--contract-status", help="Situação do contrato.")
    ] = None,
    logins_file: Annotated[
        Path | None, typer.Option("--logins-file", help="Arquivo com um login por linha.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json, csv ou html.")] = "html",
    folder: Annotated[
        Path, typer.Option("--folder", help="Pasta onde cada relatório é gravado.")
    ] = Path("relatorios"),
) -> None:
    """Agenda uma auditoria recorrente."""
    from cpe.scale.schedule import ScheduleStore, checked_spec

    try:
        checked = checked_spec(
            cron=cron,
            every=every,
            model=model,
            login=login,
            contract_status=contract_status,
            logins_file=logins_file,
            fmt=fmt,
            folder=folder,
        )
        ctx = Context()
        spec = ScheduleStore(ctx.settings).add(checked, ctx.who)
    except CpeError as exc:
        fail(exc)
    err.print(mark("[green]✓[/]"), f"Agenda {spec.id}: {spec.when_pt} → {spec.folder}")
    if not ctx.settings.broker_url:
        err.print(
            mark("[yellow]Aviso:[/]"), "sem CPE_BROKER_URL a agenda não roda (cpe schedule serve)."
        )
    out.print(spec.id, markup=False, highlight=False)


@schedule_app.command("list")
def schedule_list(
    as_json: Annotated[bool, typer.Option("--json", help="Um documento JSON no stdout.")] = False,
) -> None:
    """Lista as auditorias agendadas e a última execução de cada uma."""
    from cpe.scale.schedule import ScheduleStore, spec_json

    store = ScheduleStore(load_settings())
    items = [spec_json(s, store) for s in store.active()]
    if as_json:
        emit_json({"schedules": items})
        return
    if not items:
        out.print("Nenhuma auditoria agendada.")
        return
    table = Table(title="Auditorias agendadas")
    for col in ("Id", "Quando", "Filtros", "Relatório", "Última execução"):
        table.add_column(col, overflow="fold")
    for it in items:
        when = f"cron {it['cron']}" if it["cron"] else f"a cada {it['every_s']:g} s"
        filters = ", ".join(
            f"{k}={it[k]}" for k in ("model", "login", "contract_status", "logins_file") if it[k]
        )
        last = it["last_run"]
        last_text = f"{last['run_id']} ({last['state']})" if last else "—"
        table.add_row(
            *[
                styled(c)
                for c in (
                    it["id"],
                    when,
                    filters or "toda a frota",
                    f"{it['format']} em {it['folder']}",
                    last_text,
                )
            ]
        )
    out.print(table)


@schedule_app.command("remove")
def schedule_remove(
    schedule_id: Annotated[str, typer.Argument(help="Id da agenda (cpe schedule list).")],
) -> None:
    """Remove uma auditoria agendada (as execuções passadas ficam no diário)."""
    from cpe.scale.schedule import ScheduleStore

    ctx = Context()
    try:
        ScheduleStore(ctx.settings).remove(schedule_id, ctx.who)
    except CpeError as exc:
        fail(exc)
    err.print(mark("[green]✓[/]"), f"Agenda {schedule_id} removida.")


@schedule_app.command("serve")
def schedule_serve(
    loglevel: Annotated[
        str, typer.Option("--loglevel", help="Nível de log do Celery.")
    ] = "warning",
) -> None:
    """Coordenador: Celery beat e o worker que roda as auditorias agendadas (use no
    CPE_HOME do serviço, onde fica o diário)."""
    from cpe.scale.app import COORD_QUEUE

    settings = _broker_settings()
    schedule_file = settings.home / "celerybeat"
    _start(
        settings,
        [
            "--pool=threads",
            "--concurrency=2",
            f"--queues={COORD_QUEUE}",
            f"--loglevel={loglevel}",
            "--without-gossip",
            "--without-mingle",
            "--beat",
            "--scheduler=cpe.scale.beat:StoreScheduler",
            f"--schedule-filename={schedule_file}",
            "--hostname",
            f"cpe-coord@{socket.gethostname()}",
        ],
    )
