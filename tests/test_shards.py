"""cpe.shards: the batch over forked workers accounts for every item exactly once.

Each case runs in a fresh interpreter: forking is only safe from a single-threaded
process, and pytest (xdist, fixtures) may run threads.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json, os, sys, threading, time
from cpe.shards import ShardedBatch, WorkerDied, can_fork

assert can_fork()
PARENT = os.getpid()
mode = sys.argv[1]
results, crashes = [], []
stop = threading.Event()

def work(x):
    if mode == "die" and os.getpid() != PARENT and x >= 50:
        time.sleep(0.2)   # let the worker hold a few more items
        os._exit(3)
    time.sleep(0.002)
    return ("ok", x, os.getpid())

def on_result(r):
    results.append(r)
    if mode == "stop" and len(results) == 40:
        stop.set()

def on_crash(x, exc):
    crashes.append(type(exc).__name__)
    return ("crash", x, type(exc).__name__)

b = ShardedBatch(
    work=work, on_result=on_result, on_timeout=lambda x: ("timeout", x, 0),
    on_crash=on_crash, key_of=lambda x: None, processes=2, concurrency=4,
    prefetch=16, stop=stop,
)
stats = b.run(range(200))
print(json.dumps({
    "results": [[k, x] for k, x, _ in results],
    "pids": sorted({p for k, _, p in results if k == "ok"}),
    "fed": stats.fed, "completed": stats.completed, "skipped": stats.skipped,
    "parent": os.getpid(),
}))
"""


def _run(mode: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    data: dict[str, object] = json.loads(out.stdout)
    return data


def test_every_item_once_from_two_worker_processes() -> None:
    got = _run("all")
    items = sorted(x for _, x in got["results"])  # type: ignore[attr-defined]
    assert items == list(range(200))
    assert got["completed"] == got["fed"] == 200
    # This process's own share and one forked worker both did part of it.
    pids = got["pids"]
    assert isinstance(pids, list) and len(pids) == 2 and got["parent"] in pids


def test_a_dead_worker_hands_back_what_it_held_as_crashes() -> None:
    got = _run("die")
    results = got["results"]
    assert isinstance(results, list)
    items = sorted(x for _, x in results)
    assert items == list(range(200)), "an item was lost or reported twice"
    crashed = sorted(x for kind, x in results if kind == "crash")
    assert crashed, "the dead worker's items were not handed back"
    # This process's share kept going and took the rest once the worker was gone.
    assert any(kind == "ok" and x > max(crashed) for kind, x in results)


def test_stop_lets_held_items_finish_and_skips_the_rest() -> None:
    got = _run("stop")
    results = got["results"]
    assert isinstance(results, list)
    items = [x for _, x in results]
    assert len(items) == len(set(items)), "an item was reported twice"
    assert 40 <= len(items) < 200
    assert all(kind == "ok" for kind, _ in results)
