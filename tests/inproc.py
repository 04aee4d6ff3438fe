"""An in-process world for action tests: simulators, the IXC simulator and a vault in a
temporary CPE_HOME, so a test can poke any device's state directly (the lab runs in
another process and cannot be poked)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from cpe.context import Context
from cpe.lab.plan import MODEL_TEXT, ONU_MODELS
from cpe.models import Band
from cpe.settings import Settings, load_settings, write_settings
from cpe.vault import Vault
from drivers.registry import simulator_family
from drivers.sim import SimDevice, SimRunner, WifiState
from inventory.ixc import simulator as ixc_sim

ADMIN = "inproc-Admin-pw1"


@dataclass
class World:
    home: Path
    runner: SimRunner
    ixc: ixc_sim.IxcSimState
    devices: dict[str, SimDevice] = field(default_factory=dict)
    _n: int = 0

    def context(self) -> Context:
        return Context(settings=load_settings(home=self.home), operator="teste")

    def add(
        self,
        model: str,
        *,
        dns_drift: bool = True,
        ssid_drift: bool = True,
        pppoe_drift: bool = False,
        status_internet: str = "A",
        customize: Callable[[SimDevice], None] | None = None,
    ) -> tuple[str, SimDevice]:
        self._n += 1
        login = f"cliente{self._n}.{model.replace('-', '')}"
        family = simulator_family(model)
        dev: SimDevice = family.new_device(model, random.Random(self._n))  # type: ignore[attr-defined]
        dev.label = login
        dev.admin_password = ADMIN
        ppp_pw = f"ppp-{self._n}-secret"
        dev.radius = (login, ppp_pw)
        dev.pppoe_user = login + "x" if pppoe_drift else login
        dev.pppoe_password = ppp_pw
        dev.dns = ["8.8.8.8", "8.8.4.4"] if dns_drift else ["1.1.1.1", "1.0.0.1"]
        ssid24, psk24 = f"Rede{self._n}_2G", f"chave-{self._n}-24ghz"
        ssid5, psk5 = f"Rede{self._n}_5G", f"chave-{self._n}-5ghz"
        dev.wifi = {
            Band.GHZ_2_4: WifiState(
                "Antiga" if ssid_drift else ssid24, "antiga-123" if ssid_drift else psk24
            ),
            Band.GHZ_5: WifiState(ssid5, psk5),
        }
        dev.knobs.wan_restart_s = 0.3
        if model == "zyxel":
            dev.extra["cli"] = False
        if customize is not None:
            customize(dev)
        dev.evaluate_wan()
        # Port 2389 as in the field (the inventory assumes it), on a fresh loopback address.
        for _ in range(20):
            host = f"127.{random.randrange(20, 240)}.250.{random.randrange(1, 250)}"
            try:
                self.runner.add(dev, family, host, 2389)  # type: ignore[arg-type]
                break
            except OSError:
                continue
        else:
            raise RuntimeError("no free loopback address for the test device")
        ixc_sim.add_subscriber(
            self.ixc,
            login=login,
            password=ppp_pw,
            ip=host,
            model_text=MODEL_TEXT[model],
            ssid24=ssid24,
            psk24=psk24,
            ssid5=ssid5,
            psk5=psk5,
            customer_name=f"Cliente {self._n}",
            cpf=f"000.000.{self._n:03d}-00",
            status_internet=status_internet,
            onu_mode="R" if model in ONU_MODELS else "B",
            onu_model_text=MODEL_TEXT[model] if model in ONU_MODELS else None,
        )
        self.devices[login] = dev
        return login, dev


def count_sessions(dev: SimDevice) -> dict[str, float]:
    """Watch the device's admin sessions: `max` is the most open at once (a second
    client's login on top of an open session counts, even when it preempts it), `total`
    how many were opened, `longest` the longest one in seconds. Every client logs out when
    done, so a session already open when another opens is a concurrent one."""
    seen = {"max": 0.0, "total": 0.0, "longest": 0.0}
    real_open, real_close = dev.open_session, dev.close_session
    guard = threading.Lock()

    def open_session(client_ip: str, token: str | None = None) -> Any:
        with guard:
            had = dev.current_session() is not None
            got = real_open(client_ip, token)
            if got is not None:
                seen["total"] += 1
                seen["max"] = max(seen["max"], 2 if had else 1)
            return got

    def close_session(token: str | None = None) -> None:
        with guard:
            s = dev.session
            if s is not None and not s.phantom and (token is None or s.token == token):
                seen["longest"] = max(seen["longest"], time.monotonic() - s.opened_at)
            real_close(token)

    dev.open_session = open_session  # type: ignore[method-assign]
    dev.close_session = close_session  # type: ignore[method-assign]
    return seen


@contextmanager
def world(home: Path, models: list[str]) -> Iterator[World]:
    with SimRunner() as runner:
        state = ixc_sim.IxcSimState()
        port = runner.add_app(ixc_sim.build_app(state), "127.0.0.1", 0)
        settings = Settings(home=home)
        vault = Vault.init(settings, force=True)
        for model in models:
            probe: SimDevice = simulator_family(model).new_device(model, random.Random(0))  # type: ignore[attr-defined]
            vault.set_model(model, probe.admin_user, [SecretStr(ADMIN)])
        vault.set_secret("ixc_token", SecretStr(state.token))
        vault.save()
        write_settings(
            home,
            {
                "ixc_url": f"http://127.0.0.1:{port}/webservice/v1",
                "wan_settle_s": 0.1,
                "wan_up_wait_s": 5.0,
            },
        )
        yield World(home=home, runner=runner, ixc=state)
