"""`cpe lab up|down|status` from the caller's side: start, stop and inspect the lab process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests
from pydantic import SecretStr

from cpe.errors import CpeError
from cpe.lab.config import LabConfig
from cpe.settings import Settings, clear_settings

LAB_SETTING_KEYS = ["ixc_url", "ssh_port", "telnet_port", "wan_settle_s", "wan_up_wait_s"]


class LabError(CpeError):
    exit_code = 1
    kind = "lab"
    pt_template = "Laboratório: {message}"
    next_step_pt = "Veja o log em CPE_HOME/lab.log."


def read_info(settings: Settings) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(settings.lab_file.read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0): check its state.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def running_info(settings: Settings) -> dict[str, Any] | None:
    info = read_info(settings)
    if info and info.get("running") and _alive(int(info.get("pid", 0))):
        return info
    return None


def up(
    settings: Settings,
    *,
    size: int = 16,
    latency_ms: float = 0.0,
    fault_rate: float = 0.0,
    admin_password: SecretStr | None = None,
    seed: int = 2389,
    wan_restart_s: float = 3.0,
    timeout_s: float = 180.0,
    models: list[str] | None = None,
) -> dict[str, Any]:
    home = settings.home
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    current = running_info(settings)
    if current:
        return current
    if settings.vault_file.exists() and not (read_info(settings) or {}).get("pid"):
        raise LabError(
            "a production vault exists in CPE_HOME",
            operation="lab up",
            detail_pt=(
                "CPE_HOME já tem um cofre que não é do laboratório; use outro CPE_HOME "
                "(ex.: CPE_HOME=/tmp/cpe-lab cpe lab up) para não sobrescrevê-lo."
            ),
        )
    root = os.geteuid() == 0
    cfg = LabConfig(
        home=home,
        size=size,
        seed=seed,
        latency_ms=latency_ms,
        fault_rate=fault_rate,
        admin_password=admin_password,
        wan_restart_s=wan_restart_s,
        ssh_port=22 if root else 2222,
        telnet_port=23 if root else 2323,
        models=models,
    )
    payload = cfg.model_dump_json()
    if admin_password is not None:
        # model_dump_json masks SecretStr; the daemon needs the value, through stdin only.
        data = json.loads(payload)
        data["admin_password"] = admin_password.get_secret_value()
        payload = json.dumps(data)
    log_path = home / "lab.log"
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    env = {k: v for k, v in os.environ.items() if k != "CPE_LAB_ADMIN_PASSWORD"}
    env["CPE_HOME"] = str(home)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cpe.lab.daemon"],
        stdin=subprocess.PIPE,
        stdout=log_fd,
        stderr=log_fd,
        start_new_session=True,
        env=env,
        close_fds=True,
    )
    os.close(log_fd)
    assert proc.stdin is not None
    proc.stdin.write(payload.encode())
    proc.stdin.close()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        info = read_info(settings)
        if info and info.get("running") and info.get("pid") == proc.pid:
            _forget_failures(settings, info)
            return info
        if proc.poll() is not None:
            raise LabError(
                f"lab process exited with code {proc.returncode}",
                operation="lab up",
                detail_pt=f"O laboratório não subiu (código {proc.returncode}); veja {log_path}.",
            )
        time.sleep(0.2)
    proc.terminate()
    raise LabError("lab did not start in time", operation="lab up")


def _forget_failures(settings: Settings, info: dict[str, Any]) -> None:
    """New simulated devices on addresses an earlier lab may have used: the host's
    failure ledger must not carry that lab's failed logins over to them."""
    from cpe.coord import failure_ledger

    ledger = failure_ledger(settings)
    fresh = {f"{d['host']}:{d['port']}" for d in info.get("devices", [])}
    now = time.time()
    for device in [d for d in ledger.devices() if d in fresh]:
        ledger.record_success(device, "lab", at=now)


def counters(info: dict[str, Any]) -> dict[str, int]:
    try:
        resp = requests.get(
            f"http://127.0.0.1:{info['control_port']}/counters",
            headers={"X-Lab-Token": info["control_token"]},
            timeout=10,
        )
        resp.raise_for_status()
        data: dict[str, int] = resp.json()
        return data
    except (requests.RequestException, ValueError, KeyError):
        return {}


def status(settings: Settings) -> dict[str, Any]:
    info = running_info(settings)
    if not info:
        return {"running": False, "ixc_url": None, "devices": [], "counters": {}}
    return {
        "running": True,
        "ixc_url": info["ixc_url"],
        "pid": info["pid"],
        "size": info.get("size"),
        "devices": info["devices"],
        "counters": counters(info),
    }


def down(settings: Settings, timeout_s: float = 30.0) -> bool:
    info = read_info(settings)
    was_running = False
    if info and info.get("pid"):
        pid = int(info["pid"])
        if _alive(pid):
            was_running = True
            try:
                requests.post(
                    f"http://127.0.0.1:{info['control_port']}/shutdown",
                    headers={"X-Lab-Token": info["control_token"]},
                    timeout=5,
                )
            except requests.RequestException:
                pass
            deadline = time.monotonic() + timeout_s
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        # The lab's vault and key are the lab's own: remove them with it.
        for path in (settings.vault_file, settings.key_file, settings.lab_file):
            try:
                path.unlink()
            except FileNotFoundError:
                pass
        clear_settings(settings.home, LAB_SETTING_KEYS)
    return was_running
