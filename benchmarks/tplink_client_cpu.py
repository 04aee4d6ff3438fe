"""Client CPU of the TP-Link driver's `get_status`, per device and per firmware profile
(a benchmark, not a test).

    python benchmarks/tplink_client_cpu.py [--devices 60] [--profiles cbc,gcm,gcm-oaep]
                                           [--cprofile 25] [--versus-session-request]

The simulators run in this process on their own event-loop thread; the driver runs in the
main thread, and only that thread's CPU time is counted (`time.thread_time`), so the
simulators' own work is left out. Each device gets a fresh driver: open (key exchange,
login in the profile the firmware answers, token page), `get_status`, logout, as the audit
does. `--cprofile N` prints the N functions with most own time (thread CPU clock).

`--versus-session-request` alternates, device by device in one process, the driver's lean
request path (drivers/tplink/transport.py) with plain `Session.request`: on a shared,
loaded machine only an interleaved comparison like this one is steady.

Run it against an older tree with PYTHONPATH=<tree> to compare before/after: devices are
set up through both the `profile` knob and the older `cipher` knob.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from pydantic import SecretStr  # noqa: E402

from cpe.models import Credential, Target, Timeouts  # noqa: E402
from drivers.registry import driver_class, simulator_family  # noqa: E402
from drivers.sim import SimRunner  # noqa: E402

PASSWORD = "bench-Admin-pw1"  # noqa: S105 - a simulator's password
MODEL = "tplink-onu"


def _plain_request(self: Any, method: str, url: str, **kw: Any) -> Any:
    return self._session.request(method, url, **kw)


def run(devices: int, profile: str, top: int, versus: bool = False) -> dict[str, float]:
    family = simulator_family(MODEL)
    cls = driver_class(MODEL)
    timeouts = Timeouts(connect_s=2.0, read_s=5.0)
    with SimRunner() as runner:
        targets = []
        for i in range(devices + 1):
            dev = family.new_device(MODEL, random.Random(i))  # type: ignore[attr-defined]
            dev.extra["profile"] = profile
            dev.extra["cipher"] = "gcm" if profile.startswith("gcm") else "cbc"
            dev.admin_password = PASSWORD
            dev.evaluate_wan()
            host, port = runner.add(dev, family, f"127.77.{1 + i // 250}.{1 + i % 250}", 0)
            targets.append(Target(host=host, port=port, model=MODEL))
        cred = Credential(username="admin", passwords=(SecretStr(PASSWORD),))

        def one(target: Target) -> None:
            with cls(target, cred, timeouts=timeouts) as drv:
                drv.get_status()

        one(targets[0])  # warm imports and caches
        lean = getattr(_transport(), "LeanSession", None)
        lean_request = getattr(lean, "request", None)
        prof = cProfile.Profile(time.thread_time) if top else None
        spent = {"lean": 0.0, "Session.request": 0.0}
        if prof:
            prof.enable()
        for i, target in enumerate(targets[1:]):
            kind = "Session.request" if versus and i % 2 else "lean"
            if lean is not None and versus:
                lean.request = lean_request if kind == "lean" else _plain_request
            started = time.thread_time()
            one(target)
            spent[kind] += time.thread_time() - started
        if prof:
            prof.disable()
        if lean is not None and versus:
            lean.request = lean_request
    if prof:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
        print(out.getvalue())
    share = devices / 2 if versus else devices
    return {k: v / share * 1000 for k, v in spent.items() if v}


def _transport() -> Any:
    try:
        from drivers.tplink import transport
    except ImportError:  # an older tree without the lean path
        return None
    return transport


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devices", type=int, default=60)
    ap.add_argument("--profiles", default="cbc,gcm,gcm-oaep")
    ap.add_argument("--cprofile", type=int, default=0, metavar="N")
    ap.add_argument("--versus-session-request", action="store_true")
    args = ap.parse_args()
    for profile in args.profiles.split(","):
        figures = run(args.devices, profile, args.cprofile, args.versus_session_request)
        line = ", ".join(f"{ms:6.2f} ms ({path})" for path, ms in figures.items())
        print(f"{profile:>16}: {line} client CPU per device (get_status, fresh login)")


if __name__ == "__main__":
    main()
