"""Never lock a device (issue 13's bar): with wrong candidate passwords in the vault, every
family takes 10 `cpe status`, 10 API reads and 2 audits without one lockout, and the
attempts the simulator counted are exactly the attempts the messages said were made.

Each family runs on its own in-process device (tests/inproc.py) so its counters are its
own; the commands run as the agent would run them: `cpe status` in a real subprocess and
through the CLI in this process, the agent API through FastAPI's TestClient, an audit
through `cpe audit` (a subprocess, with a forked worker) and one in this process.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

from cpe.audit import AuditRunner, AuditSettings, Selection
from cpe.cli import app as cli_app
from cpe.settings import load_settings, write_settings
from cpe.vault import Vault
from drivers.registry import driver_class
from drivers.sim import SimDevice
from tests.inproc import World, world
from tests.service_support import add_users, app_for, bearer

ROOT = Path(__file__).resolve().parent.parent
WRONG = ("errada-Um-111", "errada-Dois-222", "errada-Tres-333")
#: CLI ports of the Zyxel variants, on the device's own loopback address.
SSH_PORT, TELNET_PORT, NOTHING_PORT = 2222, 2323, 2999

VARIANTS = [
    ("mercusys-ac12g", "http"),
    ("mercusys-mr30g", "http"),
    ("zyxel", "http"),
    ("zyxel", "ssh"),
    ("zyxel", "telnet"),
    ("zte-onu", "http"),
    ("fiberhome-onu", "http"),
    ("tplink-onu", "http"),
]


def _zyxel_cli(dev: SimDevice) -> None:
    """Only the CLI answers: the web UI resets every connection."""
    dev.extra.update(cli=True, ssh_port=SSH_PORT, telnet_port=TELNET_PORT)
    dev.knobs.web_down = True


def _said(error: dict[str, Any] | None) -> int:
    """Attempts the message says were made now; checks the words agree with the number."""
    assert error is not None, "the wrong passwords must fail the read"
    n = error.get("tentativas_agora")
    assert isinstance(n, int), error
    text = str(error["mensagem"]).lower()
    if n == 0:
        assert "nenhuma tentativa feita agora" in text, text
    else:
        assert re.search(rf"\b{n} tentativas? feitas? agora", text), text
    assert not any(w.lower() in text for w in WRONG), "never a password in a message"
    return n


def _env(w: World) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPE_")}
    env["CPE_HOME"] = str(w.home)
    env["CPE_LOCK_DIR"] = os.environ["CPE_LOCK_DIR"]
    return env


def _status_subprocess(w: World, login: str) -> int:
    proc = subprocess.run(
        [sys.executable, "-m", "cpe", "status", login, "--json"],
        env=_env(w),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    return _said(json.loads(proc.stdout)["error"])


def _status_cli(runner: CliRunner, w: World, login: str) -> int:
    res = runner.invoke(cli_app, ["status", login, "--json"], env=_env(w))
    assert res.exit_code == 1, res.output
    return _said(json.loads(res.stdout)["error"])


def _audit_subprocess(w: World, login: str) -> int:
    proc = subprocess.run(
        [sys.executable, "-m", "cpe", "audit", "--login", login, "--format", "json",
         "--processes", "2", "--no-progress"],
        env=_env(w),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    run_id = json.loads(proc.stdout)["run_id"]
    return _audit_said(w, run_id, login)


def _audit_inproc(w: World, login: str) -> int:
    ctx = w.context()
    runner = AuditRunner(ctx, AuditSettings(concurrency=2, processes=1), None)
    sel = Selection.build(login_glob=login)
    run_id = runner.start(sel)
    assert runner.run(run_id, sel).complete
    return _audit_said(w, run_id, login)


def _audit_said(w: World, run_id: str, login: str) -> int:
    (row,) = list(w.context().journal.results(run_id))
    assert row["login"] == login and row["verdict"] in ("auth_failed", "locked"), row
    return _said(row["detail"]["error"])


@pytest.mark.parametrize(("model", "transport"), VARIANTS, ids=[f"{m}-{t}" for m, t in VARIANTS])
def test_wrong_passwords_never_lock_and_messages_count_every_attempt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: str, transport: str
) -> None:
    with world(tmp_path, [model]) as w:
        customize: Callable[[SimDevice], None] | None = None
        if transport != "http":
            customize = _zyxel_cli
            # No SSH listener where the toolkit looks for it: telnet is the fallback.
            write_settings(
                w.home,
                {"ssh_port": SSH_PORT if transport == "ssh" else NOTHING_PORT,
                 "telnet_port": TELNET_PORT},
            )
        login, dev = w.add(model, customize=customize)
        settings = load_settings(home=w.home)
        vault = Vault.open(settings)
        user = vault.credential_for(model).username
        vault.set_model(model, user, [SecretStr(p) for p in WRONG])
        vault.save()
        monkeypatch.setenv("CPE_HOME", str(w.home))

        said: list[int] = [_status_subprocess(w, login)]
        cli = CliRunner()
        said += [_status_cli(cli, w, login) for _ in range(9)]
        store = add_users(settings)
        with TestClient(app_for(settings)) as client:
            auth = bearer(store, "ana")
            for _ in range(10):
                resp = client.get(f"/api/customers/{login}", headers=auth)
                assert resp.status_code == 200, resp.text
                said.append(_said(resp.json()["equipamento"]["error"]))
        said += [_audit_subprocess(w, login), _audit_inproc(w, login)]

        counters = dev.counters
        threshold = driver_class(model, "http").lock_threshold
        print(
            f"\n{model}/{transport}: lockouts {counters.lockouts_caused}, attempts sent "
            f"{counters.failed_logins}, said {sum(said)} over {len(said)} operations "
            f"(first: {said[0]}), threshold {threshold}"
        )
        assert counters.lockouts_caused == 0
        assert not dev.locked()
        assert counters.failed_logins == sum(said), said
        assert 0 < sum(said) < dev.knobs.lock_threshold
        assert said[0] == sum(said), "only the first command spends attempts"
        if transport != "http":
            assert dev.extra.get("cli") and counters.sessions_opened == 0
