"""Shared set-up for the Zyxel family tests: one simulated router on loopback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import requests
from pydantic import SecretStr

from cpe.models import Credential, Target, Transport
from drivers.base import Driver
from drivers.registry import driver_class
from drivers.sim import SimDevice, SimRunner
from drivers.zyxel.simulator import ZyxelFamily
from tests.conformance.harness import ADMIN_PASSWORD, FAST, Harness, next_loopback, standard_device

PORT_KEY = {Transport.SSH: "ssh_port", Transport.TELNET: "telnet_port"}


@dataclass
class Unit:
    runner: SimRunner
    device: SimDevice
    host: str
    port: int

    def target(self, transport: Transport = Transport.HTTP) -> Target:
        cli_port = int(self.device.extra[PORT_KEY[transport]]) if transport in PORT_KEY else None
        return Target(
            host=self.host, port=self.port, model="zyxel", transport=transport, cli_port=cli_port
        )

    def driver(
        self,
        transport: Transport = Transport.HTTP,
        passwords: tuple[str, ...] = (ADMIN_PASSWORD,),
        session: requests.Session | None = None,
    ) -> Driver:
        cred = Credential(username="supervisor", passwords=tuple(SecretStr(p) for p in passwords))
        cls = driver_class("zyxel", transport)
        return cls(self.target(transport), cred, timeouts=FAST, session=session)

    def sync(self, fn: Callable[[], object]) -> object:
        """Touch device state on the simulator's loop thread."""
        return self.runner.run_sync(fn)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


def make_unit(
    runner: SimRunner, customize: Callable[[SimDevice], None] | None = None, cli: bool = False
) -> Unit:
    def tweak(dev: SimDevice) -> None:
        dev.extra["cli"] = cli
        if customize:
            customize(dev)

    dev = standard_device(Harness(id="zyxel-unit", model="zyxel", customize=tweak))
    host, port = runner.add(dev, ZyxelFamily(), next_loopback(), 0)
    return Unit(runner, dev, host, port)
