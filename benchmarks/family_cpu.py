"""Client CPU per device, model by model, against a faithful floor (a benchmark, not a test).

    python benchmarks/family_cpu.py [--devices 60] [--models all | zte-onu,fiberhome-onu]
                                    [--cprofile N] [--rounds 3]

Hosts simulated units in-process (the fleet server on its own event-loop thread) and, on
the main thread, runs per device what an audit does: open (login), get_status, close
(logout). Only the main thread's CPU time is counted (`time.thread_time`), so the
simulators' own work stays out. Each model's devices take its simulator's firmware
profiles in turn, as the lab does (`cpe.lab.plan`).

Every device is first audited once untimed, with `HTTPAdapter.send` wrapped to record the
requests exactly as they leave requests (method, URL, headers, body): what the driver
sends, whatever its request path. Then, per round, device by device:

- driver:   a fresh driver, open + get_status + close (what the audit does per device);
- requests: the floor, the recorded requests replayed over a real socket to the same
            simulator with a plain `requests.Session` (fresh per device, cookies kept by
            its jar, no driver, no parsing): same count, same bodies;
- http.client: the same replay with the standard library's `HTTPConnection` (keep-alive,
            cookies kept in a dict): the plainest client there is, for reference.

Rounds interleave the three, and the least CPU of the rounds is kept for each (the usual
way to quote a noisy benchmark on a shared machine). `--cprofile N` prints the N
functions with most own time in the driver passes (thread CPU clock).
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import pstats
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from requests.adapters import HTTPAdapter  # noqa: E402

from cpe.lab.plan import available_lab_models, model_profiles  # noqa: E402
from cpe.models import Credential, Target, Timeouts  # noqa: E402
from drivers.registry import driver_class, simulator_family  # noqa: E402
from drivers.sim import SimDevice, SimRunner  # noqa: E402

PASSWORD = "bench-admin-Pw1"  # noqa: S105 - a throwaway lab password
TIMEOUTS = Timeouts(connect_s=3.0, read_s=10.0)
#: (method, URL, headers as sent, body, status or -1)
Call = tuple[str, str, dict[str, str], bytes | None, int]
#: Headers the replays leave to their client: the cookie store and the body's length.
_CLIENT_SET = frozenset({"cookie", "content-length", "host"})


@contextmanager
def recording(sink: Callable[[Call], None]) -> Iterator[None]:
    """Every request any requests adapter sends, as it goes on the wire."""
    original = HTTPAdapter.send

    def send(self: HTTPAdapter, request: requests.PreparedRequest, *a: Any, **kw: Any) -> Any:
        body = request.body
        raw = body.encode() if isinstance(body, str) else body
        call = (str(request.method), str(request.url), dict(request.headers), raw)
        try:
            resp = original(self, request, *a, **kw)
        except requests.RequestException:
            sink((*call, -1))
            raise
        sink((*call, resp.status_code))
        return resp

    HTTPAdapter.send = send  # type: ignore[method-assign]
    try:
        yield
    finally:
        HTTPAdapter.send = original  # type: ignore[method-assign]


def audit_one(model: str, host: str, port: int, user: str | None) -> None:
    cls = driver_class(model)
    cred = Credential(username=user, passwords=(SecretStr(PASSWORD),))
    drv = cls(Target(host=host, port=port, model=model), cred, timeouts=TIMEOUTS)
    with drv:
        drv.get_status()


def replay_requests(calls: list[Call]) -> int:
    """The floor: a plain requests.Session, fresh per device, as a driver's is."""
    session = requests.Session()
    session.trust_env = False
    bad = 0
    try:
        for method, url, headers, body, status in calls:
            sent = {k: v for k, v in headers.items() if k.lower() not in _CLIENT_SET}
            try:
                resp = session.request(
                    method, url, headers=sent, data=body, timeout=(5, 15), allow_redirects=False
                )
                _ = resp.content
            except requests.RequestException:
                bad += status != -1
                continue
            bad += resp.status_code != status
    finally:
        session.close()
    return bad


def replay_http_client(calls: list[Call]) -> int:
    """The plainest client: one keep-alive HTTPConnection, cookies in a dict."""
    conns: dict[str, http.client.HTTPConnection] = {}
    jar: dict[str, str] = {}
    bad = 0
    try:
        for method, url, headers, body, status in calls:
            parts = urlsplit(url)
            conn = conns.get(parts.netloc)
            if conn is None:
                conn = conns[parts.netloc] = http.client.HTTPConnection(parts.netloc, timeout=15)
            sent = {k: v for k, v in headers.items() if k.lower() not in _CLIENT_SET}
            if jar:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
            path = parts.path + ("?" + parts.query if parts.query else "")
            try:
                conn.request(method, path or "/", body=body, headers=sent)
                resp = conn.getresponse()
                resp.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                bad += status != -1
                continue
            for value in resp.headers.get_all("Set-Cookie") or ():
                name, _, rest = value.partition("=")
                jar[name.strip()] = rest.split(";", 1)[0]
            bad += resp.status != status
    finally:
        for conn in conns.values():
            conn.close()
    return bad


def _devices(model: str, count: int) -> list[SimDevice]:
    family = simulator_family(model)
    profiles = model_profiles(model) or (None,)
    rng = random.Random(11)
    out = []
    for i in range(count):
        profile = profiles[i % len(profiles)]
        dev: SimDevice = family.new_device(model, rng, profile=profile)  # type: ignore[attr-defined]
        dev.admin_password = PASSWORD
        out.append(dev)
    return out


def measure(
    runner: SimRunner, model: str, count: int, block: int, rounds: int,
    prof: cProfile.Profile | None,
) -> dict[str, float]:
    family = simulator_family(model)
    units = []
    for i, dev in enumerate(_devices(model, count)):
        host = f"127.{block}.{1 + i // 250}.{1 + i % 250}"
        units.append((dev, *runner.add(dev, family, host, 0)))  # type: ignore[arg-type]
    plans: list[list[Call]] = []
    for dev, host, port in units:  # untimed: records, and warms imports and caches
        calls: list[Call] = []
        with recording(calls.append):
            try:
                audit_one(model, host, port, dev.admin_user)
            except Exception as exc:
                print(f"  {model}: {type(exc).__name__}: {exc}", file=sys.stderr)
        plans.append(calls)
    best: dict[str, float] = {}
    mismatched = 0
    for _ in range(rounds):
        spent = {"driver": 0.0, "requests": 0.0, "http.client": 0.0}
        mismatched = 0
        for (dev, host, port), calls in zip(units, plans, strict=True):
            t0 = time.thread_time()
            if prof is not None:
                prof.enable()
            try:
                audit_one(model, host, port, dev.admin_user)
            except Exception:  # noqa: S110 - reported by the recording pass
                pass
            if prof is not None:
                prof.disable()
            t1 = time.thread_time()
            mismatched += replay_requests(calls)
            t2 = time.thread_time()
            replay_http_client(calls)
            t3 = time.thread_time()
            spent["driver"] += t1 - t0
            spent["requests"] += t2 - t1
            spent["http.client"] += t3 - t2
        for k, v in spent.items():
            best[k] = min(best.get(k, v), v)
    out = {k: 1000 * v / count for k, v in best.items()}
    out["requests/dev"] = sum(len(c) for c in plans) / count
    out["mismatched"] = mismatched
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=60)
    parser.add_argument("--models", default="all")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cprofile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    models = available_lab_models() if args.models == "all" else args.models.split(",")
    prof = cProfile.Profile(time.thread_time) if args.cprofile else None
    print(f"{'model':18} {'req/dev':>7} {'driver':>8} {'floor':>8} {'ratio':>6} "
          f"{'http.client':>11}   (ms client CPU per device, best of {args.rounds})")
    total = {"driver": 0.0, "requests": 0.0, "http.client": 0.0}
    with SimRunner() as runner:
        for k, model in enumerate(models):
            r = measure(runner, model, args.devices, 160 + k, args.rounds, prof)
            for key in total:
                total[key] += r[key] / len(models)
            note = f"  ({r['mismatched']:.0f} replayed answers differed)" if r["mismatched"] else ""
            print(f"{model:18} {r['requests/dev']:7.1f} {r['driver']:8.2f} {r['requests']:8.2f} "
                  f"{r['driver'] / r['requests']:6.2f} {r['http.client']:11.2f}{note}", flush=True)
    print(f"{'mixed (mean)':18} {'':7} {total['driver']:8.2f} {total['requests']:8.2f} "
          f"{total['driver'] / total['requests']:6.2f} {total['http.client']:11.2f}")
    if prof is not None:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(args.cprofile)
        print(out.getvalue())


if __name__ == "__main__":
    main()
