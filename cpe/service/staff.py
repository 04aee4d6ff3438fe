"""The technicians' and admins' screens: their pages, static files and API routes,
mounted on the service with one call (kept apart from the agent page's modules)."""

from __future__ import annotations

from fastapi import FastAPI

from cpe.service import api_admin, api_schedules, api_tech, staff_pages
from cpe.service.tech import TechDesk


def mount(app: FastAPI) -> None:
    app.state.tech = TechDesk(app.state.backend)
    app.include_router(api_tech.router)
    app.include_router(api_admin.router)
    app.include_router(api_schedules.router)
    app.include_router(staff_pages.router)
