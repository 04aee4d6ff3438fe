"""The HTTP API (/api/...): the page uses it with its session, scripts with a token.

Roles: agente (search, status, reconfigure, Wi-Fi, "mostrar", N3 ticket, a device's
recent history) < tecnico (also audits, the journal's history, reports) < admin (also
users, tokens, the vault's names and counts). No endpoint returns a device password.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from cpe.service.auth import ApiError, Principal, admin, agente, service_state, tecnico
from cpe.service.backend import Backend
from cpe.service.deadline import n3_deadline
from cpe.service.store import ROLE_PT, Role, parse_role

router = APIRouter(prefix="/api")

Agente = Annotated[Principal, Depends(agente)]
Tecnico = Annotated[Principal, Depends(tecnico)]
Admin = Annotated[Principal, Depends(admin)]
#: A PPPoE login in the path (IXC logins have no spaces or slashes).
Login = Annotated[str, PathParam(min_length=1, max_length=128, pattern=r"^[^/\s]+$")]


def backend(request: Request) -> Backend:
    b: Backend = request.app.state.backend
    return b


# --- request bodies -------------------------------------------------------------------


class ReconfigureBody(BaseModel):
    # Strict booleans and no unknown fields: with every flag false reconfigure does
    # everything (PPPoE included), so "false" or a misspelt flag must not read as false.
    model_config = ConfigDict(extra="forbid")

    pppoe: StrictBool = False
    dns: StrictBool = False
    wifi: StrictBool = False
    dry_run: StrictBool = False


class WifiNetworkBody(BaseModel):
    band: str
    ssid: str = Field(max_length=64)
    #: New key; empty or absent keeps the key IXC holds.
    passphrase: str | None = Field(default=None, max_length=64)


class WifiBody(BaseModel):
    networks: list[WifiNetworkBody] = Field(min_length=1, max_length=2)


class RevealBody(BaseModel):
    field: Literal["pppoe", "wifi"]
    band: str | None = None


class TicketBody(BaseModel):
    findings: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=40
    )
    note: str = Field(default="", max_length=1000)


class AuditBody(BaseModel):
    model: str | None = None
    login_glob: str | None = None
    contract_status: str | None = None


class NewUserBody(BaseModel):
    name: str
    role: str
    password: str = Field(max_length=200)


class UserPatchBody(BaseModel):
    role: str | None = None
    disabled: StrictBool | None = None
    password: str | None = Field(default=None, max_length=200)


class TokenBody(BaseModel):
    label: str | None = Field(default=None, max_length=80)


# --- agente -----------------------------------------------------------------------------


@router.get("/me")
def me(p: Agente) -> dict[str, Any]:
    return {
        "usuario": p.user.name,
        "perfil": p.user.role.value,
        "perfil_pt": ROLE_PT[p.user.role],
        "via": p.via,
    }


@router.get("/search")
def search(
    p: Agente, request: Request, q: Annotated[str, Query(min_length=1, max_length=100)]
) -> dict[str, Any]:
    return {"resultados": backend(request).search(p.user.name, q)}


@router.get("/customers/{login}")
def customer(p: Agente, request: Request, login: Login) -> dict[str, Any]:
    return backend(request).customer(p.user.name, login)


@router.get("/customers/{login}/history")
def customer_history(
    p: Agente, request: Request, login: Login, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> dict[str, Any]:
    return {"login": login, "historico": backend(request).history(login, limit)}


@router.post("/customers/{login}/reconfigure")
def reconfigure(p: Agente, request: Request, login: Login, body: ReconfigureBody) -> dict[str, Any]:
    return backend(request).reconfigure(
        p.user.name, login, pppoe=body.pppoe, dns=body.dns, wifi=body.wifi, dry_run=body.dry_run
    )


@router.post("/customers/{login}/wifi")
def change_wifi(p: Agente, request: Request, login: Login, body: WifiBody) -> dict[str, Any]:
    redes = [{"band": n.band, "ssid": n.ssid, "senha": n.passphrase or None} for n in body.networks]
    return backend(request).change_wifi(p.user.name, login, redes)


@router.post("/customers/{login}/reveal")
def reveal(p: Agente, request: Request, login: Login, body: RevealBody) -> dict[str, Any]:
    return backend(request).reveal(p.user.name, login, body.field, body.band)


@router.post("/customers/{login}/ticket", status_code=201)
def ticket(p: Agente, request: Request, login: Login, body: TicketBody) -> dict[str, Any]:
    return backend(request).open_ticket(p.user.name, login, body.findings, body.note)


@router.get("/n3-deadline")
def deadline(p: Agente, request: Request) -> dict[str, object]:
    return n3_deadline(backend(request).clock()).as_dict()


# --- tecnico ----------------------------------------------------------------------------


@router.get("/history")
def history(
    p: Tecnico, request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> dict[str, Any]:
    return {"acoes": backend(request).recent_actions(limit)}


@router.post("/audits", status_code=202)
def start_audit(p: Tecnico, request: Request, body: AuditBody) -> dict[str, Any]:
    return backend(request).start_audit(
        p.user.name,
        model=body.model,
        login_glob=body.login_glob,
        contract_status=body.contract_status,
    )


@router.get("/audits")
def audits(
    p: Tecnico, request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> dict[str, Any]:
    return {"execucoes": backend(request).audit_runs(limit)}


@router.get("/audits/{run_id}")
def audit_report(p: Tecnico, request: Request, run_id: RunId) -> dict[str, Any]:
    return backend(request).audit_report(run_id)


#: The HTML report is self-contained (inline style and its sorting script); it may load
#: nothing from anywhere.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
RunId = Annotated[str, PathParam(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]


@router.get("/audits/{run_id}/report")
def audit_export(
    p: Tecnico,
    request: Request,
    run_id: RunId,
    fmt: Annotated[str, Query(alias="format", pattern="^(json|csv|html)$")] = "json",
) -> Response:
    text, media = backend(request).audit_export(run_id, fmt)
    headers = {"Content-Security-Policy": REPORT_CSP}
    if fmt == "csv":
        headers["Content-Disposition"] = f'attachment; filename="auditoria-{run_id}.csv"'
    return Response(text, media_type=media, headers=headers)


# --- admin ------------------------------------------------------------------------------


@router.get("/users")
def users(p: Admin, request: Request) -> dict[str, Any]:
    return {"usuarios": service_state(request).store.users()}


@router.post("/users", status_code=201)
def add_user(p: Admin, request: Request, body: NewUserBody) -> dict[str, Any]:
    store = service_state(request).store
    user = store.add_user(body.name, parse_role(body.role), body.password)
    store.event(p.user.name, "admin_user_added", user.name)
    return {"usuario": user.name, "perfil": user.role.value}


def _existing_user(request: Request, name: str) -> None:
    """404 (and nothing written) for a user that does not exist."""
    if service_state(request).store.user(name) is None:
        raise ApiError(404, "not_found", f"Usuário {name!r} não existe.")


def _last_active_admin(request: Request, name: str) -> bool:
    admins = [
        u["name"]
        for u in service_state(request).store.users()
        if u["role"] == Role.ADMIN.value and not u["disabled"]
    ]
    return admins == [name]


@router.patch("/users/{name}")
def patch_user(p: Admin, request: Request, name: str, body: UserPatchBody) -> dict[str, Any]:
    store = service_state(request).store
    _existing_user(request, name)
    demoted = body.role is not None and parse_role(body.role) is not Role.ADMIN
    if (demoted or body.disabled) and _last_active_admin(request, name):
        raise ApiError(
            409,
            "refused",
            "Este é o único administrador ativo: crie ou reative outro antes.",
        )
    if body.role is not None:
        store.set_role(name, parse_role(body.role))
    if body.disabled is not None:
        store.set_disabled(name, body.disabled)
    if body.password:
        store.set_password(name, body.password)
    store.event(p.user.name, "admin_user_changed", name)
    user = store.user(name)
    assert user is not None
    return {"usuario": user.name, "perfil": user.role.value, "desativado": user.disabled}


@router.get("/users/{name}/tokens")
def list_tokens(p: Admin, request: Request, name: str) -> dict[str, Any]:
    _existing_user(request, name)
    return {"tokens": service_state(request).store.tokens(name)}


@router.post("/users/{name}/tokens", status_code=201)
def new_token(p: Admin, request: Request, name: str, body: TokenBody) -> dict[str, Any]:
    store = service_state(request).store
    _existing_user(request, name)
    token_id, token = store.new_token(name, body.label)
    store.event(p.user.name, "admin_token_created", f"{name} id={token_id}")
    return {
        "id": token_id,
        "token": token,
        "aviso": "Guarde o token agora: ele não é mostrado de novo.",
    }


@router.delete("/users/{name}/tokens/{token_id}")
def revoke_token(p: Admin, request: Request, name: str, token_id: int) -> JSONResponse:
    revoked = service_state(request).store.revoke_token(name, token_id)
    return JSONResponse({"revogado": revoked}, status_code=200 if revoked else 404)


@router.get("/vault")
def vault(p: Admin, request: Request) -> dict[str, Any]:
    return backend(request).vault_listing()


@router.get("/events")
def events(
    p: Admin, request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> dict[str, Any]:
    return {"eventos": service_state(request).store.events(limit)}
