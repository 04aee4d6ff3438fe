"""Shared fixtures: a lab in a temporary CPE_HOME, and a `cpe` runner."""

from __future__ import annotations

import atexit
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

# Parallel test workers (and a developer's own lab) must not fight over 127.<block>.x.y:2389.
os.environ.setdefault("CPE_LAB_BLOCK_START", str(random.randrange(20, 240)))
# One host-wide lock directory (device locks, failure ledger) per test process, shared by
# every CPE_HOME and subprocess of that process's tests, never by a developer's own.
if "CPE_LOCK_DIR" not in os.environ:
    os.environ["CPE_LOCK_DIR"] = tempfile.mkdtemp(prefix="cpe-locks-")
    atexit.register(shutil.rmtree, os.environ["CPE_LOCK_DIR"], ignore_errors=True)


@dataclass
class Lab:
    home: Path
    info: dict[str, Any]
    admin_password: str | None = None

    @property
    def devices(self) -> list[dict[str, Any]]:
        return list(self.info["devices"])

    def pick(
        self, *plants: str, model: str | None = None, exclude: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        for d in self.devices:
            if (
                all(p in d["planted"] for p in plants)
                and not any(e in d["planted"] for e in exclude)
                and (model is None or d["model"] == model)
            ):
                return d
        pytest.skip(f"no lab device with {plants} (model {model})")

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("CPE_") or k in ("CPE_LAB_BLOCK_START", "CPE_LOCK_DIR")
        }
        env["CPE_HOME"] = str(self.home)
        return env

    def cpe(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cpe", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def start_lab(home: Path, size: int = 16, admin_password: str | None = None, **kw: Any) -> Lab:
    from cpe.lab import control
    from cpe.settings import Settings

    home.mkdir(parents=True, exist_ok=True)
    settings = Settings(home=home)
    info = control.up(
        settings,
        size=size,
        admin_password=SecretStr(admin_password) if admin_password else None,
        wan_restart_s=kw.pop("wan_restart_s", 0.5),
        **kw,
    )
    return Lab(home=home, info=info, admin_password=admin_password)


def stop_lab(lab: Lab) -> None:
    from cpe.lab import control
    from cpe.settings import Settings

    control.down(Settings(home=lab.home))


@pytest.fixture(scope="module", autouse=True)
def _module_lock_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A lock directory of its own for each test module (on each xdist worker): labs are
    seeded and tests reuse loopback addresses, so a failure, lock or held write that one
    module recorded for 127.b.x.y must never meet another module's device there."""
    old = os.environ.get("CPE_LOCK_DIR")
    os.environ["CPE_LOCK_DIR"] = str(tmp_path_factory.mktemp("locks") / "cpe-locks")
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("CPE_LOCK_DIR", None)
        else:
            os.environ["CPE_LOCK_DIR"] = old


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    started = start_lab(tmp_path_factory.mktemp("cpehome"))
    try:
        yield started
    finally:
        stop_lab(started)
