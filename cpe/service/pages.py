"""The agent page: login form, session cookie, the single page and its static files.

The login form is protected by a double-submit token (a cookie and a hidden field that
must match) so a third-party site cannot log a browser into someone else's account; after
login, the page's writes go to /api with the session's CSRF token in a header.
"""

from __future__ import annotations

import hmac
import html
import math
import secrets
from datetime import timedelta
from functools import cache
from importlib import resources

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cpe.service.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    same_origin,
    service_state,
)
from cpe.service.staff_pages import staff_nav
from cpe.service.store import ROLE_PT

router = APIRouter()

LOGIN_FAILED_PT = "Usuário ou senha incorretos (ou usuário desativado)."
LOGIN_LIMITED_PT = "Muitas tentativas de login. Aguarde {s} segundos e tente de novo."
LOGIN_CSRF_PT = "O formulário expirou. Tente entrar de novo."


@cache
def _template(name: str) -> str:
    return (resources.files("cpe.service") / "static" / name).read_text(encoding="utf-8")


def _render(name: str, **values: str) -> str:
    text = _template(name)
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", html.escape(value, quote=True))
    return text


def _set_cookie(
    resp: Response, request: Request, name: str, value: str, *, path: str, max_age: int
) -> None:
    secure = service_state(request).config.secure_cookies or request.url.scheme == "https"
    resp.set_cookie(
        name, value, path=path, max_age=max_age, httponly=True, samesite="strict", secure=secure
    )


def _login_page(request: Request, message: str = "", status: int = 200) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    page = _render(
        "login.html",
        csrf=token,
        mensagem=message,
        classe_mensagem="erro" if message else "oculto",
    )
    resp = HTMLResponse(page, status_code=status)
    _set_cookie(resp, request, LOGIN_CSRF_COOKIE, token, path="/login", max_age=1800)
    return resp


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request)


@router.post("/login")
def login(
    request: Request,
    usuario: str = Form(max_length=64),
    senha: str = Form(max_length=200),
    csrf: str = Form(max_length=100),
) -> Response:
    state = service_state(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not (cookie and hmac.compare_digest(cookie, csrf) and same_origin(request)):
        return _login_page(request, LOGIN_CSRF_PT, 403)
    name = usuario.strip().lower()
    client = request.client.host if request.client else "?"
    # Every attempt counts against the name; only failures against the address, so a
    # call centre behind one proxy logging in all at once never reaches its ceiling.
    wait = max(
        state.login_limiter.take(f"user:{name}"), state.login_ip_limiter.wait(f"ip:{client}")
    )
    if wait > 0:
        state.store.event(name, "login_rate_limited", client)
        resp = _login_page(request, LOGIN_LIMITED_PT.format(s=math.ceil(wait)), 429)
        resp.headers["Retry-After"] = str(math.ceil(wait))
        return resp
    user = state.store.authenticate(name, senha)
    if user is None:
        state.login_ip_limiter.take(f"ip:{client}")
        state.store.event(name, "login_failed", client)
        return _login_page(request, LOGIN_FAILED_PT, 401)
    state.login_limiter.reset(f"user:{name}")
    ttl = timedelta(hours=state.config.session_hours)
    sid, _ = state.store.new_session(user.name, ttl)
    state.store.event(user.name, "login", client)
    done = RedirectResponse("/", status_code=303)
    _set_cookie(done, request, SESSION_COOKIE, sid, path="/", max_age=int(ttl.total_seconds()))
    done.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return done


@router.post("/logout")
def logout(request: Request, csrf: str = Form(default="", max_length=100)) -> Response:
    state = service_state(request)
    sid = request.cookies.get(SESSION_COOKIE)
    found = state.store.session(sid) if sid else None
    resp = RedirectResponse("/login", status_code=303)
    if found is not None and sid:
        user, session = found
        # Logging out is a write: a forged request must not end the agent's session.
        if not (csrf and hmac.compare_digest(csrf, session.csrf)):
            return RedirectResponse("/", status_code=303)
        state.store.end_session(sid)
        state.store.event(user.name, "logout")
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> Response:
    state = service_state(request)
    sid = request.cookies.get(SESSION_COOKIE)
    found = state.store.session(sid) if sid else None
    if found is None:
        return RedirectResponse("/login", status_code=303)
    user, session = found
    page = _render(
        "agent.html",
        csrf=session.csrf,
        usuario=user.name,
        perfil=user.role.value,
        perfil_pt=ROLE_PT[user.role],
    )
    # Links to the technicians' and admins' screens, for the roles that may open them.
    return HTMLResponse(page.replace("<!--nav-equipe-->", staff_nav(user.role)))


@router.get("/healthz")
def healthz() -> dict[str, bool]:
    return {"ok": True}
