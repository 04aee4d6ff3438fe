"""How a driver family plugs into the shared conformance suite.

Each family adds one `Harness` to `HARNESSES` in `harnesses.py`; every test in
`test_conformance.py` then runs the real driver against the family's simulator over real
loopback sockets. Family-specific cases live next to the family's own tests.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from pydantic import SecretStr

from cpe.models import Band, Capability, Credential, Target, Timeouts, Transport
from drivers.base import Driver
from drivers.registry import driver_class, simulator_family
from drivers.sim import SimDevice, SimRunner, WifiState

ADMIN_PASSWORD = "conf-admin-Pw1"
RADIUS_USER = "cliente.teste"
RADIUS_PASSWORD = "ppp-secret-9"

FAST = Timeouts(connect_s=2.0, read_s=5.0, wan_restart_s=20.0, wan_settle_s=0.2)


@dataclass
class Harness:
    id: str
    model: str
    transport: Transport = Transport.HTTP
    #: Optional tweak of the standard device (family quirks).
    customize: Callable[[SimDevice], None] | None = None
    #: Build the Target from the address the fleet gave (CLI drivers need their CLI port).
    target_for: Callable[[SimDevice, str, int], Target] | None = None
    #: Operations the suite should expect to succeed (others must raise Unsupported).
    expects: frozenset[Capability] = field(
        default_factory=lambda: frozenset(
            {Capability.STATUS, Capability.PPPOE, Capability.DNS, Capability.WIFI}
        )
    )
    #: Content type the garbage fault answers with (JSON APIs, XML APIs...).
    garbage_content_type: str = "text/html"
    #: Set when the device never shows its failure counter (Fiberhome): the lockout test
    #: then keeps this documented threshold, since no driver can discover a lower one.
    hidden_lock_threshold: int | None = None
    #: Firmware profile the simulator plays (family `profiles`; None: the model's default).
    profile: str | None = None
    #: False when the standard device's WAN is not PPPoE (a reset router on DHCP): it shows
    #: no PPPoE user until set_pppoe switches it over.
    pppoe_wan: bool = True


def standard_device(h: Harness) -> SimDevice:
    family = simulator_family(h.model)
    dev: SimDevice = family.new_device(  # type: ignore[attr-defined]
        h.model, random.Random(7), profile=h.profile
    )
    dev.label = f"conf-{h.id}"
    dev.admin_password = ADMIN_PASSWORD
    dev.pppoe_user, dev.pppoe_password = RADIUS_USER, RADIUS_PASSWORD
    dev.radius = (RADIUS_USER, RADIUS_PASSWORD)
    dev.dns = ["8.8.8.8", "8.8.4.4"]
    dev.wifi = {
        Band.GHZ_2_4: WifiState("Casa-Antiga", "velha-senha-24"),
        Band.GHZ_5: WifiState("Casa-Antiga-5G", "velha-senha-5g"),
    }
    dev.knobs.wan_restart_s = 0.4
    dev.knobs.reboot_s = 0.4
    dev.knobs.hang_s = 8.0
    if h.customize:
        h.customize(dev)
    dev.evaluate_wan()
    return dev


@dataclass
class Rig:
    harness: Harness
    runner: SimRunner
    device: SimDevice
    host: str
    port: int

    def target(self) -> Target:
        if self.harness.target_for:
            return self.harness.target_for(self.device, self.host, self.port)
        return Target(
            host=self.host, port=self.port, model=self.harness.model,
            transport=self.harness.transport,
        )

    def driver(
        self, passwords: tuple[str, ...] = (ADMIN_PASSWORD,), timeouts: Timeouts = FAST
    ) -> Driver:
        cls = driver_class(self.harness.model, self.harness.transport)
        user = self.device.admin_user
        cred = Credential(username=user, passwords=tuple(SecretStr(p) for p in passwords))
        return cls(self.target(), cred, timeouts=timeouts)


_next_host = [10]


def next_loopback() -> str:
    """A fresh 127.0.x.y per rig so devices never share an address within a run."""
    _next_host[0] += 1
    n = _next_host[0]
    return f"127.0.{100 + (n // 250) % 100}.{1 + n % 250}"


@contextmanager
def rig(h: Harness, runner: SimRunner) -> Iterator[Rig]:
    dev = standard_device(h)
    family = simulator_family(h.model)
    host, port = runner.add(dev, family, next_loopback(), 0)  # type: ignore[arg-type]
    yield Rig(h, runner, dev, host, port)
