"""Client CPU per Zyxel device: open + get_status + close with the web driver.

    python benchmarks/zyxel_client_cpu.py [--devices 200] [--profile aes] [--top 25]

Issue 14 measured ~16 ms of client CPU per device on a mixed fleet and suspected the
RSA+AES login of the crypto-heavy families. This runs the real web driver against
simulated routers on 127.0.0.1 and charges only the client: the simulator runs on its own
thread, and `time.thread_time()` counts the CPU of the calling thread alone. `--top N`
adds a cProfile of the same loop (its own pass, since profiling slows everything down).
One JSON line: devices, ms of client CPU per device (median and best of the passes: on a
shared machine the best is the steadier figure), wall ms, and where the CPU goes: HTTP
requests per device and the client CPU spent inside them, and inside the payload crypto
(`drivers/zyxel/crypto.py`), each counted on the client thread only.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic import SecretStr

import drivers.http
import drivers.zyxel.crypto
from cpe.models import Credential, Target, Timeouts
from drivers.sim import SimDevice, SimRunner
from drivers.zyxel.simulator import ZyxelFamily
from drivers.zyxel.web import ZyxelWebDriver

PASSWORD = "bench-Admin-Pw1"  # noqa: S105 - the lab's own throwaway password
TIMEOUTS = Timeouts(connect_s=2.0, read_s=10.0)


class _Meter:
    """Client-thread CPU spent inside some functions (the simulator's thread, which calls
    the same crypto module, is not counted)."""

    def __init__(self) -> None:
        self.client = threading.get_ident()
        self.cpu: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, owner: Any, name: str, label: str) -> None:
        inner: Callable[..., Any] = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            if threading.get_ident() != self.client:
                return inner(*args, **kwargs)
            start = time.thread_time()
            try:
                return inner(*args, **kwargs)
            finally:
                self.cpu[label] = self.cpu.get(label, 0.0) + time.thread_time() - start
                self.calls[label] = self.calls.get(label, 0) + 1

        setattr(owner, name, timed)

    def reset(self) -> None:
        self.cpu.clear()
        self.calls.clear()


def _devices(runner: SimRunner, count: int, profile: str | None) -> list[tuple[str, int]]:
    family = ZyxelFamily()
    rng = random.Random(2389)
    out = []
    for _ in range(count):
        dev: SimDevice = family.new_device("zyxel", rng, profile=profile)
        dev.admin_password = PASSWORD
        dev.evaluate_wan()
        out.append(runner.add(dev, family, "127.0.0.1", 0))
    return out


def _one(host: str, port: int) -> None:
    target = Target(host=host, port=port, model="zyxel")
    cred = Credential(username="supervisor", passwords=(SecretStr(PASSWORD),))
    driver = ZyxelWebDriver(target, cred, timeouts=TIMEOUTS)
    driver.open()
    try:
        driver.get_status()
    finally:
        driver.close()


def _pass(addresses: list[tuple[str, int]]) -> tuple[float, float]:
    cpu0, wall0 = time.thread_time(), time.perf_counter()
    for host, port in addresses:
        _one(host, port)
    return time.thread_time() - cpu0, time.perf_counter() - wall0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--profile", default=None, help="simulator firmware profile")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--top", type=int, default=0, help="also print a cProfile top N")
    args = parser.parse_args()
    meter = _Meter()
    meter.wrap(drivers.http.HttpChannel, "request", "http")
    crypto = drivers.zyxel.crypto
    for name in ("seal", "open_sealed", "wrap_key", "load_public_key", "new_key"):
        if hasattr(crypto, name):
            meter.wrap(crypto, name, "crypto")
    with SimRunner() as runner:
        addresses = _devices(runner, args.devices, args.profile)
        _pass(addresses[:10])  # warm-up: imports, key caches, connection set-up
        meter.reset()
        runs = [_pass(addresses) for _ in range(args.passes)]
        n = args.devices * args.passes
        per_device = [1000 * r[0] / args.devices for r in runs]
        print(
            json.dumps(
                {
                    "devices": args.devices,
                    "profile": args.profile or "default",
                    "client_cpu_ms_per_device": round(statistics.median(per_device), 3),
                    "client_cpu_ms_per_device_best": round(min(per_device), 3),
                    "wall_ms_per_device": round(
                        1000 * statistics.median(r[1] for r in runs) / args.devices, 3
                    ),
                    "http_requests_per_device": round(meter.calls.get("http", 0) / n, 2),
                    "http_cpu_ms_per_device": round(1000 * meter.cpu.get("http", 0) / n, 3),
                    "crypto_cpu_ms_per_device": round(1000 * meter.cpu.get("crypto", 0) / n, 3),
                }
            )
        )
        if args.top:
            prof = cProfile.Profile(time.thread_time)
            prof.enable()
            _pass(addresses)
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
