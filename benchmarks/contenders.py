"""The two yardsticks `audit_scale.py` runs as separate processes (so each one's CPU and
peak RSS are its own):

    python benchmarks/contenders.py nornir --concurrency N
        Nornir 3 with its ThreadedRunner at N workers; the inventory comes from the same
        IXC source, and each host's task calls the same driver (open_driver, get_status,
        find_drifts). Results stay in Nornir's AggregatedResult, as Nornir does.

    python benchmarks/contenders.py bare --concurrency N --recording FILE
        The floor: a bare `requests` loop in a ThreadPoolExecutor of N that replays, per
        device, the exact HTTP requests the driver made in the recording pass (same
        count, headers and bodies, as recorded at `HTTPAdapter.send`; a plain Session per
        device keeps the cookies), with no driver, no parsing, no inventory, no journal.
        Also reports each model's client CPU per device (thread CPU time).

Each prints one JSON line: {"devices": n, "ok": n, "mismatched": n}.

    python benchmarks/contenders.py measure RESULT_FILE -- CMD...
        Runs CMD and writes its CPU time (worker processes included) and peak memory to
        RESULT_FILE: ru_maxrss (the largest single process) and, sampled at 4 Hz, the
        peak of the summed RSS and PSS of CMD's whole process tree. A child's ru_maxrss
        starts at its parent's RSS at fork time (Linux keeps it across exec), so CMD must
        be forked from this small, freshly exec'd process, not from the benchmark, which
        holds the recording.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

#: (method, URL, headers as sent, body, status or -1), per device.
Recorded = list[tuple[str, str, dict[str, str], bytes | None, int]]


def nornir_run(concurrency: int) -> dict[str, int]:
    from nornir.core import Nornir
    from nornir.core.inventory import Host, Hosts, Inventory
    from nornir.core.task import Result, Task
    from nornir.plugins.runners import ThreadedRunner

    from cpe.actions import open_driver
    from cpe.context import Context
    from cpe.drift import drift_names, find_drifts

    ctx = Context(operator="bench-nornir")
    _ = ctx.vault
    hosts = Hosts()
    for sub in ctx.inventory.iter_subscribers():
        hosts[sub.login] = Host(name=sub.login, hostname=sub.host, port=sub.port, data={"sub": sub})
    nr = Nornir(inventory=Inventory(hosts=hosts), runner=ThreadedRunner(num_workers=concurrency))

    def audit(task: Task) -> Result:
        sub = task.host.data["sub"]
        drv = open_driver(ctx, sub)
        with drv:
            st = drv.get_status()
        drifts = find_drifts(st, sub, type(drv).capabilities, ctx.settings)
        return Result(host=task.host, result={"drifts": drift_names(drifts)})

    agg = nr.run(task=audit)
    ok = sum(1 for r in agg.values() if not r.failed)
    return {"devices": len(agg), "ok": ok, "mismatched": 0}


#: Headers the floor leaves to its client: the cookie jar's and the body's length.
_CLIENT_SET = frozenset({"cookie", "content-length", "host"})


def bare_run(concurrency: int, recording: Path) -> dict[str, Any]:
    import threading
    import time

    import requests

    with recording.open("rb") as fh:
        plan: dict[str, dict[str, Any]] = pickle.load(fh)  # noqa: S301 - our own file

    def one(entry: dict[str, Any]) -> tuple[bool, int, str, float]:
        started = time.thread_time()
        session = requests.Session()
        session.trust_env = False
        bad = 0
        try:
            calls: Recorded = entry["calls"]
            for method, url, headers, body, status in calls:
                sent = {k: v for k, v in headers.items() if k.lower() not in _CLIENT_SET}
                try:
                    resp = session.request(
                        method, url, headers=sent, data=body, timeout=(5, 15),
                        allow_redirects=False,
                    )
                except requests.RequestException:
                    bad += status != -1
                    continue
                bad += resp.status_code != status
        finally:
            session.close()
        return bad == 0, bad, entry["model"], time.thread_time() - started

    ok = mismatched = 0
    cpu: dict[str, list[float]] = {}
    lock = threading.Lock()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for good, bad, model, spent in pool.map(one, plan.values()):
            ok += good
            mismatched += bad
            with lock:
                cpu.setdefault(model, []).append(spent)
    per_model = {m: 1000 * sum(v) / len(v) for m, v in cpu.items()}
    return {"devices": len(plan), "ok": ok, "mismatched": mismatched, "per_model_ms": per_model}


def _tree(root: int) -> list[int]:
    """`root` and its descendants (the audit's worker processes)."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                todo += [int(c) for c in task.read_text().split()]
            except OSError:
                pass
    return out


def _memory_kb(pids: list[int]) -> tuple[int, int]:
    """Summed RSS and PSS of `pids` (PSS shares the pages forked workers still share)."""
    rss = pss = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return rss, pss


def measure(result: Path, cmd: list[str]) -> int:
    import os
    import subprocess
    import time

    proc = subprocess.Popen(cmd)
    tree_rss = tree_pss = 0
    while True:
        # Sample the whole process tree's memory until it exits (4 Hz: the launcher's
        # own CPU is not the measured process's).
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        rss, pss = _memory_kb(_tree(proc.pid))
        tree_rss, tree_pss = max(tree_rss, rss), max(tree_pss, pss)
        time.sleep(0.25)
    proc.returncode = os.waitstatus_to_exitcode(status)
    data = {
        "exit": proc.returncode,
        # Includes the worker processes it waited for (getrusage's rule for children).
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "maxrss_mb": usage.ru_maxrss / 1024,
        "tree_rss_mb": tree_rss / 1024,
        "tree_pss_mb": tree_pss / 1024,
    }
    result.write_text(json.dumps(data))
    return int(proc.returncode)


def main() -> None:
    out: dict[str, Any]
    if len(sys.argv) > 3 and sys.argv[1] == "measure" and sys.argv[3] == "--":
        raise SystemExit(measure(Path(sys.argv[2]), sys.argv[4:]))
    ap = argparse.ArgumentParser()
    ap.add_argument("which", choices=("nornir", "bare"))
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--recording", type=Path)
    args = ap.parse_args()
    if args.which == "nornir":
        out = nornir_run(args.concurrency)
    else:
        out = bare_run(args.concurrency, args.recording)
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
