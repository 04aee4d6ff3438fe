"""The agent page's API (/api/agente/...): the customer's page, device actions as jobs with
live stages (Server-Sent Events), "mostrar", and service orders of both kinds.

Bodies are strict: a boolean must be a JSON boolean ("false" is refused with 422, never
read as a write) and unknown fields are refused; every write names the login on the
agent's screen (`login_tela`), and a mismatch is refused before anything happens.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Request
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from cpe.service.agent import AgentDesk, check_screen
from cpe.service.auth import ApiError, Principal, agente
from cpe.service.jobs import sse

router = APIRouter(prefix="/api/agente")

Agente = Annotated[Principal, Depends(agente)]
Login = Annotated[str, PathParam(min_length=1, max_length=128, pattern=r"^[^/\s]+$")]
JobId = Annotated[str, PathParam(min_length=8, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
ScreenLogin = Annotated[str, Field(min_length=1, max_length=128)]

JOB_GONE_PT = "Esta ação não existe mais (o serviço foi reiniciado?). Atualize o cliente."


def desk(request: Request) -> AgentDesk:
    d: AgentDesk = request.app.state.agent
    return d


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class Rede(Strict):
    band: Literal["2.4GHz", "5GHz"]
    ssid: str = Field(max_length=64)
    #: New key; empty or absent keeps the key IXC holds.
    passphrase: str | None = Field(default=None, max_length=64)


class TarefaBody(Strict):
    acao: Literal["corrigir_dns", "reaplicar_pppoe", "aplicar_wifi_ixc", "alterar_wifi"]
    login_tela: ScreenLogin
    simulacao: StrictBool = False
    redes: list[Rede] | None = Field(default=None, max_length=2)


class MostrarBody(Strict):
    campo: Literal["pppoe", "wifi"]
    band: Literal["2.4GHz", "5GHz"] | None = None
    login_tela: ScreenLogin


class OsBody(Strict):
    tipo: Literal["n3", "outras_demandas"]
    motivo: str = Field(max_length=32)
    login_tela: ScreenLogin
    telefone: str = Field(default="", max_length=40)
    #: IXC's melhor_horario_agenda: manhã, tarde, noite, qualquer horário.
    periodo: Literal["M", "T", "N", "Q"] = "Q"
    observacao: str = Field(default="", max_length=1000)
    achados: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=40
    )
    confirmou_contato: StrictBool = False
    grave: StrictBool = False


@router.get("/clientes/{login}")
def cliente(p: Agente, request: Request, login: Login) -> dict[str, Any]:
    return desk(request).customer(p.user.name, login)


@router.get("/clientes/{login}/historico")
def historico(p: Agente, request: Request, login: Login) -> dict[str, Any]:
    return {"login": login} | desk(request).history(login)


@router.post("/clientes/{login}/tarefas", status_code=202)
def tarefa(p: Agente, request: Request, login: Login, body: TarefaBody) -> dict[str, Any]:
    check_screen(login, body.login_tela)
    redes = (
        [{"band": r.band, "ssid": r.ssid, "senha": r.passphrase or None} for r in body.redes]
        if body.redes
        else None
    )
    job = desk(request).start_task(
        p.user.name, login, body.acao, redes=redes, simulacao=body.simulacao
    )
    return {"tarefa": job.id, "acao": body.acao, "login": job.login, "simulacao": body.simulacao}


@router.get("/tarefas/{job_id}")
def tarefa_estado(p: Agente, request: Request, job_id: JobId) -> dict[str, Any]:
    job = desk(request).jobs.get(job_id, p.user.name)
    if job is None:
        raise ApiError(404, "not_found", JOB_GONE_PT)
    return job.snapshot()


@router.get("/tarefas/{job_id}/eventos")
def tarefa_eventos(
    p: Agente,
    request: Request,
    job_id: JobId,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    job = desk(request).jobs.get(job_id, p.user.name)
    if job is None:
        raise ApiError(404, "not_found", JOB_GONE_PT)
    seen = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
    return StreamingResponse(
        sse(job, seen),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post("/clientes/{login}/mostrar")
def mostrar(p: Agente, request: Request, login: Login, body: MostrarBody) -> dict[str, Any]:
    check_screen(login, body.login_tela)
    return desk(request).backend.reveal(p.user.name, login, body.campo, body.band)


@router.post("/clientes/{login}/os", status_code=201)
def abrir_os(p: Agente, request: Request, login: Login, body: OsBody) -> dict[str, Any]:
    check_screen(login, body.login_tela)
    return desk(request).open_order(
        p.user.name,
        login,
        tipo=body.tipo,
        motivo=body.motivo,
        telefone=body.telefone,
        periodo=body.periodo,
        observacao=body.observacao,
        achados=body.achados,
        confirmou_contato=body.confirmou_contato,
        grave=body.grave,
    )
