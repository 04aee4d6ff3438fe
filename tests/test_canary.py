"""A canary admin password planted in every simulated device must never leak.

Drives status, reconfigure and the demo, with debug logging on, and scans stdout, stderr
and every file under CPE_HOME except the encrypted vault. The customers' PPPoE passwords
and Wi-Fi keys (read back from the simulated IXC) are checked the same way.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import SecretStr

from tests.conftest import Lab, start_lab, stop_lab


@pytest.fixture(scope="module")
def canary_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    canary = "Canary-" + secrets.token_urlsafe(12)
    started = start_lab(tmp_path_factory.mktemp("canary"), admin_password=canary)
    try:
        yield started
    finally:
        stop_lab(started)


def _ixc_secrets(lab: Lab) -> list[str]:
    from cpe.settings import Settings
    from cpe.vault import Vault
    from inventory.ixc.client import IxcClient

    token = Vault.open(Settings(home=lab.home)).secret("ixc_token")
    assert token is not None
    client = IxcClient(lab.info["ixc_url"], token)
    out: list[str] = [token.get_secret_value()]
    fields = ("login", "senha", "senha_rede_sem_fio", "senha_rede_sem_fio_5ghz")
    for row in client.list("radusuarios", "radusuarios.id", "0", ">", fields=fields):
        out += [row[f] for f in fields[1:] if row.get(f)]
    assert len(out) > 2 * len(lab.devices), "the IXC secrets to look for were not read"
    return out


def _scan(texts: list[str], files_root: Path, needles: list[str]) -> list[str]:
    found = []
    for needle in needles:
        for i, text in enumerate(texts):
            if needle in text:
                found.append(f"output #{i}")
        for path in files_root.rglob("*"):
            if path.is_file() and path.name != "vault.bin":
                if needle.encode() in path.read_bytes():
                    found.append(str(path))
    return found


# About 40 `cpe` processes and the demo's own lab: minutes on a loaded 2-core machine.
@pytest.mark.timeout(480)
def test_canary_never_leaks(canary_lab: Lab) -> None:
    lab = canary_lab
    assert lab.admin_password
    outputs: list[str] = []

    def run(*args: str) -> list[str]:
        env = lab.env() | {"CPE_LOG_LEVEL": "DEBUG"}
        proc = subprocess.run(
            [sys.executable, "-m", "cpe", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return [proc.stdout, proc.stderr]

    def one_device(i: int, login: str) -> list[str]:
        # One device's commands in order; devices side by side (their waits overlap).
        out = run("status", login, "--json") + run("reconfigure", login, "--json")
        if i < 4:
            out += run("status", login) + run("reconfigure", login, "--dry-run")
        return out

    with ThreadPoolExecutor(max_workers=4) as pool:
        logins = [d["login"] for d in lab.devices]
        for out in pool.map(one_device, range(len(logins)), logins):
            outputs.extend(out)
    for args in (("reconfigure", "nao.existe"), ("lab", "status", "--json"), ("vault", "list")):
        outputs.extend(run(*args))
    # The demo on its own temporary lab, planted with the same canary.
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("CPE_") or k == "CPE_LOCK_DIR"
    }
    env |= {
        "CPE_LAB_ADMIN_PASSWORD": lab.admin_password,
        "CPE_LOG_LEVEL": "DEBUG",
        "CPE_LAB_BLOCK_START": os.environ.get("CPE_LAB_BLOCK_START", "0"),
    }
    demo = subprocess.run(
        [sys.executable, "-m", "cpe", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "Feito e conferido" in demo.stdout
    outputs += [demo.stdout, demo.stderr]

    assert lab.admin_password not in "".join(outputs)
    leaks = _scan(outputs, lab.home, [lab.admin_password, *_ixc_secrets(lab)])
    assert leaks == [], f"secrets found in: {sorted(set(leaks))}"
    assert any(p.name == "journal.sqlite3" for p in lab.home.iterdir())


def test_secretstr_everywhere_in_credentials() -> None:
    from cpe.models import Credential

    cred = Credential(username="supervisor", passwords=(SecretStr("hunter2-canary"),))
    assert "hunter2" not in repr(cred) and "hunter2" not in str(cred)
    assert "hunter2" not in cred.model_dump_json()
