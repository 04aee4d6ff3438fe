"""Pages of the technicians (/tecnico) and admins (/admin), and their scripts and style.

Served by this router, not from /static: every file checks the session's role first,
so an agent's browser receives none of these screens (403), a technician none of the
admin's. Data still comes only from the role-checked API.
"""

from __future__ import annotations

import html
from functools import cache
from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cpe.service.auth import SESSION_COOKIE, service_state
from cpe.service.store import ROLE_PT, Role, Session, User, allows

router = APIRouter()

#: file -> (media type, role needed)
FILES = {
    "equipe.css": ("text/css; charset=utf-8", Role.TECNICO),
    "equipe.js": ("text/javascript; charset=utf-8", Role.TECNICO),
    "tech.js": ("text/javascript; charset=utf-8", Role.TECNICO),
    "agenda.js": ("text/javascript; charset=utf-8", Role.TECNICO),
    "admin.js": ("text/javascript; charset=utf-8", Role.ADMIN),
}
FORBIDDEN_PT = (
    "Seu perfil ({perfil}) não permite ver esta tela; é preciso perfil {preciso}. "
    "Volte ao atendimento."
)


@cache
def _text(name: str) -> str:
    return (resources.files("cpe.service.screens") / name).read_text(encoding="utf-8")


def staff_nav(role: Role) -> str:
    """The header links a user's role may follow (fixed markup, no user data)."""
    links = ['<a href="/">Atendimento</a>']
    if allows(role, Role.TECNICO):
        links.append('<a href="/tecnico">Auditorias</a>')
    if allows(role, Role.ADMIN):
        links.append('<a href="/admin">Administração</a>')
    return '<nav class="nav-equipe">' + "".join(links) + "</nav>" if len(links) > 1 else ""


def _session(request: Request) -> tuple[User, Session] | None:
    sid = request.cookies.get(SESSION_COOKIE)
    return service_state(request).store.session(sid) if sid else None


def _forbidden(user: User, needed: Role) -> HTMLResponse:
    text = FORBIDDEN_PT.format(perfil=ROLE_PT[user.role], preciso=ROLE_PT[needed])
    return HTMLResponse(
        '<!doctype html><html lang="pt-BR"><head><meta charset="utf-8"><title>Sem acesso'
        f'</title></head><body><p>{html.escape(text)}</p><p><a href="/">Atendimento</a>'
        "</p></body></html>",
        status_code=403,
    )


def _page(request: Request, name: str, needed: Role) -> Response:
    found = _session(request)
    if found is None:
        return RedirectResponse("/login", status_code=303)
    user, session = found
    if not allows(user.role, needed):
        service_state(request).store.event(user.name, "tela_recusada", request.url.path)
        return _forbidden(user, needed)
    page = _text(name)
    values = {
        "csrf": session.csrf,
        "usuario": user.name,
        "perfil": user.role.value,
        "perfil_pt": ROLE_PT[user.role],
    }
    for key, value in values.items():
        page = page.replace("{{" + key + "}}", html.escape(value, quote=True))
    return HTMLResponse(page.replace("<!--nav-equipe-->", staff_nav(user.role)))


@router.get("/tecnico", response_class=HTMLResponse)
def tech_page(request: Request) -> Response:
    return _page(request, "tech.html", Role.TECNICO)


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request) -> Response:
    return _page(request, "admin.html", Role.ADMIN)


@router.get("/equipe/{name}")
def asset(request: Request, name: str) -> Response:
    if name not in FILES:
        return Response(status_code=404)
    media, needed = FILES[name]
    found = _session(request)
    if found is None:
        return Response(status_code=401)
    user, _ = found
    if not allows(user.role, needed):
        return Response(status_code=403)
    return Response(_text(name), media_type=media)
