"""/api/tec: what the technicians' screens read and do (role tecnico and above).

Audits are started with the existing `POST /api/audits` (cpe.service.api), so however
`Backend.start_audit` runs them, these routes follow them through the journal.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, StrictBool, StrictInt

from cpe.audit_html import write_html
from cpe.audit_words import provider_tz
from cpe.service.auth import Principal, tecnico
from cpe.service.tech import TechDesk
from drivers.registry import MODEL_KEYS

router = APIRouter(prefix="/api/tec")

Tecnico = Annotated[Principal, Depends(tecnico)]
RunId = Annotated[str, PathParam(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Login = Annotated[str, PathParam(min_length=1, max_length=128, pattern=r"^[^/\s]+$")]
#: The report inside the page's frame: its own inline script and style, nothing fetched,
#: framed only by this site (the frame is sandboxed: no cookies, no access to the page).
EMBED_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
#: Where the scheduled audits live (cpe.service.api_schedules); the page shows its
#: "Agendamentos" section only when the application has this route.
SCHEDULES_PATH = "/api/schedules"


def desk(request: Request) -> TechDesk:
    d: TechDesk = request.app.state.tech
    return d


class FixBody(BaseModel):
    #: true: simulate only (nothing written). Strict: "false" is a 400, not a write.
    simulacao: StrictBool
    #: For a real fix: how many customers lose their connection (the page's confirmation).
    perdem_conexao: StrictInt | None = None


def route_paths(routes: Iterable[Any]) -> set[str]:
    """Every path the application routes, through included routers (FastAPI ≥ 0.16x keeps
    an included router as one entry holding the original router)."""
    paths: set[str] = set()
    for r in routes:
        if isinstance(getattr(r, "path", None), str):
            paths.add(r.path)
        inner = getattr(r, "original_router", None)
        if inner is not None:
            paths |= route_paths(inner.routes)
    return paths


@router.get("/capacidades")
def capabilities(p: Tecnico, request: Request) -> dict[str, Any]:
    paths = route_paths(request.app.routes)
    return {
        "modelos": list(MODEL_KEYS),
        "fuso": request.app.state.backend.settings.timezone,
        "agendamentos": SCHEDULES_PATH in paths,
        #: Scheduled audits (and audits on workers) need CPE_BROKER_URL (docs/deploy.md).
        "broker": bool(request.app.state.backend.settings.broker_url),
        "perfil": p.user.role.value,
    }


@router.get("/execucoes")
def runs(
    p: Tecnico, request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 30
) -> dict[str, Any]:
    return {"execucoes": desk(request).runs(limit)}


@router.get("/execucoes/{run_id}")
def run(p: Tecnico, request: Request, run_id: RunId) -> dict[str, Any]:
    return desk(request).run(run_id)


@router.get("/execucoes/{run_id}/relatorio.html")
def embedded_report(p: Tecnico, request: Request, run_id: RunId) -> Response:
    d = desk(request)
    d.require_run(run_id)  # 404 for an unknown run
    buf = io.StringIO()
    write_html(d.journal, run_id, buf, tz=provider_tz(d.backend.settings.timezone))
    return Response(
        buf.getvalue(),
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": EMBED_CSP, "X-Frame-Options": "SAMEORIGIN"},
    )


@router.get("/comparar")
def compare(
    p: Tecnico,
    request: Request,
    a: Annotated[str, Query(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")],
    b: Annotated[str, Query(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")],
) -> dict[str, Any]:
    return desk(request).compare(a, b)


@router.get("/equipamentos/{login}")
def device(
    p: Tecnico, request: Request, login: Login, limit: Annotated[int, Query(ge=1, le=200)] = 60
) -> dict[str, Any]:
    return desk(request).device(login, limit)


@router.get("/execucoes/{run_id}/correcao")
def fix_plan(p: Tecnico, request: Request, run_id: RunId) -> dict[str, Any]:
    return desk(request).fix_plan(run_id)


@router.post("/execucoes/{run_id}/correcao", status_code=202)
def start_fix(p: Tecnico, request: Request, run_id: RunId, body: FixBody) -> dict[str, Any]:
    return desk(request).start_fix(
        p.user.name, run_id, dry_run=body.simulacao, confirm_losing=body.perdem_conexao
    )
