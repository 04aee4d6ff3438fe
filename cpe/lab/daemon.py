"""The lab process: a simulated fleet and a simulated IXC on loopback, until told to stop.

Started by `cpe lab up` as `python -m cpe.lab.daemon`, with its configuration (including
any planted admin password) on stdin, never on the command line. It writes the lab's
vault, settings.json and lab.json under CPE_HOME, then serves until SIGTERM or a
shutdown request on its control endpoint.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import os
import random
import secrets
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from cpe.lab import plan as P
from cpe.lab.config import LabConfig
from cpe.models import Band
from cpe.settings import Settings, write_settings
from cpe.vault import Vault
from drivers.registry import simulator_family
from drivers.sim import Fault, FleetServer, SimDevice, WifiState
from drivers.sim.server import raise_fd_limit
from inventory.ixc import simulator as ixc_sim

log = logging.getLogger("cpe.lab")


def _candidates(model: str, rng: random.Random) -> list[str]:
    # Two candidates per model, as the runbook's table has; generated, never the real ones.
    return [f"{model.split('-')[0]}-{secrets.token_urlsafe(8)}" for _ in range(2)]


class Lab:
    def __init__(self, cfg: LabConfig) -> None:
        self.cfg = cfg
        self.fleet = FleetServer()
        self.ixc = ixc_sim.IxcSimState()
        self.plans: list[P.DevicePlan] = []
        self.devices: dict[str, SimDevice] = {}
        self.stop_event = asyncio.Event()
        self.control_token = secrets.token_urlsafe(16)
        self._passwords: dict[str, list[str]] = {}
        self._users: dict[str, str | None] = {}

    async def start(self) -> dict[str, Any]:
        cfg = self.cfg
        raise_fd_limit(cfg.size * 3 + 512)
        start = int(os.environ.get("CPE_LAB_BLOCK_START", "0"))
        for _attempt in range(8):
            block = _free_block(cfg.size, start)
            try:
                await self._start_fleet(block)
                break
            except OSError as exc:
                # Another lab grabbed this block meanwhile: take the next one.
                if exc.errno != errno.EADDRINUSE:
                    raise
                await self.fleet.close()
                self.fleet = FleetServer()
                self.ixc = ixc_sim.IxcSimState()
                self.devices.clear()
                start = block + 1
        else:
            raise RuntimeError("no free loopback block for the lab")
        return await self._publish()

    async def _start_fleet(self, block: int) -> None:
        cfg = self.cfg
        self.plans = P.make_plan(
            cfg.size,
            seed=cfg.seed,
            fault_rate=cfg.fault_rate,
            models=cfg.models,
            single_password=cfg.admin_password is not None,
            block=block,
        )
        rng = random.Random(cfg.seed)
        passwords: dict[str, list[str]] = {}
        users: dict[str, str | None] = {}
        for plan in self.plans:
            family = simulator_family(plan.model)
            dev: SimDevice = family.new_device(  # type: ignore[attr-defined]
                plan.model, rng, profile=plan.profile
            )
            if plan.model not in passwords:
                passwords[plan.model] = (
                    [cfg.admin_password.get_secret_value()]
                    if cfg.admin_password
                    else _candidates(plan.model, rng)
                )
                users[plan.model] = dev.admin_user
            cands = passwords[plan.model]
            dev.admin_password = cands[min(plan.admin_candidate, len(cands) - 1)]
            self._configure(dev, plan)
            self.devices[plan.login] = dev
            self._ixc_rows(plan)
            if P.UNREACHABLE in plan.planted:
                continue
            await self.fleet.add_device(dev, family, plan.host, plan.port)  # type: ignore[arg-type]
        self._passwords, self._users = passwords, users

    async def _publish(self) -> dict[str, Any]:
        cfg = self.cfg
        passwords, users = self._passwords, self._users
        ixc_port = await self.fleet.add_app(ixc_sim.build_app(self.ixc), "127.0.0.1", 0)
        control_port = await self.fleet.add_app(self._control_app(), "127.0.0.1", 0)
        ixc_url = f"http://127.0.0.1:{ixc_port}/webservice/v1"
        self._write_vault(passwords, users)
        write_settings(
            cfg.home,
            {
                "ixc_url": ixc_url,
                "ssh_port": cfg.ssh_port,
                "telnet_port": cfg.telnet_port,
                "wan_settle_s": 0.3,
                "wan_up_wait_s": 10.0,
            },
        )
        info = {
            "running": True,
            "pid": os.getpid(),
            "ixc_url": ixc_url,
            "control_port": control_port,
            "control_token": self.control_token,
            "started_at": time.time(),
            "size": cfg.size,
            "devices": [
                {
                    "login": p.login,
                    "model": p.model,
                    "host": p.host,
                    "port": p.port,
                    "planted": p.planted + ([p.fault] if p.fault else []),
                    "profile": p.profile,
                }
                for p in self.plans
            ],
        }
        _write_private_json(cfg.home / "lab.json", info)
        return info

    def _configure(self, dev: SimDevice, plan: P.DevicePlan) -> None:
        dev.label = plan.login
        dev.knobs.latency_ms = self.cfg.latency_ms
        dev.knobs.wan_restart_s = self.cfg.wan_restart_s
        dev.radius = (plan.login, plan.pppoe_password)
        dev.pppoe_user, dev.pppoe_password = plan.login, plan.pppoe_password
        if P.PPPOE in plan.planted:
            dev.pppoe_user = plan.login[:-1] + ("x" if plan.login[-1] != "x" else "y")
        dev.dns = ["8.8.8.8", "8.8.4.4"] if P.DNS in plan.planted else ["1.1.1.1", "1.0.0.1"]
        if plan.model != "tplink-xz000-g3":
            ssid24 = "Casa_Antiga" if P.SSID in plan.planted else plan.ssid24
            psk24 = "senha-antiga-1" if P.WIFI_KEY in plan.planted else plan.psk24
            dev.wifi = {
                Band.GHZ_2_4: WifiState(ssid24, psk24),
                Band.GHZ_5: WifiState(plan.ssid5, plan.psk5),
            }
        else:
            dev.wan_type = "bridge"
        if plan.rx_dbm is not None:
            dev.rx_dbm, dev.tx_dbm = plan.rx_dbm, 2.1
            dev.pon_registered = plan.pon_registered
        if P.BUSY in plan.planted:
            dev.hold_session_elsewhere()
        if P.WEB_DOWN in plan.planted:
            # Web UI only: the Zyxel CLI simulator honours `fault` too, and must answer.
            dev.knobs.web_down = True
        if plan.model == "zyxel":
            dev.extra["cli"] = True
            dev.extra["ssh_port"] = self.cfg.ssh_port
            dev.extra["telnet_port"] = self.cfg.telnet_port
        if plan.fault:
            dev.knobs.fault = Fault(plan.fault)
            dev.knobs.hang_s = 20.0
        dev.evaluate_wan()

    def _ixc_rows(self, plan: P.DevicePlan) -> None:
        status_internet = "A"
        if P.BLOCKED in plan.planted:
            status_internet = "CM" if plan.index % 2 else "CA"
        elif P.LATE in plan.planted:
            status_internet = "FA"
        ixc_sim.add_subscriber(
            self.ixc,
            login=plan.login,
            password=plan.pppoe_password,
            ip=plan.host,
            model_text=P.MODEL_TEXT[plan.model],
            ssid24=plan.ssid24,
            psk24=plan.psk24,
            ssid5=plan.ssid5 if plan.model != "tplink-xz000-g3" else "",
            psk5=plan.psk5 if plan.model != "tplink-xz000-g3" else "",
            status_internet=status_internet,
            status_velocidade="R" if P.REDUCED in plan.planted else "N",
            customer_name=plan.customer,
            cpf=plan.cpf,
            onu_mode=(
                "B" if plan.model in P.ROUTER_MODELS or plan.model == "tplink-xz000-g3" else "R"
            ),
            onu_model_text=P.MODEL_TEXT[plan.model] if plan.model in P.ONU_MODELS else None,
            duplicate_onu_row=P.DUP_ONU in plan.planted,
        )

    def _write_vault(self, passwords: dict[str, list[str]], users: dict[str, str | None]) -> None:
        settings = Settings(home=self.cfg.home)
        vault = Vault.init(settings, force=True)
        for model, cands in passwords.items():
            vault.set_model(model, users[model], [SecretStr(p) for p in cands])
        vault.set_secret("ixc_token", SecretStr(self.ixc.token))
        vault.save()

    def _control_app(self) -> web.Application:
        app = web.Application()

        def authorised(request: web.Request) -> bool:
            return secrets.compare_digest(
                request.headers.get("X-Lab-Token", ""), self.control_token
            )

        async def counters(request: web.Request) -> web.Response:
            if not authorised(request):
                raise web.HTTPForbidden()
            return web.json_response(self.fleet.counters())

        async def shutdown(request: web.Request) -> web.Response:
            if not authorised(request):
                raise web.HTTPForbidden()
            self.stop_event.set()
            return web.json_response({"stopping": True})

        app.router.add_get("/counters", counters)
        app.router.add_post("/shutdown", shutdown)
        return app

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop_event.set)
        await self.start()
        await self.stop_event.wait()
        await self.fleet.close()


def _free_block(size: int, start: int = 0) -> int:
    """The first 127.<block>.0.0/16 whose first and last lab addresses are free on 2389.
    Tests running labs in parallel start their search at different blocks."""
    for offset in range(255):
        block = (start % 255 + offset) % 255
        if block == 127:
            continue
        if all(_bindable(P.host_for(i, block)) for i in (0, size - 1)):
            return block
    raise RuntimeError("no free loopback block for the lab")


def _bindable(host: str) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, 2389))
        except OSError:
            return False
    return True


def _write_private_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1)
    os.replace(tmp, path)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    cfg = LabConfig.model_validate_json(sys.stdin.read())
    lab = Lab(cfg)
    try:
        asyncio.run(lab.run())
    finally:
        info_path = cfg.home / "lab.json"
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
            if info.get("pid") == os.getpid():
                info["running"] = False
                _write_private_json(info_path, info)
        except (OSError, ValueError):
            pass


if __name__ == "__main__":
    main()
