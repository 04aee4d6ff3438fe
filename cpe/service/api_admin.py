"""/api/adm: what the admins' screen needs beyond the user, token, vault and event routes
of cpe.service.api (role admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from cpe.journal_health import check_journal
from cpe.service.auth import Principal, admin

router = APIRouter(prefix="/api/adm")

Admin = Annotated[Principal, Depends(admin)]


@router.get("/diario")
def journal_health(p: Admin, request: Request) -> dict[str, Any]:
    """Size, last write and PRAGMA quick_check of the journal (read-only)."""
    return check_journal(request.app.state.backend.settings.journal_file)
