"""Who is calling: an API token (Authorization: Bearer) or the page's session cookie.

Cookie-authenticated writes must carry the session's CSRF token in X-CSRF-Token (and,
when the browser sends an Origin, come from this same origin); token-authenticated
calls carry no ambient credential, so they need none. Every authenticated call spends
one token of the user's bucket; an exhausted bucket answers 429 in Portuguese.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from fastapi import Request

from cpe.service.config import ServiceConfig
from cpe.service.ratelimit import RATE_LIMITED_PT, Limiter, RateLimiter
from cpe.service.store import ROLE_PT, Role, User, UserStore, allows

SESSION_COOKIE = "cpe_sessao"
LOGIN_CSRF_COOKIE = "cpe_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

UNAUTHENTICATED_PT = "Acesso não autenticado: entre com usuário e senha (ou um token de API)."
CSRF_PT = (
    "Requisição recusada (proteção CSRF): a sessão expirou ou a página está desatualizada. "
    "Recarregue a página e tente de novo."
)


class ApiError(Exception):
    """An HTTP error with a Portuguese message, rendered as {"erro": {...}}."""

    def __init__(
        self,
        status: int,
        kind: str,
        mensagem: str,
        proximo_passo: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(kind)
        self.status = status
        self.kind = kind
        self.mensagem = mensagem
        self.proximo_passo = proximo_passo
        self.headers = headers or {}


@dataclass(frozen=True)
class Principal:
    user: User
    via: Literal["token", "session"]


@dataclass
class ServiceState:
    store: UserStore
    limiter: Limiter
    login_limiter: Limiter
    config: ServiceConfig
    #: Failed logins per client address (cpe.service.pages).
    login_ip_limiter: Limiter = field(default_factory=lambda: RateLimiter(50.0, 0.1))


def service_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site. Requests without
    these headers (scripts, old browsers) pass: the CSRF token is the real check."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    return origin is None


def authenticate(request: Request) -> Principal:
    state = service_state(request)
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        user = state.store.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise ApiError(401, "unauthenticated", "Token de API inválido ou revogado.")
        principal = Principal(user, "token")
    else:
        sid = request.cookies.get(SESSION_COOKIE)
        found = state.store.session(sid) if sid else None
        if found is None:
            raise ApiError(401, "unauthenticated", UNAUTHENTICATED_PT)
        user, session = found
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not (sent and hmac.compare_digest(sent, session.csrf) and same_origin(request)):
                state.store.event(user.name, "csrf_refused", request.url.path)
                raise ApiError(403, "csrf", CSRF_PT)
        principal = Principal(user, "session")
    wait = state.limiter.take(principal.user.name)
    if wait > 0:
        raise ApiError(
            429,
            "rate_limited",
            RATE_LIMITED_PT,
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    return principal


def require(role: Role) -> Callable[[Request], Principal]:
    """A FastAPI dependency: an authenticated caller whose role is at least `role`."""

    def dependency(request: Request) -> Principal:
        principal = authenticate(request)
        if not allows(principal.user.role, role):
            raise ApiError(
                403,
                "forbidden",
                f"Seu perfil ({ROLE_PT[principal.user.role]}) não permite esta ação; "
                f"é preciso perfil {ROLE_PT[role]}.",
            )
        return principal

    return dependency


agente = require(Role.AGENTE)
tecnico = require(Role.TECNICO)
admin = require(Role.ADMIN)
