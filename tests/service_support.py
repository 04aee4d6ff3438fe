"""Shared set-up for the service tests: an IXC simulator, users, logged-in clients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from cpe.service.app import create_app
from cpe.service.config import ServiceConfig
from cpe.service.deadline import TZ
from cpe.service.store import Role, UserStore
from cpe.settings import Settings
from drivers.sim import SimRunner
from inventory.ixc.simulator import IxcSimState, add_subscriber, build_app

PASSWORDS = {"ana": "senha-da-ana-123", "tec": "senha-do-tec-123", "adm": "senha-do-adm-123"}
ROLES = {"ana": Role.AGENTE, "tec": Role.TECNICO, "adm": Role.ADMIN}
#: Wednesday and Saturday, São Paulo time.
WEDNESDAY = datetime(2025, 6, 11, 10, 0, tzinfo=TZ)
SATURDAY = datetime(2025, 6, 14, 15, 30, tzinfo=TZ)


@dataclass
class Clock:
    now: datetime = WEDNESDAY

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    settings: Settings
    ixc: IxcSimState
    ids: dict[str, dict[str, str]] = field(default_factory=dict)


def _sub(state: IxcSimState, login: str, n: int, **kw: Any) -> dict[str, str]:
    opts: dict[str, Any] = {
        "login": login,
        "password": f"ppp-secret-{n:04d}",
        # No device answers here: an unknown model stops every action before the network.
        "ip": f"127.254.254.{n}",
        "model_text": "Roteador Desconhecido X",
        "onu_mode": "B",
        "ssid24": f"Casa{n}_2G",
        "psk24": f"wifi24-secret-{n:04d}",
        "ssid5": f"Casa{n}_5G",
        "psk5": f"wifi5-secret-{n:04d}",
        "customer_name": f"Cliente Número {n}",
        "cpf": f"{n:011d}",
    }
    opts.update(kw)
    return add_subscriber(state, **opts)


@contextmanager
def ixc_world(home: Path) -> Iterator[World]:
    """A temporary CPE_HOME whose inventory is an IXC simulator on loopback."""
    state = IxcSimState()
    with SimRunner() as runner:
        port = runner.add_app(build_app(state), "127.0.0.1", 0)
        settings = Settings(
            home=home,
            ixc_url=f"http://127.0.0.1:{port}/webservice/v1",
            ixc_token=SecretStr(state.token),
            connect_timeout_s=2.0,
            read_timeout_s=5.0,
        )
        world = World(settings, state)
        world.ids["ana.ok"] = _sub(state, "ana.ok", 1)
        world.ids["bia.bloq"] = _sub(state, "bia.bloq", 2, status_internet="CM")
        world.ids["caio.red"] = _sub(state, "caio.red", 3, status_velocidade="R")
        yield world


def add_users(settings: Settings) -> UserStore:
    store = UserStore(settings.journal_file)
    for name, role in ROLES.items():
        if store.user(name) is None:
            store.add_user(name, role, PASSWORDS[name])
    return store


def app_for(settings: Settings, clock: Clock | None = None, **config: Any) -> FastAPI:
    cfg = ServiceConfig(n3_assunto_id="7", n3_setor="3", **config)
    return create_app(settings, cfg, clock=clock or Clock())


def login(client: TestClient, name: str, password: str | None = None) -> str:
    """Log `client` in through the form; returns the page's CSRF token."""
    form = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token, form.text
    resp = client.post(
        "/login",
        data={"usuario": name, "senha": password or PASSWORDS[name], "csrf": token.group(1)},
        follow_redirects=False,
    )
    assert resp.status_code == 303, resp.text
    page = client.get("/")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert csrf, page.text
    return csrf.group(1)


def bearer(store: UserStore, name: str) -> dict[str, str]:
    _, token = store.new_token(name, "teste")
    return {"Authorization": f"Bearer {token}"}


# --- the embedded lab ---------------------------------------------------------------------

CANARY = "Canario-Adm1n-7f3a9c"


@contextmanager
def lab_world(
    home: Path, block_start: int, *, wan_restart_s: float = 0.5
) -> Iterator[tuple[Settings, list[dict[str, Any]]]]:
    """A 16-device lab in `home` whose every admin password is CANARY."""
    from cpe.lab import control
    from cpe.settings import load_settings

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPE_HOME", str(home))
        # Parallel labs (other test files, other sessions) look for free blocks elsewhere.
        mp.setenv("CPE_LAB_BLOCK_START", str(block_start))
        for var in ("CPE_IXC_URL", "CPE_IXC_TOKEN", "CPE_INVENTORY_CSV", "CPE_VAULT_KEY"):
            mp.delenv(var, raising=False)
        settings = load_settings()
        control.up(
            settings, size=16, admin_password=SecretStr(CANARY), wan_restart_s=wan_restart_s
        )
        try:
            settings = load_settings()
            yield settings, control.status(settings)["devices"]
        finally:
            control.down(settings)


def pick(devices: list[dict[str, Any]], *, planted: set[str], models: tuple[str, ...]) -> str:
    """A lab login with exactly `planted`, preferring `models` in order."""
    for model in models:
        for d in devices:
            if d["model"].startswith(model) and set(d["planted"]) == planted:
                return str(d["login"])
    pytest.skip(f"no lab device with {sorted(planted)} among {models}")
