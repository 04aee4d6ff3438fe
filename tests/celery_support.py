"""Real `cpe worker` processes against a real redis-server, for the Celery tests."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.audit_helpers import FAST_ENV
from tests.conftest import Lab

ROOT = Path(__file__).resolve().parent.parent
#: Files a worker host needs from the coordinator's home: the vault, its key and the
#: non-secret settings (the IXC URL). Never the journal. (docs/deploy.md, "Provisioning")
WORKER_FILES = ("vault.bin", "vault.key", "settings.json")


def worker_home(lab: Lab, path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name in WORKER_FILES:
        shutil.copy2(lab.home / name, path / name)
    return path


def env_for(home: Path, broker_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPE_")}
    env.update(CPE_HOME=str(home), CPE_BROKER_URL=broker_url, **extra)
    if "CPE_LAB_BLOCK_START" in os.environ:
        env["CPE_LAB_BLOCK_START"] = os.environ["CPE_LAB_BLOCK_START"]
    return env


def alive(broker_url: str, home: Path) -> list[str]:
    from cpe.scale.app import workers_alive
    from cpe.settings import Settings

    return workers_alive(Settings(home=home, broker_url=broker_url), timeout_s=2.0)


def _die_with_parent() -> None:
    """A worker outlives nothing: if the test process dies, the kernel kills it too."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


class Worker:
    """`cpe worker` (or `cpe schedule serve`) in its own process and CPE_HOME."""

    def __init__(
        self,
        name: str,
        home: Path,
        broker_url: str,
        *args: str,
        command: tuple[str, ...] = ("worker",),
        **env: str,
    ) -> None:
        self.name = name
        self.home = home
        self.broker_url = broker_url
        self.log = home / f"{name}.log"
        cmd = [sys.executable, "-m", "cpe", *command, *args]
        if command == ("worker",):
            cmd += ["--name", f"{name}@test"]
        self.proc = subprocess.Popen(
            cmd,
            env=env_for(home, broker_url, **env),
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            preexec_fn=_die_with_parent,
        )

    @property
    def node(self) -> str:
        return f"{self.name}@test"

    def wait_ready(self, node: str | None = None, timeout_s: float = 150.0) -> None:
        """Until the worker answers a ping (seconds on an idle machine; the bound is for a
        machine shared with much else)."""
        deadline = time.monotonic() + timeout_s
        want = node or self.node
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            if want in alive(self.broker_url, self.home):
                return
        raise AssertionError(f"{self.name} did not answer: {self.log.read_text()[-2000:]}")

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def verdicts(report: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    return {d["login"]: (d["verdict"], d["drifts"]) for d in report["devices"]}


def wait_for(check: Any, timeout_s: float, what: str, poll_s: float = 0.1) -> Any:
    """Poll `check()` until it returns something truthy (a bounded wait on an outside
    process's progress, which no event of ours can signal)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(poll_s)
    raise AssertionError(f"timed out waiting for {what}")


def cpe(home: Path, broker: str, *args: str, timeout: float = 180, **env: str) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "cpe", *args],
        env=env_for(home, broker, **FAST_ENV, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def report_of(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dict(json.loads(proc.stdout))
