"""The shared simulator plumbing: dispatch by local address, knobs, port down/up."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest
import requests
from aiohttp import web

from drivers.sim import Fault, FleetServer, LoginCheck, SimDevice, SimRunner, client_ip, make_app


class EchoFamily:
    name = "echo"
    #: Firmware profiles per model (the first is the default); none modelled yet.
    profiles: dict[str, tuple[str, ...]] = {}  # noqa: RUF012 - read-only table

    def new_device(
        self, model: str, rng: random.Random, profile: str | None = None
    ) -> SimDevice:
        return SimDevice(model=model, model_name="Echo", firmware="1", admin_password="pw")

    def build_app(self, fleet: FleetServer) -> web.Application:
        app = make_app(fleet)

        async def hello(request: web.Request) -> web.Response:
            dev = fleet.device(request)
            if request.query.get("pppoe"):
                dev.apply_pppoe("u", "p")
            return web.Response(text=f"{dev.label} {client_ip(request)}")

        app.router.add_get("/", hello)
        return app

    async def start_extra(self, fleet: FleetServer, device: SimDevice, host: str) -> list[Any]:
        return []


@pytest.fixture()
def runner() -> Any:
    with SimRunner() as r:
        yield r


def _dev(label: str) -> SimDevice:
    d = EchoFamily().new_device("echo", random.Random(1))
    d.label = label
    return d


def test_dispatch_by_local_address(runner: SimRunner) -> None:
    fam = EchoFamily()
    a = runner.add(_dev("A"), fam, "127.0.0.1", 0)
    b = runner.add(_dev("B"), fam, "127.0.0.2", 0)
    assert requests.get(f"http://{a[0]}:{a[1]}/", timeout=5).text.startswith("A ")
    assert requests.get(f"http://{b[0]}:{b[1]}/", timeout=5).text.startswith("B ")


def test_garbage_and_reset_knobs(runner: SimRunner) -> None:
    dev = _dev("G")
    host, port = runner.add(dev, EchoFamily())
    dev.knobs.fault = Fault.GARBAGE
    assert b"%$#" in requests.get(f"http://{host}:{port}/", timeout=5).content
    dev.knobs.fault = Fault.RESET
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://{host}:{port}/", timeout=5)


def test_wan_restart_takes_port_down_then_back(runner: SimRunner) -> None:
    dev = _dev("W")
    dev.radius = ("u", "p")
    dev.knobs.wan_restart_s = 0.5
    host, port = runner.add(dev, EchoFamily())
    requests.get(f"http://{host}:{port}/?pppoe=1", timeout=5)
    time.sleep(0.2)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://{host}:{port}/", timeout=2)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://{host}:{port}/", timeout=2)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    assert dev.wan_up and dev.wan_error is None
    assert dev.counters.wan_restarts == 1


def test_lockout_counts_and_phantom_session() -> None:
    dev = _dev("L")
    dev.knobs.lock_threshold = 3
    assert dev.check_login(None, "x", "127.0.0.1") is LoginCheck.WRONG
    assert dev.check_login(None, "x", "127.0.0.1") is LoginCheck.WRONG
    assert dev.attempts_left() == 1
    assert dev.check_login(None, "x", "127.0.0.1") is LoginCheck.LOCKED
    assert dev.counters.lockouts_caused == 1
    assert dev.check_login(None, "pw", "127.0.0.1") is LoginCheck.LOCKED
    other = _dev("S")
    other.hold_session_elsewhere()
    assert other.open_session("127.0.0.1") is None
    assert not other.open_toolkit_session()
