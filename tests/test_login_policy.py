"""The shared login policy (drivers/login_policy.py) against a scripted device, and the
ledger and candidate ids it relies on."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import SecretStr

from cpe.coord.local_ledger import LocalFailureLedger
from cpe.coord.memory_ledger import MemoryLedger
from cpe.errors import AuthError, LockoutRisk, ParseError, SessionBusy, Timeout
from cpe.models import Credential, DeviceStatus, Target, WanStatus
from cpe.settings import Settings
from cpe.vault import Vault
from drivers.base import Driver, LoginAttempt, LoginResult

DEVICE = "127.0.9.9:2389"


class Scripted(Driver):
    """A device that answers each login attempt from a script, and counts like one."""

    model_keys: ClassVar[tuple[str, ...]] = ("scripted",)
    lock_threshold: ClassVar[int] = 3
    lock_seconds: ClassVar[float] = 60.0

    def __init__(self, credential: Credential, answers: list[object], before: int | None = None):
        super().__init__(Target(host="127.0.9.9", model="scripted"), credential)
        self.answers = list(answers)
        self.before = before
        self.sent = 0
        self.contacted = False

    def _attempts_left_before_login(self) -> int | None:
        self.contacted = True
        return self.before

    def _attempt_login(self, username: str | None, password: SecretStr) -> LoginAttempt:
        self.contacted = True
        self.sent += 1
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        assert isinstance(answer, LoginAttempt)
        return answer

    def _logout(self) -> None:
        pass

    def get_status(self) -> DeviceStatus:
        return DeviceStatus(model="scripted", wan=WanStatus(up=True))


WRONG = LoginAttempt(LoginResult.WRONG_PASSWORD)


def _cred(n: int, ids: bool = True) -> Credential:
    return Credential(
        passwords=tuple(SecretStr(f"pw-{i}") for i in range(n)),
        candidate_ids=tuple(f"id{i}" for i in range(n)) if ids else (),
    )


def _drv(ledger: MemoryLedger, answers: list[object], n: int = 2, **kw: object) -> Scripted:
    drv = Scripted(_cred(n), answers, **kw)  # type: ignore[arg-type]
    drv.ledger = ledger
    return drv


def test_refused_candidates_are_not_repeated_and_the_message_says_so() -> None:
    ledger = MemoryLedger()
    first = _drv(ledger, [WRONG, WRONG])
    with pytest.raises(AuthError) as info:
        first.open()
    assert first.sent == 2 and info.value.attempts_now == 2
    assert "2 tentativas feitas agora, todas recusadas" in info.value.pt()
    again = _drv(ledger, [])
    with pytest.raises(AuthError) as info:
        again.open()
    assert again.sent == 0 and not again.contacted and info.value.attempts_now == 0
    assert info.value.pt().startswith("Nenhuma tentativa feita agora: as 2 senhas")
    assert "grupo do provedor" in info.value.next_step_pt


def test_old_failures_still_count_against_the_threshold() -> None:
    """The window lets a candidate be tried again, never the attempt that locks: none of
    these devices is known to forget failures with time."""
    ledger = MemoryLedger()
    long_ago = time.time() - 3600
    ledger.record_failure(DEVICE, "id0", at=long_ago)
    ledger.record_failure(DEVICE, "id1", at=long_ago)
    drv = _drv(ledger, [WRONG])
    with pytest.raises(LockoutRisk) as info:
        drv.open()
    assert drv.sent == 0
    assert "mais uma senha recusada bloquearia" in info.value.pt()
    assert "2 senhas ainda não tentadas" in info.value.pt()


def test_a_new_candidate_is_tried_but_never_the_locking_attempt() -> None:
    ledger = MemoryLedger()
    ledger.record_failure(DEVICE, "old", at=time.time())
    drv = _drv(ledger, [WRONG, WRONG], n=3)
    with pytest.raises(LockoutRisk) as info:
        drv.open()
    assert drv.sent == 1 and len(ledger.failures(DEVICE, since=0)) == 2
    assert info.value.pt().startswith("1 tentativa feita agora, recusada; 2 senhas ainda não")


def test_the_devices_counter_can_only_lower_the_budget() -> None:
    low = _drv(MemoryLedger(), [WRONG], before=1)
    with pytest.raises(LockoutRisk):
        low.open()
    assert low.sent == 0
    # A counter the driver could not read is unknown (None), never 0: threshold + ledger.
    unknown = _drv(MemoryLedger(), [WRONG, LoginAttempt(LoginResult.OK)], before=None)
    unknown.open()
    assert unknown.sent == 2 and unknown.logged_in
    high = _drv(MemoryLedger(), [LoginAttempt(LoginResult.WRONG_PASSWORD, attempts_left=1)])
    with pytest.raises(LockoutRisk) as info:
        high.open()
    assert high.sent == 1 and "1 senha ainda não tentada" in info.value.pt()


def test_a_lock_answer_is_remembered_and_the_device_left_alone() -> None:
    ledger = MemoryLedger()
    drv = _drv(ledger, [LoginAttempt(LoginResult.LOCKED, locked_for_s=120.0)])
    with pytest.raises(LockoutRisk) as info:
        drv.open()
    assert "1 tentativa feita agora" in info.value.pt()
    until = ledger.locked_until(DEVICE)
    assert until is not None and until > time.time() + 100
    later = _drv(ledger, [])
    with pytest.raises(LockoutRisk) as info:
        later.open()
    assert not later.contacted
    assert info.value.pt().startswith("Nenhuma tentativa feita agora: o equipamento está")


def test_unknown_outcomes_count_without_marking_a_password_refused() -> None:
    ledger = MemoryLedger()
    garbled = _drv(ledger, [ParseError("garbage")])
    with pytest.raises(ParseError) as info:
        garbled.open()
    assert info.value.attempts_now == 1
    assert [a.candidate for a in ledger.failures(DEVICE, since=0)] == ["-"]
    # Not a refusal: the same candidate is tried again, and works.
    ok = _drv(ledger, [LoginAttempt(LoginResult.OK)])
    ok.open()
    assert ok.sent == 1 and ledger.failures(DEVICE, since=0) == []
    # A device that said nothing (timeout) or a busy one spends no budget.
    for answer in (Timeout("no answer"), LoginAttempt(LoginResult.BUSY)):
        drv = _drv(ledger, [answer])
        with pytest.raises((Timeout, SessionBusy)):
            drv.open()
        assert ledger.failures(DEVICE, since=0) == []


def test_an_unreadable_answer_before_the_password_left_is_no_attempt() -> None:
    class KeyExchangeFails(Scripted):
        def _attempt_login(self, username: str | None, password: SecretStr) -> LoginAttempt:
            self.password_sent = False
            raise ParseError("key exchange unreadable")

    ledger = MemoryLedger()
    drv = KeyExchangeFails(_cred(2), [])
    drv.ledger = ledger
    with pytest.raises(ParseError) as info:
        drv.open()
    assert info.value.attempts_now == 0 and ledger.failures(DEVICE, since=0) == []


def test_a_credential_without_ids_still_counts_every_failure() -> None:
    ledger = MemoryLedger()
    drv = Scripted(_cred(2, ids=False), [WRONG, WRONG])
    drv.ledger = ledger
    with pytest.raises(AuthError):
        drv.open()
    again = Scripted(_cred(2, ids=False), [WRONG])
    again.ledger = ledger
    with pytest.raises(LockoutRisk):
        again.open()
    assert again.sent == 0


# --- candidate ids -----------------------------------------------------------------------------


def test_candidate_ids_follow_the_vault_not_the_home(tmp_path: Path) -> None:
    one = Settings(home=tmp_path / "one")
    vault = Vault.init(one)
    vault.set_model("zyxel", "supervisor", [SecretStr("senha-Um-1"), SecretStr("senha-Dois-2")])
    vault.save()
    ids = Vault.open(one).credential_for("zyxel").candidate_ids
    assert len(ids) == 2 and len(set(ids)) == 2
    assert all("senha" not in i for i in ids)
    # The same vault copied to another home: the same ids.
    two = Settings(home=tmp_path / "two")
    shutil.copytree(one.home, two.home)
    assert Vault.open(two).credential_for("zyxel").candidate_ids == ids
    # A changed password gets a new id; the unchanged one keeps its own.
    vault = Vault.open(one)
    vault.set_model("zyxel", "supervisor", [SecretStr("senha-Um-1"), SecretStr("senha-Nova-3")])
    vault.save()
    changed = Vault.open(one).credential_for("zyxel").candidate_ids
    assert changed[0] == ids[0] and changed[1] != ids[1]
    # Another vault (another key) with the same passwords: other ids.
    other = Vault.init(Settings(home=tmp_path / "three"))
    other.set_model("zyxel", "supervisor", [SecretStr("senha-Um-1")])
    assert other.credential_for("zyxel").candidate_ids[0] != ids[0]


# --- the local ledger ---------------------------------------------------------------------------


def test_local_ledger_history_lock_and_success(tmp_path: Path) -> None:
    ledger = LocalFailureLedger(tmp_path)
    now = time.time()
    ledger.record_failure(DEVICE, "a", at=now - 10)
    ledger.record_failure(DEVICE, "b", at=now)
    assert [f.candidate for f in ledger.failures(DEVICE, since=now - 5)] == ["b"]
    assert ledger.locked_until(DEVICE) is None
    ledger.record_lock(DEVICE, until=now + 60)
    assert ledger.locked_until(DEVICE) == pytest.approx(now + 60, abs=0.01)
    assert ledger.failures(DEVICE, since=0) == [], "the lock restarts the device's count"
    ledger.record_success(DEVICE, "b", at=now)
    assert ledger.locked_until(DEVICE) is None and list(ledger.devices()) == []
    # A torn line that was a failure still counts.
    ledger.record_failure(DEVICE, "c", at=now)
    path = next((tmp_path / "ledger").iterdir())
    path.write_text(path.read_text() + "F garbled\n")
    assert len(ledger.failures(DEVICE, since=0)) == 2


def test_local_ledger_keeps_every_line_across_threads_and_compaction(tmp_path: Path) -> None:
    ledger = LocalFailureLedger(tmp_path)
    now = time.time()

    def spend(tag: str) -> None:
        for i in range(100):
            LocalFailureLedger(tmp_path).record_failure(DEVICE, f"{tag}{i}", at=now)

    threads = [threading.Thread(target=spend, args=(t,)) for t in "xyz"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(ledger.failures(DEVICE, since=0)) == 300
    # A lock makes them all stop counting: the next append compacts the file.
    ledger.record_lock(DEVICE, until=now - 1)
    ledger.record_failure(DEVICE, "after", at=now)
    assert [f.candidate for f in ledger.failures(DEVICE, since=0)] == ["after"]
    assert next((tmp_path / "ledger").iterdir()).stat().st_size < 100


def test_local_ledger_sees_a_file_another_process_just_made(tmp_path: Path) -> None:
    import os

    reader, writer = LocalFailureLedger(tmp_path), LocalFailureLedger(tmp_path)
    assert reader.failures("127.0.9.1:2389", since=0) == []  # a fresh, untrusted listing
    writer.record_failure("127.0.9.2:2389", "a", at=1.0)
    assert len(reader.failures("127.0.9.2:2389", since=0)) == 1
    # An old directory: its listing is trusted to prove absences...
    ledger_dir = tmp_path / "ledger"
    old = time.time() - 60
    os.utime(ledger_dir, (old, old))
    assert reader.failures("127.0.9.3:2389", since=0) == []
    assert reader._listing[1], "an old directory's listing is trusted"
    # ...until a file made since moves its mtime.
    writer.record_failure("127.0.9.3:2389", "b", at=1.0)
    assert [f.candidate for f in reader.failures("127.0.9.3:2389", since=0)] == ["b"]
