"""The login policy every family shares: try the vault's candidates without ever locking
the device, and say exactly what was done.

Before any contact, the failure ledger (shared by every process on the host, or every
host with Redis) is consulted:
- a device whose known lock has not ended is not contacted at all;
- a candidate that failed on this device within its lock window is not tried again (its
  id changes when its vault entry changes, see cpe.vault.Vault.candidate_id);
- the failures the ledger holds for the device count against its threshold (the one it
  states itself before the login, else the family's `lock_threshold`). They count
  until a login succeeds there or a lock the device reported ends, however old: none of
  these devices is known to forget failures with time (the simulators, written from the
  protocol notes, do not), so a count that expired on its own could send the attempt
  that locks. The device's own counter, when it reports one, can only lower what we
  allow (min of both); one it does not report, or we cannot read, is unknown (None).
- we never send the attempt that would be the device's last before the lock.

A refusal is recorded with its candidate's id; an attempt whose outcome we cannot know
(the device answered something unreadable, or we were interrupted while it was in
flight) is recorded anonymously: it counts against the threshold but never makes a
password "refused". A timeout or a dropped connection is not counted: the device said
nothing, and a hung device's fallback to its CLI must not spend the budget. A success
clears the device's history.

The messages come from a tally of what happened now ("1 tentativa feita agora,
recusada; 1 senha ainda não tentada"), never from a template that assumes it, and never
hold a password.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import SecretStr

from cpe.coord.memory_ledger import MemoryLedger
from cpe.errors import AuthError, CpeError, LockoutRisk, ParseError, SessionBusy

if TYPE_CHECKING:
    from drivers.base import Driver, LoginAttempt

__all__ = ["GROUP_PT", "LoginTally", "login"]

#: The runbook: "Mandar recado no grupo caso não tenha acesso".
GROUP_PT = (
    "Mande recado no grupo do provedor: estamos sem acesso ao equipamento. Não tente de "
    "novo agora: cada senha recusada conta para o bloqueio do equipamento."
)
ANONYMOUS = "-"
#: "lockout after 3–10 failures" across the fleet (docs/protocols/README.md): a page that
#: states more is not believed further.
MAX_THRESHOLD = 10


@dataclass
class LoginTally:
    """What this login did to the device, for a message that says exactly that."""

    candidates: int
    #: Attempts sent now (each one a password the device saw, or may have seen).
    sent: int = 0
    #: Of those, refused as a wrong password.
    refused: int = 0
    #: Refused on this device earlier, within its lock window: not repeated.
    skipped: int = 0
    #: Not tried, to stay clear of the lock.
    untried: int = 0

    def now_pt(self) -> str:
        if self.sent == 0:
            head = "nenhuma tentativa feita agora"
        elif self.sent == self.refused:
            head = (
                "1 tentativa feita agora, recusada"
                if self.sent == 1
                else f"{self.sent} tentativas feitas agora, todas recusadas"
            )
        else:
            head = _n(self.sent, "tentativa feita agora", "tentativas feitas agora")
            if self.refused:
                head += f" ({_n(self.refused, 'recusada', 'recusadas')})"
        return "; ".join([head, *self._others()])

    def nothing_pt(self, reason: str) -> str:
        """No attempt was made now, and why (with what was left aside)."""
        others = self._others()
        return f"Nenhuma tentativa feita agora: {reason}" + (
            f" ({'; '.join(others)})." if others else "."
        )

    def _others(self) -> list[str]:
        parts = []
        if self.skipped:
            parts.append(
                _n(
                    self.skipped,
                    "senha já recusada por este equipamento não foi repetida",
                    "senhas já recusadas por este equipamento não foram repetidas",
                )
            )
        if self.untried:
            parts.append(_n(self.untried, "senha ainda não tentada", "senhas ainda não tentadas"))
        return parts


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _hhmm(at: float) -> str:
    return time.strftime("%H:%M", time.localtime(at))


def _left(reported: int | None, computed: int) -> int:
    return computed if reported is None else min(reported, computed)


def login(drv: Driver) -> LoginTally:
    """Log `drv` in under the policy; raise with an honest message when it cannot."""
    return _Login(drv).run()


class _Login:
    """One login under the policy: the ledger's view first, then the attempts."""

    def __init__(self, drv: Driver) -> None:
        self.drv = drv
        self.ledger = drv.ledger if drv.ledger is not None else MemoryLedger()
        self.device = drv.target.address
        self.tally = LoginTally(candidates=len(drv.credential.passwords))
        self.now = time.time()
        #: Failures that count against the device's threshold (ledger, then this login).
        self.spent = 0
        self.threshold = drv.lock_threshold

    def run(self) -> LoginTally:
        if not self.drv.credential.passwords:
            raise self.fail(AuthError, "the vault has no password for this model")
        self.refuse_known_lock()
        queue = self.queue()
        self.check_budget_before(queue)
        return self.attempt_each(queue)

    # -- before any attempt -----------------------------------------------------------------

    def refuse_known_lock(self) -> None:
        until = self.ledger.locked_until(self.device)
        if until is not None:
            raise self.fail(
                LockoutRisk,
                "known lock not over yet; device not contacted",
                self.tally.nothing_pt(
                    f"o equipamento está bloqueado por tentativas de senha até {_hhmm(until)}"
                ),
                _wait_pt(until),
            )

    def queue(self) -> list[tuple[SecretStr, str]]:
        """The candidates still worth a try, with their ids."""
        credential = self.drv.credential
        history = self.ledger.failures(self.device, since=0.0)
        self.spent = len(history)
        window_start = self.now - self.drv.lock_seconds
        recent = {a.candidate for a in history if a.at >= window_start}
        recent.discard(ANONYMOUS)
        ids = credential.candidate_ids
        queue = [
            (pw, ids[i] if i < len(ids) else ANONYMOUS)
            for i, pw in enumerate(credential.passwords)
            if not (i < len(ids) and ids[i] in recent)
        ]
        total = len(credential.passwords)
        if not queue:
            every = (
                "a senha do cofre já foi recusada"
                if total == 1
                else f"as {total} senhas do cofre já foram recusadas"
            )
            raise self.fail(
                AuthError,
                "every candidate already failed on this device within its lock window",
                self.tally.nothing_pt(
                    f"{every} por este equipamento (a última vez às "
                    f"{_hhmm(max(a.at for a in history))}); repetir uma senha recusada só "
                    "gasta tentativas até o bloqueio"
                ),
                GROUP_PT,
            )
        self.tally.skipped = total - len(queue)
        return queue

    def check_budget_before(self, queue: list[tuple[SecretStr, str]]) -> None:
        drv = self.drv
        try:
            reported = drv._attempts_left_before_login()
        except LockoutRisk as exc:
            until = self.now + drv.lock_seconds
            self.ledger.record_lock(self.device, until=until)
            raise self.fail(
                LockoutRisk,
                f"{exc.message}; no attempt made",
                self.tally.nothing_pt(
                    "o equipamento informa que está bloqueado por tentativas de senha"
                ),
                _wait_pt(until),
            ) from exc
        except SessionBusy as exc:
            exc.detail_pt = f"{exc.pt()} Nenhuma tentativa de senha feita agora."
            exc.attempts_now = 0
            raise
        self.threshold = min(drv.reported_threshold or drv.lock_threshold, MAX_THRESHOLD)
        left = _left(reported, self.threshold - self.spent)
        if left <= 1:
            self.tally.untried = len(queue)
            raise self.fail(
                LockoutRisk,
                f"only {left} failure(s) left before the device locks; no attempt made",
                self.tally.nothing_pt("mais uma senha recusada bloquearia o equipamento"),
                GROUP_PT,
            )

    # -- the attempts -------------------------------------------------------------------------

    def attempt_each(self, queue: list[tuple[SecretStr, str]]) -> LoginTally:
        from drivers.base import LoginResult  # late: base imports this module

        drv, tally = self.drv, self.tally
        for pos, (password, cid) in enumerate(queue):
            attempt = self.send(password)
            if attempt.result is LoginResult.OK:
                self.ledger.record_success(self.device, cid, at=time.time())
                drv.logged_in = True
                drv.login_tally = tally
                return tally
            if attempt.result is LoginResult.BUSY:
                raise self.fail(
                    SessionBusy,
                    "another admin session is open",
                    "Outra pessoa está conectada na gerência do equipamento agora; não "
                    f"derrubamos a sessão dela ({tally.now_pt()}).",
                    "Tente de novo em alguns minutos.",
                )
            if attempt.result is LoginResult.LOCKED:
                until = time.time() + (attempt.locked_for_s or drv.lock_seconds)
                self.ledger.record_lock(self.device, until=until)
                raise self.fail(
                    LockoutRisk,
                    "the device reports a login lock",
                    f"{_cap(tally.now_pt())}: o equipamento respondeu que está bloqueado por "
                    f"tentativas de senha (até {_hhmm(until)}).",
                    _wait_pt(until),
                )
            self.ledger.record_failure(self.device, cid, at=time.time())
            tally.refused += 1
            self.spent += 1
            left = _left(attempt.attempts_left, self.threshold - self.spent)
            remaining = len(queue) - pos - 1
            if remaining and left <= 1:
                tally.untried = remaining
                raise self.fail(
                    LockoutRisk,
                    f"{tally.refused} candidate(s) refused and only {left} attempt(s) left "
                    "before the lock; stopped",
                    f"{_cap(tally.now_pt())}: mais uma recusa bloquearia o equipamento.",
                    GROUP_PT,
                )
        raise self.fail(
            AuthError,
            f"all {tally.sent} candidate password(s) tried now were refused",
            f"Nenhuma senha do cofre foi aceita pelo equipamento: {tally.now_pt()}.",
            GROUP_PT,
        )

    def send(self, password: SecretStr) -> LoginAttempt:
        """One attempt; an outcome we cannot know is recorded as an anonymous failure."""
        drv = self.drv
        self.tally.sent += 1
        drv.password_sent = None
        try:
            return drv._attempt_login(drv.credential.username, password)
        except CpeError as exc:
            if drv.password_sent is False:
                self.tally.sent -= 1  # it failed before the password left
            elif isinstance(exc, ParseError):
                self.ledger.record_failure(self.device, ANONYMOUS, at=time.time())
            exc.attempts_now = self.tally.sent
            raise
        except BaseException:
            self.ledger.record_failure(self.device, ANONYMOUS, at=time.time())
            raise

    def fail(
        self,
        cls: type[CpeError],
        message: str,
        detail_pt: str | None = None,
        next_step_pt: str | None = None,
    ) -> CpeError:
        exc = self.drv._err(cls, message, "login")
        exc.detail_pt = _cap(detail_pt) if detail_pt else None
        if next_step_pt:
            exc.next_step_pt = next_step_pt
        exc.attempts_now = self.tally.sent
        self.drv.login_tally = self.tally
        return exc


def _wait_pt(until: float) -> str:
    return (
        f"Tente de novo depois de {_hhmm(until)}; se não puder esperar, mande recado no "
        "grupo do provedor."
    )


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
