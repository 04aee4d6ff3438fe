"""The technicians' and admins' side of the service backend: fleet audits started from the
page (in a background thread, or on the `cpe worker` hosts when a broker is set), their
reports rendered from the journal, and the vault's listing by name (never a secret).
Mixed into cpe.service.backend.Backend, which provides `settings`, `shared` and `context`.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cpe.audit import AuditRunner, AuditSettings, Selection
from cpe.audit_html import write_html
from cpe.audit_report import write_csv, write_json
from cpe.audit_words import provider_tz
from cpe.errors import InputError

if TYPE_CHECKING:
    from cpe.service.backend import ServiceContext, _Shared
    from cpe.settings import Settings

log = logging.getLogger("cpe.service")


class StaffDesk:
    settings: Settings
    shared: _Shared

    if TYPE_CHECKING:  # provided by Backend

        def context(self, user: str) -> ServiceContext: ...

    def start_audit(
        self,
        user: str,
        *,
        model: str | None,
        login_glob: str | None,
        contract_status: str | None,
    ) -> dict[str, Any]:
        """Start a fleet audit in a background thread; its results land in the journal."""
        ctx = self.context(user)
        selection = Selection.build(
            model=model, login_glob=login_glob, contract_status=contract_status
        )
        opts = None
        if ctx.settings.broker_url:  # the devices go to the `cpe worker` hosts (cpe.scale)
            opts = AuditSettings(concurrency=ctx.settings.audit_concurrency, engine="celery")
        runner = AuditRunner(ctx, opts)
        run_id: str = runner.start(selection)

        def work() -> None:
            try:
                runner.run(run_id, selection)
            except Exception:  # the thread must not die silently; the journal shows the state
                log.exception("audit run %s failed", run_id)

        threading.Thread(target=work, name=f"audit-{run_id}", daemon=True).start()
        return {"run_id": run_id, "estado": "started"}

    def audit_runs(self, limit: int) -> list[dict[str, Any]]:
        return self.shared.journal.runs(limit=max(1, min(limit, 200)))

    def audit_report(self, run_id: str) -> dict[str, Any]:
        journal = self.shared.journal
        state = journal.run_state(run_id)
        if state is None:
            raise InputError(f"execução {run_id!r} não encontrada", operation="auditoria")
        devices = [
            {k: r[k] for k in ("login", "model", "verdict", "drifts", "at")}
            for r in journal.results(run_id)
        ]
        summary: dict[str, int] = {}
        for d in devices:
            summary[d["verdict"]] = summary.get(d["verdict"], 0) + 1
        return {"run_id": run_id, "estado": state, "summary": summary, "devices": devices}

    def audit_export(self, run_id: str, fmt: str) -> tuple[str, str]:
        """The run's report as cpe.audit_report renders it: (text, media type)."""
        journal = self.shared.journal
        if journal.run_state(run_id) is None:
            raise InputError(f"execução {run_id!r} não encontrada", operation="relatório")
        writers: dict[str, tuple[Callable[..., None], str]] = {
            "json": (write_json, "application/json"),
            "csv": (write_csv, "text/csv; charset=utf-8"),
            "html": (write_html, "text/html; charset=utf-8"),
        }
        if fmt not in writers:
            raise InputError(f"formato {fmt!r} inválido (json, csv ou html)", operation="relatório")
        write, media = writers[fmt]
        buf = io.StringIO()
        if fmt == "json":
            write(journal, run_id, buf)
        else:  # times in the provider's zone
            write(journal, run_id, buf, tz=provider_tz(self.settings.timezone))
        return buf.getvalue(), media

    def vault_listing(self) -> dict[str, Any]:
        vault = self.shared.vault()
        return {
            "entradas": [
                {
                    "tipo": e.kind,
                    "nome": e.name,
                    "modelo": e.model,
                    "senhas_candidatas": e.candidates,
                }
                for e in vault.entries()
            ],
            "segredos": vault.secret_names(),
        }
