"""Client CPU per device for the crypto-heavy ONU families (a benchmark, not a test).

    python benchmarks/onu_client_cpu.py [--devices 200] [--models zte-onu,fiberhome-onu]
                                        [--profile] [--top 25]

Hosts simulated units in-process (the fleet server on its own thread) and, on the main
thread, runs what an audit does per device: open (login), get_status, close (logout).
Only the main thread's CPU time is counted (`time.thread_time`), so the simulator's own
crypto (RSA decryption of each `Check`, AES of every answer) stays out of the figure.
Each firmware profile of a model gets its own line. `--profile` adds a cProfile of the
client thread, sorted by own time, to show where the milliseconds go.

Issue 14 (120 devices each, same loaded 2-core machine, one run; Mercusys as yardstick):

    before  zte-onu 82.7 ms   fiberhome-onu 32.8 ms   mercusys-ac12g 10.2 ms
    after   zte-onu 46.8 ms (thinklua), 59.6 ms (thinklua-activate)
            fiberhome-onu 22.7 ms (acs-random), 21.1 ms (fixed-key)   mercusys 9.8 ms

Where it went: ZTE parsed every XML answer with BeautifulSoup (now a linear tokenizer)
and made 18 requests per read (17 now, 21 on thinklua-activate units: / is reloaded
after login only when the unit wants it); Fiberhome made 12 (9 now: no GET / before
detection, POSTs reuse the last answer's sessionid). Crypto was never the cost: a status
read signs nothing (`Check` is only on writes), and the ZTE key is now parsed once per
process and only when a write needs it.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402

from cpe.models import Credential, Target, Timeouts  # noqa: E402
from drivers.registry import driver_class, simulator_family  # noqa: E402
from drivers.sim import SimDevice, SimRunner  # noqa: E402

PASSWORD = "bench-admin-Pw1"  # noqa: S105 - a throwaway lab password
TIMEOUTS = Timeouts(connect_s=3.0, read_s=10.0)


def _devices(model: str, profile: str | None, count: int) -> list[SimDevice]:
    family = simulator_family(model)
    rng = random.Random(11)
    out = []
    for _ in range(count):
        dev: SimDevice = family.new_device(model, rng, profile=profile)  # type: ignore[attr-defined]
        dev.admin_password = PASSWORD
        out.append(dev)
    return out


def _one(model: str, host: str, port: int, user: str | None) -> None:
    cls = driver_class(model)
    cred = Credential(username=user, passwords=(SecretStr(PASSWORD),))
    drv = cls(Target(host=host, port=port, model=model), cred, timeouts=TIMEOUTS)
    with drv:
        drv.get_status()


def measure(
    runner: SimRunner, model: str, profile: str | None, count: int, prof: cProfile.Profile | None
) -> float:
    family = simulator_family(model)
    addrs = []
    for i, dev in enumerate(_devices(model, profile, count)):
        host = f"127.0.{200 + i // 250}.{1 + i % 250}"
        addrs.append((dev, *runner.add(dev, family, host, 0)))  # type: ignore[arg-type]
    _one(model, addrs[0][1], addrs[0][2], addrs[0][0].admin_user)  # warm imports and caches
    start = time.thread_time()
    if prof is not None:
        prof.enable()
    for dev, host, port in addrs[1:]:
        _one(model, host, port, dev.admin_user)
    if prof is not None:
        prof.disable()
    return 1000 * (time.thread_time() - start) / (count - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--models", default="zte-onu,fiberhome-onu")
    parser.add_argument("--profile", action="store_true", help="cProfile the client thread")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    prof = cProfile.Profile() if args.profile else None
    with SimRunner() as runner:
        for model in args.models.split(","):
            family = simulator_family(model)
            profiles = tuple(getattr(family, "profiles", {}).get(model, ())) or (None,)
            for profile in profiles:
                ms = measure(runner, model, profile, args.devices, prof)
                print(f"{model:16} {profile or '-':22} {ms:6.2f} ms client CPU per device")
    if prof is not None:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
