"""Login, session and transport of the classic `/?code=N&asyn=M` web UI (AC12G v1, MR30G v1).

Login: an unauthenticated `POST /?code=7&asyn=0` answers 401 with the client state, a
failure counter (five-line builds) or a constant `00000` (six-line AC12G v1 builds), a
nonce and a dictionary; the token is securityEncode(nonce, orgAuthPwd(password),
dictionary) and goes, percent-encoded, in `&id=` of every later call. A 401/00007 on a
call means the session expired: log in again once, retry once, then a clear error.

The challenge layout picks the login profile; a counter this code cannot interpret is
unknown (None), never 0, so the base policy falls back to the declared threshold. A
challenge in a layout no profile knows is `Unsupported` with its shape, before any
attempt.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from pydantic import SecretStr

from cpe.errors import (
    AuthError,
    DeviceError,
    DeviceUnreachable,
    LockoutRisk,
    ParseError,
    SessionBusy,
    Unsupported,
)
from cpe.models import Credential, Target, Timeouts
from drivers.base import Driver, LoginAttempt, LoginResult
from drivers.http import HttpChannel
from drivers.mercusys import guessed as g
from drivers.mercusys.encoding import encode_uri_component, login_token
from drivers.mercusys.profiles import DriverProfile, ModelProfile, driver_profile, profile_for
from drivers.mercusys.wire import (
    EUNAUTH,
    OK,
    Challenge,
    ChallengeVariantError,
    ClientState,
    Reply,
    RequestCode,
    WireError,
    describe_code,
    parse_challenge,
    parse_reply,
)
from drivers.redact import install as install_token_redaction

__all__ = ["ClassicSession", "attempts_left"]

log = logging.getLogger("cpe.drivers.mercusys")
install_token_redaction()

CONTENT_TYPE = "text/plain;charset=UTF-8"
_WRONG_PASSWORD_STATES = (ClientState.PSWERR, ClientState.PSW_ILLEGAL)


def attempts_left(challenge: Challenge, lock_threshold: int) -> int | None:
    """Failures the unit still allows, from its challenge; None when it does not say.

    Six-line builds show a constant: unknown. A five-line counter the state contradicts
    (0 left while not locked: the unit would be locked) is unknown too, never 0."""
    counter = challenge.counter
    if counter is None:
        return None
    if not g.COUNTER_IS_ATTEMPTS_LEFT:
        return max(0, lock_threshold - counter)
    if counter == 0 and challenge.state != ClientState.LOCK:
        return None
    return counter


class ClassicSession(Driver):
    """Login, session and transport of the classic `/?code=` web UI; the operations live
    in `driver.MercusysDriver`."""

    #: What the login policy assumes when the unit shows no usable counter.
    lock_threshold = g.DECLARED_LOCK_THRESHOLD
    #: About 2 h per source address (advisories for CVE-2026-36607/36609).
    lock_seconds = g.LOCK_SECONDS

    def __init__(
        self,
        target: Target,
        credential: Credential,
        *,
        timeouts: Timeouts | None = None,
        session: Any = None,
    ) -> None:
        super().__init__(target, credential, timeouts=timeouts, session=session)
        profile = profile_for(target.model)
        if profile is None:
            raise self._err(
                Unsupported, f"no Mercusys profile for model {target.model!r}", "driver"
            )
        self.profile: ModelProfile = profile
        self._http = HttpChannel(target, self.timeouts, session)
        #: The latest 401 answer not used yet: its nonce serves the next login attempt.
        self._challenge: Challenge | None = None
        self._token: SecretStr | None = None
        #: The candidate that opened the session, for the one re-login on expiry.
        self._password: SecretStr | None = None
        #: The login profile the unit's challenge selected (None before the first one).
        self.login_profile: DriverProfile | None = None

    # -- login ------------------------------------------------------------------------------

    def _attempts_left_before_login(self) -> int | None:
        challenge = self._fetch_challenge()
        self._refuse_if_blocked(challenge, "login")
        self._challenge = challenge
        return attempts_left(challenge, g.LOCK_THRESHOLD)

    def _attempt_login(self, username: str | None, password: SecretStr) -> LoginAttempt:
        # Mercusys classic has no user name (password-only page): `username` is unused.
        challenge = self._challenge or self._fetch_challenge()
        self._challenge = None
        token = login_token(password.get_secret_value(), challenge.nonce, challenge.dictionary)
        resp = self._post(RequestCode.AUTH, 0, "", "login", token)
        if resp.status_code == 200 and not _says_unauthenticated(resp):
            reply = self._reply(resp, "login")
            if reply.code != OK:
                raise self._err(
                    ParseError, f"login answered {describe_code(reply.code)}", "login"
                )
            self._token, self._password = SecretStr(token), password
            return LoginAttempt(LoginResult.OK)
        answer = self._read_challenge(resp, "login")
        # A refused attempt carries a fresh challenge: the next candidate uses it.
        self._challenge = answer
        if answer.state in _WRONG_PASSWORD_STATES:
            left = attempts_left(answer, g.LOCK_THRESHOLD)
            return LoginAttempt(LoginResult.WRONG_PASSWORD, left)
        if answer.state == ClientState.LOCK:
            return LoginAttempt(LoginResult.LOCKED, locked_for_s=g.LOCK_SECONDS)
        if answer.state == ClientState.FULL:
            return LoginAttempt(LoginResult.BUSY)
        raise self._err(
            ParseError, f"login answered unexpected client state {_state_name(answer)}", "login"
        )

    def _logout(self) -> None:
        token, self._token, self._password = self._token, None, None
        if token is None:
            return
        # No re-login here: an expired session is already gone.
        resp = self._post(RequestCode.LOGOUT, 0, "", "logout", token.get_secret_value())
        if resp.status_code != 200:
            log.debug("%s: logout answered HTTP %d", self.target.name, resp.status_code)

    def _fetch_challenge(self) -> Challenge:
        resp = self._post(RequestCode.AUTH, 0, "", "login", None)
        if resp.status_code != 401:
            raise self._err(
                ParseError,
                f"expected the 401 login challenge, got HTTP {resp.status_code}",
                "login",
            )
        return self._read_challenge(resp, "login")

    def _refuse_if_blocked(self, challenge: Challenge, operation: str) -> None:
        """Stop without spending a login attempt when the device already says no."""
        if challenge.state == ClientState.LOCK:
            raise self._err(LockoutRisk, "the device reports a login lock", operation)
        if challenge.state == ClientState.FULL:
            raise self._err(
                SessionBusy, "another admin is logged in (client state FULL)", operation
            )

    def _login_again(self, challenge: Challenge, operation: str) -> None:
        """The session expired: one fresh login with the password that worked."""
        self._refuse_if_blocked(challenge, operation)
        if self._password is None:
            raise self._err(AuthError, "no session and no password to log in again", operation)
        log.info(
            "%s: session expired (%s); logging in again once",
            self.target.name,
            _state_name(challenge),
        )
        self._challenge = challenge
        attempt = self._attempt_login(self.credential.username, self._password)
        if attempt.result is LoginResult.OK:
            return
        self.logged_in = False
        if attempt.result is LoginResult.BUSY:
            raise self._err(SessionBusy, "another admin logged in meanwhile", operation)
        if attempt.result is LoginResult.LOCKED:
            raise self._err(LockoutRisk, "the device reports a login lock", operation)
        raise self._err(
            AuthError, "the password that opened the session is refused now", operation
        )

    # -- transport ----------------------------------------------------------------------------

    def _post(
        self, code: int, asyn: int, body: str, operation: str, token: str | None
    ) -> requests.Response:
        path = f"/?code={code}&asyn={asyn}"
        if token is not None:
            path += f"&id={encode_uri_component(token)}"
        failure: DeviceUnreachable
        try:
            return self._http.request(
                "POST",
                path,
                operation=operation,
                data=body.encode("utf-8"),
                headers={"Content-Type": CONTENT_TYPE},
            )
        except DeviceUnreachable as exc:
            failure = exc
        # Re-raised without its cause: requests' error text names the URL, which carries
        # the session token.
        raise type(failure)(
            failure.message, device=failure.device, model=failure.model, operation=operation
        ) from None

    def _call(self, code: int, asyn: int, body: str, operation: str) -> Reply:
        """An authenticated call; on "session expired" log in again once and retry once."""
        if not self.logged_in:
            self.open()
        for attempt in range(2):
            token = self._token.get_secret_value() if self._token else None
            resp = self._post(code, asyn, body, operation, token)
            if resp.status_code != 401 and not _says_unauthenticated(resp):
                return self._reply(resp, operation)
            challenge = self._read_challenge(resp, operation)
            if attempt:
                raise self._err(
                    DeviceError,
                    "the device dropped the session again right after a fresh login",
                    operation,
                )
            self._login_again(challenge, operation)
        raise AssertionError("unreachable")  # pragma: no cover

    def _reply(self, resp: requests.Response, operation: str) -> Reply:
        if resp.status_code != 200:
            raise self._err(ParseError, f"unexpected HTTP {resp.status_code}", operation)
        try:
            return parse_reply(resp.content.decode("utf-8", errors="replace"))
        except WireError as exc:
            raise self._err(ParseError, f"unreadable answer: {exc}", operation) from exc

    def _read_challenge(self, resp: requests.Response, operation: str) -> Challenge:
        text = resp.content.decode("utf-8", errors="replace")
        try:
            challenge = parse_challenge(text)
        except ChallengeVariantError as exc:
            raise self._err(
                Unsupported,
                f"login challenge in a layout no profile knows ({exc.shape}); "
                "no login attempted",
                operation,
            ) from None
        except WireError as exc:
            raise self._err(
                ParseError, f"unreadable 401 answer (HTTP {resp.status_code}): {exc}", operation
            ) from exc
        chosen = driver_profile(challenge.layout)
        if chosen != self.login_profile:
            self.login_profile = chosen
            log.debug("%s: login profile %s", self.target.name, chosen.name)
        return challenge


def _says_unauthenticated(resp: requests.Response) -> bool:
    return resp.content[:5] == f"{EUNAUTH:05d}".encode()


def _state_name(challenge: Challenge) -> str:
    state = challenge.state
    return f"{state.name}({int(state)})" if isinstance(state, ClientState) else str(state)
