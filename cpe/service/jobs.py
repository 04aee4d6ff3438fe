"""Device actions started from the page run as jobs: a thread each, whose stages (cpe.progress
codes, plus the service's own, e.g. the IXC write) the page follows live through
Server-Sent Events, or by polling the job's snapshot.

Jobs live in memory (a restart loses them; the journal keeps what was done) and belong
to the user who started them.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cpe.progress import STAGE_PT, Stage

RUNNING, DONE, FAILED = "em_andamento", "concluida", "falhou"
#: Stages that only the service has.
IXC_WRITE = "writing_ixc"
STAGE_TEXT: dict[str, str] = {str(k): v for k, v in STAGE_PT.items()} | {
    IXC_WRITE: "gravando no IXC",
}
#: SSE keep-alive (proxies close silent connections) and the longest a stream stays open.
HEARTBEAT_S = 10.0
MAX_STREAM_S = 600.0
MAX_JOBS = 500
KEEP_S = 3600.0


@dataclass
class Job:
    id: str
    user: str
    login: str
    acao: str
    started: float = field(default_factory=time.monotonic)
    events: list[dict[str, Any]] = field(default_factory=list)
    state: str = RUNNING
    result: dict[str, Any] | None = None
    cond: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def elapsed(self) -> float:
        return round(time.monotonic() - self.started, 1)

    def stage(self, code: Stage | str) -> None:
        """A progress observer (cpe.progress.Progress)."""
        with self.cond:
            self.events.append(
                {
                    "n": len(self.events) + 1,
                    "etapa": str(code),
                    "texto": STAGE_TEXT.get(str(code), str(code)),
                    "t_s": self.elapsed(),
                }
            )
            self.cond.notify_all()

    def finish(self, ok: bool, result: dict[str, Any]) -> None:
        with self.cond:
            self.state = DONE if ok else FAILED
            self.result = result | {"duracao_s": self.elapsed()}
            self.cond.notify_all()

    def snapshot(self) -> dict[str, Any]:
        with self.cond:
            return {
                "id": self.id,
                "login": self.login,
                "acao": self.acao,
                "estado": self.state,
                "decorrido_s": self.elapsed(),
                "etapas": list(self.events),
                "resultado": self.result,
            }

    def wait(self, seen: int, timeout_s: float) -> None:
        with self.cond:
            self.cond.wait_for(
                lambda: len(self.events) > seen or self.state != RUNNING, timeout=timeout_s
            )


class Jobs:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(
        self, user: str, login: str, acao: str, work: Callable[[Job], tuple[bool, dict[str, Any]]]
    ) -> Job:
        job = Job(secrets.token_urlsafe(12), user, login, acao)
        with self._lock:
            self._prune()
            self._jobs[job.id] = job

        def run() -> None:
            try:
                ok, result = work(job)
            except Exception as exc:  # the page must hear of it rather than wait forever
                ok, result = (
                    False,
                    {
                        "ok": False,
                        "texto": "Erro interno do serviço durante a ação.",
                        "proximo_passo": "Atualize o estado do equipamento e tente de novo.",
                        "erro": {"tipo": "error", "mensagem": type(exc).__name__},
                    },
                )
            job.finish(ok, result)

        threading.Thread(target=run, name=f"job-{acao}-{login}", daemon=True).start()
        return job

    def get(self, job_id: str, user: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.user == user else None

    def _prune(self) -> None:
        now = time.monotonic()
        for jid, job in list(self._jobs.items()):
            if job.state != RUNNING and now - job.started > KEEP_S:
                del self._jobs[jid]
        while len(self._jobs) >= MAX_JOBS:
            oldest = min(self._jobs.values(), key=lambda j: j.started)
            del self._jobs[oldest.id]


def sse(job: Job, last_seen: int = 0) -> Iterator[str]:
    """The job as an SSE stream: one `etapa` event per stage (id = its number, so a
    reconnecting EventSource resumes after Last-Event-ID), then `fim` with the result."""
    seen = last_seen
    deadline = time.monotonic() + MAX_STREAM_S
    yield "retry: 1000\n\n"
    while time.monotonic() < deadline:
        snap = job.snapshot()
        for ev in snap["etapas"][seen:]:
            seen = ev["n"]
            yield f"id: {seen}\nevent: etapa\ndata: {json.dumps(ev, ensure_ascii=False)}\n\n"
        if snap["estado"] != RUNNING:
            data = json.dumps(snap, ensure_ascii=False)
            yield f"id: {seen}\nevent: fim\ndata: {data}\n\n"
            return
        job.wait(seen, HEARTBEAT_S)
        if len(job.snapshot()["etapas"]) == seen and job.state == RUNNING:
            yield ": ainda em andamento\n\n"
