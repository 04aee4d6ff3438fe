"""One lock domain per host: two `cpe` processes with different CPE_HOMEs never hold two
sessions to one device, and share one failure ledger (cpe.coord, CPE_LOCK_DIR)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from cpe.coord import lockdir
from cpe.coord.local_ledger import LocalFailureLedger
from cpe.settings import Settings, load_settings
from cpe.vault import Vault
from tests.inproc import World, count_sessions, world

ROOT = Path(__file__).resolve().parent.parent
MODEL = "mercusys-ac12g"


def _second_home(w: World, tmp: Path, *, same_vault: bool, model: str = MODEL) -> Path:
    """Another CPE_HOME on this host, on the same IXC; the same vault file and key (a
    copy), or a vault of its own with the same passwords."""
    home = tmp / "home2"
    home.mkdir(mode=0o700)
    shutil.copy(w.home / "settings.json", home / "settings.json")
    if same_vault:
        for name in ("vault.bin", "vault.key"):
            shutil.copy(w.home / name, home / name)
        return home
    theirs = Vault.open(load_settings(home=w.home))
    mine = Vault.init(Settings(home=home))
    cred = theirs.credential_for(model)
    mine.set_model(model, cred.username, list(cred.passwords))
    secret = theirs.secret("ixc_token")
    assert secret is not None
    mine.set_secret("ixc_token", secret)
    mine.save()
    return home


def _cpe(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPE_")}
    env |= {"CPE_HOME": str(home), "CPE_LOCK_DIR": os.environ["CPE_LOCK_DIR"]}
    return subprocess.Popen(
        [sys.executable, "-m", "cpe", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_homes_one_device_one_session(tmp_path: Path) -> None:
    with world(tmp_path / "home1", [MODEL]) as w:
        login, dev = w.add(MODEL, dns_drift=True, ssid_drift=False)
        dev.knobs.latency_ms = 150.0  # a session lasts long enough to overlap
        home2 = _second_home(w, tmp_path, same_vault=False)
        seen = count_sessions(dev)
        procs = [
            _cpe(w.home, "status", login),
            _cpe(home2, "status", login),
            _cpe(home2, "reconfigure", login, "--dns"),
            _cpe(w.home, "status", login),
        ]
        results = [p.communicate(timeout=180) for p in procs]
        codes = [p.returncode for p in procs]
        assert codes == [0, 0, 0, 0], results
        assert seen["total"] >= 4, seen
        assert seen["max"] == 1, f"two sessions at once on one device: {seen}"
        assert dev.dns[:2] == ["1.1.1.1", "1.0.0.1"]


def test_the_failure_ledger_is_shared_by_every_home(tmp_path: Path) -> None:
    # A family that locks after 5 failures (Mercusys and the others assume 3: too few to
    # show three homes sharing one count).
    model = "tplink-xz000-g3"
    wrong = [SecretStr(p) for p in ("errada-Um-111", "errada-Dois-222", "errada-Tres-333")]
    with world(tmp_path / "home1", [model]) as w:
        login, dev = w.add(model)
        vault = Vault.open(load_settings(home=w.home))
        vault.set_model(model, vault.credential_for(model).username, wrong)
        vault.save()
        same = _second_home(w, tmp_path, same_vault=True)
        first = _cpe(w.home, "status", login)
        first.communicate(timeout=120)
        assert dev.counters.failed_logins == 3
        # The same vault in another home: the same candidate ids, none tried again.
        again = _cpe(same, "status", login)
        said = "".join(again.communicate(timeout=120))
        assert "Nenhuma tentativa feita agora" in said, said
        assert dev.counters.failed_logins == 3
        # Another vault with the same (wrong) passwords: its ids differ, but the failures
        # the host already spent on this device count: it stops one short of the lock.
        other = tmp_path / "other"
        other.mkdir()
        shutil.rmtree(same)
        home3 = _second_home(w, other, same_vault=False, model=model)
        third = _cpe(home3, "status", login)
        said = "".join(third.communicate(timeout=120))
        assert dev.counters.failed_logins == dev.knobs.lock_threshold - 1, said
        assert "1 tentativa feita agora, recusada" in said, said
        assert dev.counters.lockouts_caused == 0 and not dev.locked()


# --- the lock directory ------------------------------------------------------------------------


def test_lock_dir_is_owner_only_and_refuses_what_it_cannot_trust(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    assert lockdir.prepare(mine) == 0o600
    assert stat.S_IMODE(mine.stat().st_mode) == 0o700
    LocalFailureLedger(mine).record_failure("127.0.0.9:2389", "abc", at=1.0)
    (entry,) = (mine / "ledger").iterdir()
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert list(LocalFailureLedger(mine).devices()) == ["127.0.0.9:2389"]

    open_to_all = tmp_path / "open"
    open_to_all.mkdir()
    open_to_all.chmod(0o777)
    with pytest.raises(lockdir.LockDirError, match="qualquer usuário"):
        lockdir.prepare(open_to_all)
    link = tmp_path / "link"
    link.symlink_to(mine)
    with pytest.raises(lockdir.LockDirError, match="não é um diretório"):
        lockdir.prepare(link)
    if os.geteuid() == 0:
        theirs = tmp_path / "theirs"
        theirs.mkdir(mode=0o700)
        os.chown(theirs, 65534, 65534)
        with pytest.raises(lockdir.LockDirError, match="outro usuário"):
            lockdir.prepare(theirs)


def test_a_group_shared_lock_dir_makes_group_writable_files(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o2770)
    assert lockdir.prepare(shared) == 0o660
    LocalFailureLedger(shared).record_failure("127.0.0.10:2389", "abc", at=1.0)
    ledger = shared / "ledger"
    assert stat.S_IMODE(ledger.stat().st_mode) == 0o2770
    (entry,) = ledger.iterdir()
    assert stat.S_IMODE(entry.stat().st_mode) == 0o660


# --- reads never block a fix, and never make others fail --------------------------------------


def test_a_fix_waits_for_a_read_and_only_a_second_fix_is_refused(tmp_path: Path) -> None:
    from cpe import actions
    from cpe.coord import Intent
    from cpe.errors import SessionBusy
    from cpe.progress import Stage

    with world(tmp_path, [MODEL]) as w:
        login, dev = w.add(MODEL, dns_drift=True, ssid_drift=False)
        ctx = w.context()
        sub = ctx.inventory.subscriber(login)
        reading = threading.Event()
        done = threading.Event()

        def read_in_progress() -> None:
            with actions.device_hold(ctx, sub, Intent.READ):
                reading.set()
                done.wait(30)

        reader = threading.Thread(target=read_in_progress)
        reader.start()
        assert reading.wait(10)
        stages: list[Stage] = []

        def progress(stage: Stage) -> None:
            stages.append(stage)
            if stage is Stage.WAITING_DEVICE:
                done.set()  # the read ends while the fix waits for it

        result = actions.reconfigure(w.context(), login, dns=True, progress=progress)
        reader.join(10)
        assert result.verified and stages[:2] == [Stage.WAITING_DEVICE, Stage.READING]

        writes = dev.counters.writes
        with actions.device_hold(ctx, sub, Intent.WRITE):
            started = time.monotonic()
            with pytest.raises(actions.ReconfigureFailed) as info:
                actions.reconfigure(w.context(), login, dns=True)
            assert time.monotonic() - started < 5, "a second fix is refused at once"
        assert isinstance(info.value.cause, SessionBusy)
        assert "Outro atendimento está alterando este equipamento agora" in info.value.pt()
        assert dev.counters.writes == writes


def test_a_customer_opened_twice_costs_one_session_at_a_time(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from tests.service_support import add_users, app_for, bearer

    with world(tmp_path, [MODEL]) as w:
        login, dev = w.add(MODEL)
        dev.knobs.latency_ms = 100.0
        settings = load_settings(home=w.home)
        store = add_users(settings)
        seen = count_sessions(dev)
        with TestClient(app_for(settings)) as client:
            auth = bearer(store, "ana")
            answers: list[int] = []

            def open_customer() -> None:
                answers.append(client.get(f"/api/customers/{login}", headers=auth).status_code)

            pages = [threading.Thread(target=open_customer) for _ in range(3)]
            for p in pages:
                p.start()
            for p in pages:
                p.join(120)
        assert answers == [200, 200, 200]
        assert seen["total"] == 3 and seen["max"] == 1, seen
