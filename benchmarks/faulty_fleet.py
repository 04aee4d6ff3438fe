"""A faulty fleet, audited end to end: every device accounted for, with the planted verdict,
and the simulators report zero lockouts caused and zero admin sessions left open.

    python benchmarks/faulty_fleet.py [--size 2000] [--fault-rate 0.05] [--concurrency 64]

Runs in a temporary CPE_HOME; prints the classification table and the counters, and exits
non-zero if any device got a verdict other than the planted one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from cpe.lab import control
from cpe.lab import plan as P
from cpe.settings import Settings


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=2000)
    ap.add_argument("--fault-rate", type=float, default=0.05)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--seed", type=int, default=2389)
    args = ap.parse_args()

    home = Path(tempfile.mkdtemp(prefix="cpe-faulty-"))
    os.environ["CPE_HOME"] = str(home)
    settings = Settings(home=home)
    t0 = time.monotonic()
    info = control.up(settings, size=args.size, fault_rate=args.fault_rate, seed=args.seed)
    started = time.monotonic() - t0
    try:
        t1 = time.monotonic()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "cpe",
                "audit",
                "--format",
                "json",
                "--concurrency",
                str(args.concurrency),
            ],
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        took = time.monotonic() - t1
        report = json.loads(proc.stdout)
        counters = control.status(settings)["counters"]
    finally:
        control.down(settings)

    plans = {p.login: p for p in P.make_plan(args.size, seed=args.seed, fault_rate=args.fault_rate)}
    planted = {d["login"]: d for d in info["devices"]}
    got = {d["login"]: d for d in report["devices"]}
    mismatches = []
    table: Counter[tuple[str, str]] = Counter()
    for login, dev in planted.items():
        # Same seed, same plan: the lab's ground truth for this login.
        want = P.expected_verdict(plans[login])
        verdict = got.get(login, {}).get("verdict", "MISSING")
        kind = next((x for x in dev["planted"] if x in P.FAULTS), None) or (
            ",".join(dev["planted"]) or "nothing"
        )
        table[(kind, verdict)] += 1
        if verdict != want:
            mismatches.append((login, dev["planted"], want, verdict))

    print(f"lab of {args.size} devices (fault rate {args.fault_rate}) up in {started:.1f} s")
    print(f"audit: {len(got)} devices in {took:.1f} s at concurrency {args.concurrency}")
    print(f"summary: {report['summary']}")
    print("planted -> verdict:")
    for (kind, verdict), n in sorted(table.items()):
        print(f"  {kind:32s} {verdict:12s} {n}")
    print(f"counters: {counters}")
    print(f"accounted for: {len(got)}/{len(planted)}; mismatches: {len(mismatches)}")
    for m in mismatches[:20]:
        print("  mismatch:", m)
    ok = (
        len(got) == len(planted)
        and not mismatches
        and counters.get("lockouts_caused") == 0
        and counters.get("open_sessions") == 0
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
