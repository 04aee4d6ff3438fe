"""/api/schedules: the scheduled audits (`cpe schedule add|list|remove`) on the
technicians' screen (role tecnico and above).

The schedules are the coordinator's (cpe.scale.schedule: its journal, the service's
CPE_HOME); `cpe schedule serve` (Celery beat) runs them, so they need the Celery/Redis
deployment (`CPE_BROKER_URL`, docs/deploy.md). Without a broker the list is empty and
adding is refused (409) with that reason. Every change records the technician.

A schedule's report folder is a sub-folder of the service's reports folder
(`CPE_SCHEDULE_REPORTS_DIR`, default `CPE_HOME/relatorios`): a technician names where
under it, never a path elsewhere on the server; the filters are the audit page's
(model, logins pattern, contract status), checked like the CLI's (`checked_spec`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field, field_validator

from cpe.errors import InputError
from cpe.scale.schedule import ScheduleStore, checked_spec, spec_json
from cpe.service.api_tech import SCHEDULES_PATH
from cpe.service.auth import ApiError, Principal, service_state, tecnico
from cpe.settings import Settings

router = APIRouter(prefix=SCHEDULES_PATH)

Tecnico = Annotated[Principal, Depends(tecnico)]
ScheduleId = Annotated[str, PathParam(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]

NO_BROKER_PT = (
    "Auditorias agendadas precisam da instalação com Celery e Redis (CPE_BROKER_URL "
    "definida e `cpe schedule serve` rodando; veja docs/deploy.md). Este serviço roda "
    "sem broker."
)
NO_BROKER_NEXT_PT = (
    "Peça ao administrador para configurar o Redis e o `cpe schedule serve` "
    "(docs/deploy.md), ou rode auditorias manualmente."
)
#: A sub-folder of the reports folder: plain names separated by "/" (no "." or "..").
FOLDER_PATTERN = r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$"


class ScheduleBody(BaseModel):
    """One of `cron` (5 fields) or `every` (30m, 6h, 1d); the audit's filters; the
    report. Strict: unknown fields and non-strings are refused (422)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    cron: str | None = Field(default=None, max_length=100)
    every: str | None = Field(default=None, max_length=20)
    model: str | None = Field(default=None, max_length=64)
    login: str | None = Field(default=None, max_length=128)
    contract_status: str | None = Field(default=None, max_length=64)
    format: Literal["table", "json", "csv", "html"] = "html"
    #: Under the reports folder; absent: the reports folder itself.
    folder: str | None = Field(default=None, max_length=200, pattern=FOLDER_PATTERN)

    @field_validator("folder")
    @classmethod
    def _inside(cls, value: str | None) -> str | None:
        if value is not None and any(part in (".", "..") for part in value.split("/")):
            raise ValueError("a pasta fica dentro da pasta de relatórios")
        return value


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.backend.settings
    return settings


def reports_root(request: Request) -> Path:
    configured: Path | None = service_state(request).config.schedule_reports_dir
    return configured or _settings(request).home / "relatorios"


def _store(request: Request) -> ScheduleStore:
    return ScheduleStore(_settings(request))


def _item(spec: Any, store: ScheduleStore) -> dict[str, Any]:
    return {**spec_json(spec, store), "quando_pt": spec.when_pt}


@router.get("")
def list_schedules(p: Tecnico, request: Request) -> dict[str, Any]:
    if not _settings(request).broker_url:
        return {"agendamentos": [], "broker": False, "aviso": NO_BROKER_PT}
    store = _store(request)
    return {"agendamentos": [_item(s, store) for s in store.active()], "broker": True}


@router.post("", status_code=201)
def add_schedule(p: Tecnico, request: Request, body: ScheduleBody) -> dict[str, Any]:
    if not _settings(request).broker_url:
        raise ApiError(409, "no_broker", NO_BROKER_PT, NO_BROKER_NEXT_PT)
    if (body.cron is None) == (body.every is None):
        raise ApiError(
            422,
            "bad_input",
            "Informe a expressão cron ou o intervalo (um dos dois).",
            "Ex.: cron '0 2 * * *' (todo dia às 02:00) ou intervalo 6h.",
        )
    root = reports_root(request).resolve()
    folder = (root / body.folder).resolve() if body.folder else root
    if not folder.is_relative_to(root):  # a link inside the reports folder pointing out
        raise ApiError(422, "bad_input", "A pasta fica dentro da pasta de relatórios.")
    try:
        checked = checked_spec(
            cron=body.cron,
            every=body.every,
            model=body.model or None,
            login=body.login or None,
            contract_status=body.contract_status or None,
            fmt=body.format,
            folder=folder,
        )
    except InputError as exc:
        raise ApiError(
            422, "bad_input", exc.pt(), "Corrija o agendamento e tente de novo."
        ) from None
    store = _store(request)
    spec = store.add(checked, p.user.name)
    service_state(request).store.event(p.user.name, "schedule_added", spec.id)
    return _item(spec, store)


@router.delete("/{schedule_id}")
def remove_schedule(p: Tecnico, request: Request, schedule_id: ScheduleId) -> dict[str, Any]:
    store = _store(request)
    if store.get(schedule_id) is None:
        raise ApiError(404, "not_found", f"O agendamento {schedule_id} não existe.")
    store.remove(schedule_id, p.user.name)
    service_state(request).store.event(p.user.name, "schedule_removed", schedule_id)
    return {"removido": schedule_id}
