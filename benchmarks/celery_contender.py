"""The Celery engine for `audit_scale.py --engine celery --workers N` (a benchmark part).

Starts a redis-server on a free loopback port (nothing on disk) and N `cpe worker`
processes, each with its own CPE_HOME holding a copy of the lab's vault, key and
settings (as docs/deploy.md provisions a worker host). The caller (`cpe audit --engine
celery`) is measured like every contender (its own CPU and peak memory); the workers are
long-lived processes, so their share is the CPU they used while the caller ran, read from
/proc before and after, and their peak RSS (VmHWM). Redis's CPU is reported apart: it is a
server, like the lab.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")
NO_DISK = ("--appendonly", "no", "--dir")
CPE = (sys.executable, "-m", "cpe")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class CeleryFleet:
    lab_home: Path
    workers: int
    concurrency: int
    env: dict[str, str]
    url: str = ""
    redis: subprocess.Popen[bytes] | None = None
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="cpe-celery-")))

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        port = _free_port()
        self.redis = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                *NO_DISK,
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{port}/0"
        import redis

        client = redis.Redis.from_url(self.url)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.RedisError:
                time.sleep(0.05)
        per_worker = max(1, self.concurrency // self.workers)
        for k in range(self.workers):
            home = self.tmp / f"worker{k}"
            home.mkdir(mode=0o700)
            for name in ("vault.bin", "vault.key", "settings.json"):
                shutil.copy2(self.lab_home / name, home / name)
            env = self.env | {"CPE_HOME": str(home), "CPE_BROKER_URL": self.url}
            self.procs.append(
                subprocess.Popen(
                    [
                        *CPE,
                        "worker",
                        "--concurrency",
                        str(per_worker),
                        "--name",
                        f"bench{k}@localhost",
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=(home / "worker.log").open("w"),
                    cwd=ROOT,
                )
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        from cpe.scale.app import workers_alive
        from cpe.settings import Settings

        settings = Settings(home=self.lab_home, broker_url=self.url)
        want = {f"bench{k}@localhost" for k in range(self.workers)}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if want <= set(workers_alive(settings, timeout_s=2.0)):
                return
        raise SystemExit("the Celery workers did not start")

    def cpu(self) -> tuple[float, float]:
        """(workers' CPU seconds so far, Redis's)."""
        assert self.redis is not None
        return sum(cpu_s(p.pid) for p in self.procs), cpu_s(self.redis.pid)

    def rss_mb(self) -> float:
        return sum(peak_rss_mb(p.pid) for p in self.procs)

    def stop(self) -> None:
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        if self.redis is not None:
            self.redis.kill()
            self.redis.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)
