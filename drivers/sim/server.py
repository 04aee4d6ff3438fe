"""Hosting simulated devices on loopback: many devices, one asyncio loop.

Each family builds one aiohttp `Application` (its protocol's routes). The fleet server
gives that application one listening site per device (host:port, e.g. 127.0.1.7:2389)
and, on every request, finds the device by the local address the request arrived on —
so ten thousand devices share one application and one process.

`SimRunner` runs a fleet server in a background thread for tests and the lab.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol, TypeVar

from aiohttp import web

from drivers.sim.state import Fault, SimDevice

log = logging.getLogger("cpe.sim")
T = TypeVar("T")
#: Grace for in-flight requests when a fleet closes. aiohttp's default (60 s) kept `lab
#: down` waiting on "hang" devices still sleeping through a request the client dropped.
SHUTDOWN_S = 1.0


class SimFamily(Protocol):
    """What a family simulator provides to the fleet server."""

    #: Short family name (one aiohttp application per family per fleet).
    name: str
    #: Firmware profiles per model key, the first one the default. The lab gives a
    #: model's devices these profiles in turn (cpe/lab/plan.py), so every profile a family
    #: models is exercised as soon as the lab holds that many devices of the model.
    profiles: dict[str, tuple[str, ...]]

    def new_device(self, model: str, rng: random.Random, profile: str | None = None) -> SimDevice:
        """A fresh device of `model` with family-typical identity (model name, firmware,
        family-specific `extra`), in firmware `profile` (None: the model's default). The
        lab then sets PPPoE, DNS, Wi-Fi and passwords."""
        ...

    def build_app(self, fleet: FleetServer) -> web.Application:
        """The family's HTTP application. Handlers call `fleet.device(request)`.
        Use `make_app()` below so latency and fault knobs apply."""
        ...

    async def start_extra(self, fleet: FleetServer, device: SimDevice, host: str) -> list[Any]:
        """Optional extra listeners for `device` (SSH/telnet CLI). Return objects with
        `close()` (asyncio servers). Default: none."""
        ...


def client_ip(request: web.Request) -> str:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return str(peer[0]) if peer else "?"


def make_app(fleet: FleetServer, *, garbage_content_type: str = "text/html") -> web.Application:
    """An application whose middleware finds the device and applies its knobs."""

    @web.middleware
    async def knobs(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        device = fleet.device(request)
        if device.knobs.latency_ms:
            await asyncio.sleep(device.knobs.latency_ms / 1000.0)
        fault = device.knobs.fault
        if device.knobs.web_down:
            fault = Fault.RESET
        if fault is Fault.HANG:
            await asyncio.sleep(device.knobs.hang_s)
            if request.transport:
                request.transport.abort()
            raise web.HTTPRequestTimeout()
        if fault is Fault.RESET:
            if request.transport:
                request.transport.abort()
            raise web.HTTPServiceUnavailable()
        if fault is Fault.GARBAGE:
            body = bytes(random.getrandbits(8) for _ in range(96)) + b"<html><body>%$#"
            return web.Response(body=body, content_type=garbage_content_type)
        if fault is Fault.SLOW:
            await asyncio.sleep(device.knobs.slow_s)
        return await handler(request)

    return web.Application(middlewares=[knobs])


class FleetServer:
    """All simulated devices of a lab (or a test) in one asyncio loop."""

    def __init__(self) -> None:
        self._runners: dict[str, web.AppRunner] = {}
        self._families: dict[str, SimFamily] = {}
        self._sites: dict[tuple[str, int], web.TCPSite] = {}
        self._devices: dict[tuple[str, int], SimDevice] = {}
        self._extra: dict[tuple[str, int], list[Any]] = {}
        self._family_of: dict[tuple[str, int], SimFamily] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._apps: dict[str, web.Application] = {}

    # -- lookup ---------------------------------------------------------------------------

    def device(self, request: web.Request) -> SimDevice:
        sock = request.transport.get_extra_info("sockname") if request.transport else None
        if not sock:
            raise web.HTTPServiceUnavailable()
        dev = self._devices.get((str(sock[0]), int(sock[1])))
        if dev is None:
            raise web.HTTPNotFound()
        return dev

    def devices(self) -> list[SimDevice]:
        return list(self._devices.values())

    def address_of(self, device: SimDevice) -> tuple[str, int]:
        for addr, dev in self._devices.items():
            if dev is device:
                return addr
        raise KeyError(device.label)

    # -- hosting --------------------------------------------------------------------------

    async def _runner_for(self, family: SimFamily) -> web.AppRunner:
        runner = self._runners.get(family.name)
        if runner is None:
            app = family.build_app(self)
            runner = web.AppRunner(
                app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_S
            )
            await runner.setup()
            self._runners[family.name] = runner
            self._families[family.name] = family
            self._apps[family.name] = app
        return runner

    async def add_device(
        self, device: SimDevice, family: SimFamily, host: str = "127.0.0.1", port: int = 0
    ) -> tuple[str, int]:
        runner = await self._runner_for(family)
        site = web.TCPSite(runner, host, port, reuse_address=True, backlog=256)
        await site.start()
        server = site._server
        actual_port = port
        sockets = getattr(server, "sockets", None)
        if sockets:
            actual_port = int(sockets[0].getsockname()[1])
        addr = (host, actual_port)
        self._sites[addr] = site
        self._devices[addr] = device
        self._family_of[addr] = family
        device.on_port_down = self._schedule_port_down
        start_extra = getattr(family, "start_extra", None)
        if start_extra is not None:
            self._extra[addr] = list(await start_extra(self, device, host) or [])
        return addr

    async def add_app(self, app: web.Application, host: str = "127.0.0.1", port: int = 0) -> int:
        """Host a plain application (the IXC simulator, the lab's control endpoint)."""
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_S
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port, reuse_address=True)
        await site.start()
        self._runners[f"app-{id(app)}"] = runner
        server = site._server
        assert server is not None
        return int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]

    def _schedule_port_down(self, device: SimDevice, seconds: float) -> None:
        task = asyncio.get_running_loop().create_task(self._port_down(device, seconds))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _port_down(self, device: SimDevice, seconds: float) -> None:
        """WAN restart or reboot: the management port stops answering, then returns."""
        addr = self.address_of(device)
        # Let the answer to the write that caused this leave first.
        await asyncio.sleep(0.05)
        site = self._sites.pop(addr, None)
        if site is not None:
            await site.stop()
        for server in self._extra.pop(addr, []):
            with contextlib.suppress(Exception):
                server.close()
        await asyncio.sleep(seconds)
        family = self._family_of[addr]
        runner = await self._runner_for(family)
        new_site = web.TCPSite(runner, addr[0], addr[1], reuse_address=True, backlog=256)
        await new_site.start()
        self._sites[addr] = new_site
        start_extra = getattr(family, "start_extra", None)
        if start_extra is not None:
            self._extra[addr] = list(await start_extra(self, device, addr[0]) or [])
        device.port_back_up()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for servers in self._extra.values():
            for server in servers:
                with contextlib.suppress(Exception):
                    server.close()
        for runner in self._runners.values():
            with contextlib.suppress(Exception):
                await runner.cleanup()
        self._runners.clear()
        self._sites.clear()

    # -- lab-wide counters ----------------------------------------------------------------

    def counters(self) -> dict[str, int]:
        devs = self.devices()
        return {
            "failed_logins": sum(d.counters.failed_logins for d in devs),
            "lockouts_caused": sum(d.counters.lockouts_caused for d in devs),
            "open_sessions": sum(1 for d in devs if d.open_toolkit_session()),
            "logins": sum(d.counters.logins for d in devs),
            "wan_restarts": sum(d.counters.wan_restarts for d in devs),
        }


class SimRunner:
    """A fleet server on its own event-loop thread (tests, the lab daemon's helpers).

    with SimRunner() as sims:
        host, port = sims.add(device, family)
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.fleet = FleetServer()
        self._thread = threading.Thread(target=self._run, name="sim-loop", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def run_sync(self, fn: Callable[[], T], timeout: float = 10.0) -> T:
        """Run `fn` on the loop thread (mutating device state without races)."""

        async def wrapper() -> T:
            return fn()

        return self.call(wrapper(), timeout)

    def add(
        self, device: SimDevice, family: SimFamily, host: str = "127.0.0.1", port: int = 0
    ) -> tuple[str, int]:
        return self.call(self.fleet.add_device(device, family, host, port))

    def add_app(self, app: web.Application, host: str = "127.0.0.1", port: int = 0) -> int:
        return self.call(self.fleet.add_app(app, host, port))

    def close(self) -> None:
        if self.loop.is_closed():
            return
        with contextlib.suppress(Exception):
            self.call(self.fleet.close(), timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        with contextlib.suppress(Exception):
            self.loop.close()

    def __enter__(self) -> SimRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def raise_fd_limit(wanted: int) -> int:
    """Raise the soft open-files limit towards `wanted` (one listener per device)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = min(max(soft, wanted), hard)
        if target > soft:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    except (ImportError, ValueError, OSError):
        return int(os.environ.get("CPE_FD_LIMIT", "1024"))
