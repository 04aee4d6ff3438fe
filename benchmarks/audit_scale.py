"""Audit at scale, against its yardsticks, from one run (a benchmark, not a test).

    python benchmarks/audit_scale.py [--size 10000] [--latency-ms 20] [--concurrency 32]
                                     [--models mercusys-ac12g,mercusys-mr30g | all]

1. starts a lab of N devices with the injected latency (and reports how long it took);
2. records, per device, the HTTP requests the driver makes (untimed; also warms the lab);
3. runs, each in its own process so CPU time and peak RSS are its own:
   - `cpe audit` end to end (IXC inventory, device locks, journal, JSON report);
   - Nornir's ThreadedRunner at the same worker count calling the same drivers;
   - a bare `requests` loop in a thread pool of the same size replaying the recorded
     requests: the floor. Faithful: the requests are recorded where they leave requests
     (`HTTPAdapter.send`, whatever path the driver takes to it), so the loop sends the
     same count, with the same headers and bodies, over real sockets to the same
     simulators, with a plain `requests.Session` per device (cookies kept by its jar);
4. prints devices/s, client CPU seconds per device, peak RSS and PSS, and the ratios
   against the targets (CPU/device <= 1.3x the floor, wall time <= Nornir's, peak
   memory <= 150 MB);
5. prints, per model, the client CPU per device of the driver (its thread's CPU time in
   the recording pass) beside the floor's (the bare loop's, per device).

The default fleet is the Mercusys classic family: its session token depends only on the
password and a nonce fixed per boot and client address (protocol note section 1), so the
floor's replay is a valid session, byte for byte. Other families sign or encrypt each
login afresh; with `--models all` the replay is only approximate (the script says how
many replayed answers differed).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_MODELS = "mercusys-ac12g,mercusys-mr30g"


@dataclass
class Measure:
    name: str
    wall_s: float
    cpu_s: float
    rss_mb: float
    devices: int
    note: str = ""
    sys_s: float = 0.0
    #: Peak of the summed PSS of the process tree (forked workers share pages).
    pss_mb: float = 0.0
    #: Client CPU ms per device and model (the bare loop measures it per device).
    per_model: dict[str, float] = field(default_factory=dict)

    @property
    def per_s(self) -> float:
        return self.devices / self.wall_s if self.wall_s else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_s / self.devices if self.devices else 0.0


def measured(
    name: str, cmd: list[str], env: dict[str, str], devices: int, cwd: Path | None = None
) -> tuple[Measure, str]:
    """Run `cmd` under contenders.py's `measure` launcher: wall time here, CPU and peak
    RSS of `cmd` alone from the launcher (see its docstring for why)."""
    with tempfile.NamedTemporaryFile(prefix="rusage-", suffix=".json", delete=False) as tmp:
        result = Path(tmp.name)
    launcher = [sys.executable, str(ROOT / "benchmarks" / "contenders.py"), "measure"]
    started = time.monotonic()
    proc = subprocess.run(
        [*launcher, str(result), "--", *cmd],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,  # `python -m` imports from its working directory first
    )
    wall = time.monotonic() - started
    try:
        usage = json.loads(result.read_text())
    finally:
        result.unlink(missing_ok=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit(f"{name} failed with exit code {proc.returncode}")
    # Peak RSS summed over the process tree (a forked worker's shared pages counted in
    # each process: the conservative figure), never below the largest single process.
    rss = max(usage["maxrss_mb"], usage["tree_rss_mb"])
    m = Measure(
        name, wall, usage["cpu_s"], rss, devices, sys_s=usage["sys_s"], pss_mb=usage["tree_pss_mb"]
    )
    return m, proc.stdout


def record(home: Path, concurrency: int) -> tuple[dict[str, Any], int]:
    """Every device's requests, as its driver sends them (the floor replays them).

    Recorded where every request leaves requests (`HTTPAdapter.send`: whatever path the
    driver takes to it, lean or not), with the headers and body as sent. Also keeps each
    device's client CPU in this pass (its thread's CPU time: recording is a list append),
    for the per-model table."""
    from requests.adapters import HTTPAdapter

    from cpe.actions import open_driver
    from cpe.context import Context
    from cpe.errors import CpeError
    from cpe.settings import load_settings

    ctx = Context(settings=load_settings(home=home), operator="bench-record")
    subs = list(ctx.inventory.iter_subscribers())
    _ = ctx.vault
    local = threading.local()
    original = HTTPAdapter.send

    def recording(self: HTTPAdapter, request: Any, *a: Any, **kw: Any) -> Any:
        body = request.body
        raw = body.encode() if isinstance(body, str) else body
        call = (request.method, request.url, dict(request.headers), raw)
        calls = getattr(local, "calls", None)
        try:
            resp = original(self, request, *a, **kw)
        except Exception:
            if calls is not None:
                calls.append((*call, -1))
            raise
        if calls is not None:
            calls.append((*call, resp.status_code))
        return resp

    def one(sub: Any) -> tuple[str, dict[str, Any]]:
        local.calls = []
        started = time.thread_time()
        try:
            drv = open_driver(ctx, sub)
            with drv:
                drv.get_status()
        except CpeError:
            pass
        cpu = time.thread_time() - started
        return sub.login, {"model": sub.model or "?", "calls": local.calls, "cpu_s": cpu}

    HTTPAdapter.send = recording  # type: ignore[method-assign]
    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            plan = dict(pool.map(one, subs))
    finally:
        HTTPAdapter.send = original  # type: ignore[method-assign]
    return plan, len(subs)


def per_model(plan: dict[str, Any], floor: dict[str, float]) -> None:
    """Client CPU per device and model: the driver (recording pass) beside the floor."""
    by: dict[str, list[float]] = {}
    reqs: dict[str, int] = {}
    for entry in plan.values():
        by.setdefault(entry["model"], []).append(entry["cpu_s"])
        reqs[entry["model"]] = reqs.get(entry["model"], 0) + len(entry["calls"])
    print(f"{'per model':20} {'devices':>8} {'req/dev':>8} {'driver ms/dev':>14} "
          f"{'floor ms/dev':>13} {'ratio':>6}")
    for model in sorted(by):
        cpus = by[model]
        drv = 1000 * sum(cpus) / len(cpus)
        fl = floor.get(model, 0.0)
        ratio = f"{drv / fl:6.2f}" if fl else "     -"
        print(f"{model:20} {len(cpus):8} {reqs[model] / len(cpus):8.1f} {drv:14.2f} "
              f"{fl:13.2f} {ratio}")
    print("(driver: the recording pass, 32 threads in one process; floor: the best bare "
          "round; each device's thread CPU time)")


def _best(ms: list[Measure]) -> Measure:
    """Best round: least CPU per device, with that contender's best wall time and peak RSS
    (the usual way to quote a noisy benchmark: the others ran into interference)."""
    out = min(ms, key=lambda m: m.cpu_s)
    return Measure(
        out.name,
        min(m.wall_s for m in ms),
        out.cpu_s,
        max(m.rss_mb for m in ms),
        out.devices,
        out.note,
        out.sys_s,
        max(m.pss_mb for m in ms),
        out.per_model,
    )


def _contenders(
    home: Path,
    recording: Path,
    concurrency: int,
    env: dict[str, str],
    baseline: Path | None = None,
) -> dict[str, Any]:
    py = sys.executable
    conc = str(concurrency)
    tool = str(ROOT / "benchmarks" / "contenders.py")
    report = home / "report.json"

    def audit(
        n: int, name: str = "cpe audit", run_env: dict[str, str] = env, cwd: Path = ROOT
    ) -> Measure:
        cmd = [py, "-m", "cpe", "audit", "--concurrency", conc]
        cmd += ["--format", "json", "--output", str(report)]
        m, _ = measured(name, cmd, run_env, n, cwd)
        summary = json.loads(report.read_text())["summary"]
        m.note = ", ".join(f"{k} {v}" for k, v in summary.items() if v)
        return m

    def nornir(n: int) -> Measure:
        m, out = measured("nornir threaded", [py, tool, "nornir", "--concurrency", conc], env, n)
        m.note = f"{json.loads(out)['ok']} hosts without exception"
        return m

    def bare(n: int) -> Measure:
        cmd = [py, tool, "bare", "--concurrency", conc, "--recording", str(recording)]
        m, out = measured("bare requests loop", cmd, env, n)
        got = json.loads(out)
        m.note = f"{got['mismatched']} replayed answers differed from the recording"
        m.per_model = got.get("per_model_ms", {})
        return m

    out = {"cpe audit": audit, "nornir threaded": nornir, "bare requests loop": bare}
    if baseline is not None:
        # The same audit from another tree's code, on the same lab, in the same rounds.
        other = env | {"PYTHONPATH": str(baseline)}
        out["cpe audit (baseline)"] = lambda n: audit(n, "cpe audit (baseline)", other, baseline)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--latency-ms", type=float, default=20.0)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--models", default=DEFAULT_MODELS, help="comma-separated keys, or 'all'")
    ap.add_argument("--rounds", type=int, default=2, help="runs of each contender (best kept)")
    ap.add_argument("--keep", action="store_true", help="keep the lab and its CPE_HOME")
    ap.add_argument(
        "--baseline-tree",
        type=Path,
        help="also run `cpe audit` from this source tree (e.g. a checkout of main), "
        "interleaved with this tree's on the same lab: a before/after on equal terms",
    )
    ap.add_argument(
        "--no-nornir",
        action="store_true",
        help="leave Nornir out (saves a third of the run; no wall-time ratio then)",
    )
    ap.add_argument(
        "--engine",
        choices=("local", "celery"),
        default="local",
        help="celery: the in-process audit beside `cpe audit --engine celery` on N workers",
    )
    ap.add_argument("--workers", type=int, default=2, help="Celery workers (with --engine celery)")
    args = ap.parse_args()

    from cpe.lab import control
    from cpe.settings import Settings

    home = Path(tempfile.mkdtemp(prefix="cpe-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPE_")}
    env |= {"CPE_HOME": str(home), "PYTHONPATH": str(ROOT)}
    os.environ["CPE_HOME"] = str(home)
    models = None if args.models == "all" else args.models.split(",")
    settings = Settings(home=home)
    print(f"lab: {args.size} devices, {args.latency_ms:g} ms latency, models {args.models}")
    t0 = time.monotonic()
    info = control.up(
        settings, size=args.size, latency_ms=args.latency_ms, models=models, timeout_s=600
    )
    lab_start = time.monotonic() - t0
    print(f"lab up in {lab_start:.1f} s ({len(info['devices'])} devices)")
    try:
        if args.engine == "celery":
            celery_vs_local(home, env, args, len(info["devices"]))
            return
        t0 = time.monotonic()
        plan, n = record(home, args.concurrency)
        recording = home / "recording.pickle"
        with recording.open("wb") as fh:
            pickle.dump(plan, fh, protocol=5)
        calls = sum(len(v["calls"]) for v in plan.values())
        print(
            f"recorded {calls} requests ({calls / max(n, 1):.1f} per device) "
            f"in {time.monotonic() - t0:.1f} s (warm-up, untimed)"
        )
        contenders = _contenders(home, recording, args.concurrency, env, args.baseline_tree)
        if args.no_nornir:
            del contenders["nornir threaded"]
        rounds: dict[str, list[Measure]] = {name: [] for name in contenders}
        names = list(contenders)
        for r in range(args.rounds):
            # Rotate the order so no contender always runs on a warmer (or busier) lab.
            for name in names[r % len(names) :] + names[: r % len(names)]:
                m = contenders[name](n)
                rounds[name].append(m)
                print(
                    f"  round {r + 1}: {name:20} {m.wall_s:6.1f} s wall, "
                    f"{m.cpu_ms:5.2f} ms CPU/device "
                    f"({1000 * m.sys_s / max(m.devices, 1):4.2f} in the kernel), "
                    f"{m.rss_mb:5.0f} MB",
                    flush=True,
                )
        best = {name: _best(ms) for name, ms in rounds.items()}
        audit, bare = best["cpe audit"], best["bare requests loop"]
        nornir = best.get("nornir threaded")
        print()
        label = "best of " + str(args.rounds) if args.rounds > 1 else "one round"
        cols = f"{'wall s':>8} {'dev/s':>8} {'CPU s':>8} {'CPU ms/dev':>11} {'peak RSS MB':>12}"
        print(f"{label:20} {cols}")
        base = best.get("cpe audit (baseline)")
        for m in (audit, base, nornir, bare):
            if m is None:
                continue
            print(
                f"{m.name:20} {m.wall_s:8.1f} {m.per_s:8.1f} {m.cpu_s:8.1f} {m.cpu_ms:11.2f} "
                f"{m.rss_mb:12.1f}   {m.note}"
            )
        cpu_ratio = audit.cpu_ms / bare.cpu_ms
        print()
        print(f"lab start ({args.size} devices): {lab_start:.1f} s")
        print(f"client CPU per device, audit / bare loop: {cpu_ratio:.2f}x  (target <= 1.3)")
        if base is not None:
            print(
                f"client CPU per device, baseline audit / bare loop: "
                f"{base.cpu_ms / bare.cpu_ms:.2f}x; audit / baseline: "
                f"{audit.cpu_ms / base.cpu_ms:.2f}x; baseline peak RSS {base.rss_mb:.0f} MB "
                f"(PSS {base.pss_mb:.0f} MB)"
            )
        if nornir is not None:
            print(f"client CPU per device, nornir / bare loop: {nornir.cpu_ms / bare.cpu_ms:.2f}x")
            wall_ratio = audit.wall_s / nornir.wall_s
            print(f"wall time, audit / nornir: {wall_ratio:.2f}x  (target <= 1.0)")
        print(f"wall time, audit / bare loop: {audit.wall_s / bare.wall_s:.2f}x")
        print(
            f"peak RSS of the audit, all its processes: {audit.rss_mb:.0f} MB "
            f"(PSS {audit.pss_mb:.0f} MB)  (target <= 150 MB for 10,000)"
        )
        print()
        per_model(plan, bare.per_model)
    finally:
        if args.keep:
            print(f"lab kept: export CPE_HOME={home}")
        else:
            control.down(settings)
            shutil.rmtree(home, ignore_errors=True)


def celery_vs_local(home: Path, env: dict[str, str], args: argparse.Namespace, n: int) -> None:
    """The in-process audit and the Celery engine on the same lab, with the ratios."""
    from benchmarks.celery_contender import CeleryFleet

    py, conc = sys.executable, str(args.concurrency)
    report = home / "report.json"
    fleet = CeleryFleet(home, args.workers, args.concurrency, env)
    fleet.start()
    redis_cpu = 0.0
    try:
        rounds: dict[str, list[Measure]] = {"cpe audit (in process)": [], "cpe audit (celery)": []}
        for r in range(args.rounds):
            for name in rounds:
                engine = "celery" if "celery" in name else "local"
                cmd = [py, "-m", "cpe", "audit", "--engine", engine, "--no-progress"]
                if engine == "local":
                    cmd += ["--concurrency", conc]
                cmd += ["--format", "json", "--output", str(report)]
                before, redis_before = fleet.cpu()
                m, _ = measured(name, cmd, env | {"CPE_BROKER_URL": fleet.url}, n)
                after, redis_after = fleet.cpu()
                if engine == "celery":
                    m.note = f"caller {1000 * m.cpu_s / n:.2f} ms/device"
                    m.cpu_s += after - before  # the workers' share of the work
                    m.rss_mb += fleet.rss_mb()
                    redis_cpu = redis_after - redis_before
                summary = json.loads(report.read_text())["summary"]
                m.note += ("; " if m.note else "") + ", ".join(
                    f"{k} {v}" for k, v in summary.items() if v
                )
                rounds[name].append(m)
                print(
                    f"  round {r + 1}: {name:24} {m.wall_s:6.1f} s wall, "
                    f"{m.cpu_ms:5.2f} ms CPU/device, {m.rss_mb:5.0f} MB",
                    flush=True,
                )
    finally:
        fleet.stop()
    local, remote = (_best(ms) for ms in rounds.values())
    print()
    cols = f"{'wall s':>8} {'dev/s':>8} {'CPU s':>8} {'CPU ms/dev':>11} {'peak RSS MB':>12}"
    print(f"{'':24} {cols}")
    for m in (local, remote):
        print(
            f"{m.name:24} {m.wall_s:8.1f} {m.per_s:8.1f} {m.cpu_s:8.1f} {m.cpu_ms:11.2f} "
            f"{m.rss_mb:12.1f}   {m.note}"
        )
    print()
    print(
        f"client CPU per device, celery (caller + {args.workers} workers) / in process: "
        f"{remote.cpu_ms / local.cpu_ms:.2f}x  (target <= 1.15)"
    )
    print(f"wall time, celery / in process: {remote.wall_s / local.wall_s:.2f}x")
    print(f"redis-server CPU (a server, like the lab): {1000 * redis_cpu / n:.2f} ms/device")


if __name__ == "__main__":
    main()
