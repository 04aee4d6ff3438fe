"""Module-scoped fixtures shared by test_service_auth.py and test_service_customers.py.

Test modules import them as `from tests.service_api_fixtures import world as world`: pytest
finds them in the module (so each module still gets its own world and user database), and
the redundant alias marks a deliberate re-export, so ruff does not report the fixture
arguments as redefinitions (F811).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cpe.service.store import UserStore
from tests.service_support import Clock, World, add_users, app_for, ixc_world


# One IXC simulator and one user database per module (scrypt makes users slow to create);
# tests that disable or limit someone use users or apps of their own.
@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with ixc_world(tmp_path_factory.mktemp("svc") / "home") as w:
        yield w


@pytest.fixture(scope="module")
def store(world: World) -> UserStore:
    return add_users(world.settings)


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def client(world: World, store: UserStore, clock: Clock) -> Iterator[TestClient]:
    with TestClient(app_for(world.settings, clock)) as c:
        yield c
