"""`create_app()`: the FastAPI application behind `cpe serve`.

Everything it needs is injectable (settings, service config, clock, backend) so tests
run it against a temporary CPE_HOME, the lab, and a fixed date.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from cpe import actions
from cpe.errors import CpeError, DeviceError, InventoryError
from cpe.service import api, api_agent, pages, staff
from cpe.service.agent import AgentDesk
from cpe.service.auth import ApiError, ServiceState
from cpe.service.backend import Backend, outcome
from cpe.service.config import ServiceConfig
from cpe.service.deadline import Clock, now_local
from cpe.service.limits import BodyLimit
from cpe.service.ratelimit import limiter_for
from cpe.service.store import UserStore
from cpe.settings import Settings, load_settings

log = logging.getLogger("cpe.service")

#: HTTP status per error kind (cpe.errors); device failures default to 502.
STATUS_BY_KIND = {
    "bad_input": 400,
    "unknown_login": 404,
    "refused": 409,
    "busy": 409,
    "unsupported": 422,
    "unavailable": 501,
    "vault": 500,
}
#: Kinds after which the page offers the N3 ticket.
NO_TICKET_KINDS = frozenset({"bad_input", "refused", "unknown_login"})

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def _status_for(exc: CpeError) -> int:
    if exc.kind in STATUS_BY_KIND:
        return STATUS_BY_KIND[exc.kind]
    if isinstance(exc, DeviceError | InventoryError):
        return 502
    return 500


def _error_body(kind: str, mensagem: str, proximo_passo: str | None) -> dict[str, Any]:
    return {"erro": {"tipo": kind, "mensagem": mensagem, "proximo_passo": proximo_passo}}


def create_app(
    settings: Settings | None = None,
    config: ServiceConfig | None = None,
    *,
    clock: Clock = now_local,
    backend: Backend | None = None,
) -> FastAPI:
    settings = settings or load_settings()
    config = config or ServiceConfig()
    app = FastAPI(
        title="cpe-toolkit: atendimento",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.service = ServiceState(
        store=UserStore(settings.journal_file),
        # With a broker, in Redis: every service process on every host shares them.
        limiter=limiter_for(settings, config.rate_burst, config.rate_per_s, "api"),
        login_limiter=limiter_for(settings, config.login_burst, config.login_per_s, "login"),
        config=config,
        login_ip_limiter=limiter_for(
            settings, config.login_ip_burst, config.login_ip_per_s, "login_ip"
        ),
    )
    app.state.backend = backend or Backend(settings, config, clock=clock)
    app.state.agent = AgentDesk(app.state.backend)
    app.include_router(api.router)
    app.include_router(api_agent.router)
    app.include_router(pages.router)
    staff.mount(app)  # technicians' and admins' screens and their API
    static_dir = resources.files("cpe.service") / "static"
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return JSONResponse(
            _error_body(exc.kind, exc.mensagem, exc.proximo_passo),
            status_code=exc.status,
            headers=exc.headers,
        )

    @app.exception_handler(CpeError)
    async def cpe_error(request: Request, exc: CpeError) -> Response:
        body = _error_body(exc.kind, exc.pt(), exc.next_step_pt)
        if isinstance(exc, actions.ReconfigureFailed):
            body |= outcome(exc.result)
            body |= {"ok": False, "texto": exc.pt(), "proximo_passo": exc.next_step_pt}
        body["oferecer_os"] = exc.kind not in NO_TICKET_KINDS
        return JSONResponse(body, status_code=_status_for(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        # 422: the body is JSON but not what the endpoint takes (e.g. "false" for a
        # boolean), so nothing was done. Never echo the input: it may be a key.
        fields = sorted(
            {".".join(str(p) for p in e.get("loc", ()) if p != "body") for e in exc.errors()}
        )
        return JSONResponse(
            _error_body(
                "bad_input",
                "Dados inválidos na requisição: " + ", ".join(f for f in fields if f),
                "Corrija os campos indicados e tente de novo.",
            ),
            status_code=422,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("erro inesperado em %s: %s", request.url.path, type(exc).__name__)
        return JSONResponse(
            _error_body(
                "error",
                "Erro interno do serviço.",
                "Tente de novo; se persistir, avise o técnico responsável.",
            ),
            status_code=500,
        )

    # Before routing, so before authentication; inside the headers middleware below.
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on
        # our own form posts, and the origin check could no longer tell them apart.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/static/"):
            # Pages and answers may hold a customer's data: keep them out of caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app
