"""A stranger's IXC client against our simulator: `ixc-utils` (PyPI, dev extra only).

ixc-utils lists the way many ISP scripts do: POST with `ixcsoft: listar`, a JSON body with
empty `qtype`/`oper`, `rp` 999999, `grid_param` as a JSON string, and operators `LIKE` and
`IN` (a comma list of ids). Whatever it asks, it must read the same rows our simulator
holds; if the simulator refused what a real tenant answers, this test would fail.
"""

from __future__ import annotations

import base64
import json

import pytest

from inventory.ixc.simulator import IxcSimState
from tests.ixc_helpers import ixc_server, seed

ixc_api = pytest.importorskip("ixc_utils.api", reason="ixc-utils is a dev extra")


@pytest.fixture
def state() -> IxcSimState:
    made = IxcSimState()
    for n in range(1, 6):
        seed(made, f"cliente.{n:02d}", n)
    return made


def _auth(state: IxcSimState) -> str:
    # ixc-utils sends api_key as the whole Authorization header.
    return "Basic " + base64.b64encode(state.token.encode()).decode()


def test_ixc_utils_reads_every_login_and_filters_with_grid_param(state: IxcSimState) -> None:
    with ixc_server(state) as url:
        base = f"{url}/webservice/v1"
        logins = ixc_api.requisicao_ixc("radusuarios", api_url=base, api_key=_auth(state))
        grid = json.dumps([{"TB": "radusuarios.login", "OP": "=", "P": "cliente.03"}])
        one = ixc_api.requisicao_ixc(
            "radusuarios", query=grid, api_url=base, api_key=_auth(state)
        )
        names = ixc_api.mapeamento("cliente", "id", "razao", api_url=base, api_key=_auth(state))
    assert sorted(logins["login"]) == [f"cliente.{n:02d}" for n in range(1, 6)]
    assert list(one["login"]) == ["cliente.03"]
    assert names["1"] == "CLIENTE NÚMERO 1"


@pytest.mark.parametrize("strategy", ["bulk", "lotes"])
def test_ixc_utils_id_lookup_with_like_and_in(state: IxcSimState, strategy: str) -> None:
    with ixc_server(state) as url:
        rows = ixc_api.requisicao_ixc_especifica(
            "radusuarios", ["2", "4"], "radusuarios.id", max_workers=2, estrategia=strategy,
            api_url=f"{url}/webservice/v1", api_key=_auth(state),
        )
    assert sorted(rows["login"]) == ["cliente.02", "cliente.04"]
