"""The EX web session of a TP-Link ONU: key exchange, cipher-profile detection, login, one
encrypted act per POST, re-login after a session expiry, logout (protocol note §3/§4).

Which cipher a firmware speaks (CBC, GCM, GCM with an OAEP sign: `guessed.PROFILE_*`) is
learned by trying, the way the public clients do, but without spending a password
attempt: the device cannot read a login sent in the wrong profile, so it never reaches
the password check, and its answer does not decrypt with our key (OAEP firmware closes
the connection instead). Only an answer that decrypts (or a plain 71233 with its counter)
is taken as the device's verdict on the password. The way the first miss looked (a
dropped connection: the firmware could not open a raw-RSA sign; a plain refusal: it opened
the sign but not the body; else what the login page's `/js/tpEncrypt.js` calls) picks the
next profile, so every known firmware is logged into with at most two logins. The order
is fixed (`guessed.PROFILE_TRIAL_ORDER`, or a model pinned in `guessed.PROFILE_BY_MODEL`),
never learned from other devices, so a run is reproducible and a recorded capture replays
request for request. A device no profile understands gets
`Unsupported` with its fingerprint (key size, scripts, what each try answered).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any, ClassVar, NoReturn

import requests
from pydantic import SecretStr

from cpe.errors import (
    AuthError,
    CpeError,
    DeviceUnreachable,
    LockoutRisk,
    ParseError,
    SessionBusy,
    Timeout,
    Unsupported,
)
from cpe.models import Credential, Target, Timeouts
from drivers.base import Driver, LoginAttempt, LoginResult
from drivers.http import HttpChannel
from drivers.tplink import guessed as g
from drivers.tplink import protocol as p
from drivers.tplink.crypto import CipherError, CipherMode, CipherProfile, SessionCipher, md5_hex
from drivers.tplink.link import (
    DROPPED,
    PLAIN_REFUSAL,
    PROFILES,
    ActRefused,
    KeyAnswer,
    Link,
    Miss,
    parse_key_answer,
)

__all__ = ["ExWebDriver"]

log = logging.getLogger("cpe.drivers.tplink")
class ExWebDriver(Driver):
    """Login, session and acts of the EX web UI; the ONU drivers add what they read."""

    lock_threshold: ClassVar[int] = g.LOCK_THRESHOLD
    lock_seconds: ClassVar[float] = g.LOCK_SECONDS
    default_username: ClassVar[str] = g.DEFAULT_USERNAME

    def __init__(
        self,
        target: Target,
        credential: Credential,
        *,
        timeouts: Timeouts | None = None,
        session: Any = None,
    ) -> None:
        super().__init__(target, credential, timeouts=timeouts, session=session)
        # HttpChannel sends through the shared lean path (drivers/http_lean.py).
        self._http = HttpChannel(target, self.timeouts, session)
        self._link: Link | None = None
        #: The candidate that worked, for the one re-login after a session expiry.
        self._password: SecretStr | None = None
        #: The cipher profile this device answered in (known after the first login).
        self.profile: CipherProfile | None = None
        #: What the login tries showed about the firmware (no secrets): the probe's terms.
        self.variant: dict[str, Any] = {}

    @property
    def cipher_mode(self) -> CipherMode | None:
        return self.profile.aes if self.profile else None

    # -- login ---------------------------------------------------------------------------

    def _attempt_login(self, username: str | None, password: SecretStr) -> LoginAttempt:
        op = "login"
        user = username or self.default_username
        secret = password.get_secret_value()
        misses: list[Miss] = []
        tries: list[str] = []
        for profile in self._candidates(op, misses):
            self.password_sent = False  # an unreadable key exchange spends no attempt
            answer = self._key_exchange(op)
            link = Link(
                answer.key, answer.seq, profile, self._draw_cipher(profile.aes),
                md5_hex(user + secret),
            )
            self.password_sent = True
            outcome = self._login_once(link, user, secret, op)
            if isinstance(outcome, Miss):
                misses.append(outcome)
                tries.append(f"{profile.name}: {outcome.reason}")
                log.info("%s: login in profile %s not understood (%s); no attempt spent",
                         self.target.name, profile.name, outcome.reason)
                continue
            self._learn(profile)
            if outcome.result is LoginResult.OK:
                self._link, self._password = link, password
            return outcome
        self._oaep_hint(op)  # complete the fingerprint: what the login page's script says
        raise self._unsupported(op, tries)

    def _candidates(self, op: str, misses: list[Miss]) -> Iterator[CipherProfile]:
        """Profiles to try, most likely first. After the first miss, how the device
        refused says which sign it reads: a dropped connection means it could not open a
        raw-RSA sign (OAEP firmware, HA #393), a plain refusal means it opened the sign
        but not the AES body; otherwise the login page's crypto script decides. A known
        profile (a re-login, the next candidate password) or a pinned model is tried
        alone: if the device disagrees, its firmware changed and a person should look."""
        known = self.profile or PROFILES.get(g.PROFILE_BY_MODEL.get(self.target.model, ""))
        if known is not None:
            yield known
            return
        order = list(g.PROFILE_TRIAL_ORDER)
        if not g.CIPHER_TRIAL_IS_FREE:
            # Every try might cost an attempt: one try, chosen with the script's help.
            self._put_first(order, self._oaep_hint(op))
            yield order[0]
            return
        first = order.pop(0)
        yield first
        self._put_first(order, self._oaep_after(first, misses[-1], op))
        yield from order

    def _oaep_after(self, tried: CipherProfile, miss: Miss, op: str) -> bool | None:
        if miss.reason == DROPPED and tried.rsa == "raw" and g.BAD_SIGN_CLOSES_CONNECTION:
            return True
        if miss.reason.startswith(PLAIN_REFUSAL):
            return tried.rsa == "oaep"
        return self._oaep_hint(op)

    @staticmethod
    def _put_first(order: list[CipherProfile], oaep: bool | None) -> None:
        if oaep is not None:
            # The likelier sign first, the rest after (the hint can mislead).
            order.sort(key=lambda prof: (prof.rsa == "oaep") != oaep)

    def _oaep_hint(self, op: str) -> bool | None:
        """True/False when /js/tpEncrypt.js shows its RSA call, None when it cannot say."""
        if "rsa_from_script" in self.variant:
            return {"oaep": True, "raw": False}.get(self.variant["rsa_from_script"])
        self.variant["rsa_from_script"] = "unknown"
        try:
            resp = self._http.request(
                "GET", g.TPENCRYPT_JS_PATH, operation=op, headers=self._headers()
            )
        except Timeout:
            raise
        except DeviceUnreachable:
            return None
        if resp.status_code != 200:
            return None
        if g.OAEP_JS_MARKER in resp.text:
            self.variant["rsa_from_script"] = "oaep"
            return True
        if g.RAW_JS_MARKER in resp.text:
            self.variant["rsa_from_script"] = "raw"
            return False
        return None

    def _learn(self, profile: CipherProfile) -> None:
        self.profile = profile
        self.variant["profile"] = profile.name

    def _draw_cipher(self, mode: CipherMode) -> SessionCipher:
        """A fresh AES key for one login (the driver module owns the generator, so a
        capture can pin it)."""
        raise NotImplementedError

    def _login_once(
        self, link: Link, user: str, secret: str, op: str
    ) -> LoginAttempt | Miss:
        try:
            resp = self._post_act(link, p.login_payload(user, secret), op, login=True)
        except Timeout:
            raise
        except DeviceUnreachable:
            # The key exchange just answered: the firmware dropped a sign it cannot open.
            return Miss(DROPPED)
        if resp.status_code != 200:
            return Miss(f"HTTP {resp.status_code}")
        text = resp.text.strip()
        if not text:
            return Miss("empty answer")
        try:
            opened = link.cipher.decrypt(text)
        except CipherError:
            code = p.ret_code(text)
            if code == p.RET_WRONG_PASSWORD and "currAuthTimes" in text:
                return self._wrong_password(text)  # a plain verdict still counted one
            return Miss(f"{PLAIN_REFUSAL}{code}" if code is not None else "does not decrypt")
        return self._login_verdict(link, resp, opened, op)

    def _login_verdict(
        self, link: Link, resp: requests.Response, text: str, op: str
    ) -> LoginAttempt:
        code = p.ret_code(text)
        if code == p.RET_OK:
            # Not cookies.get(): two JSESSIONIDs (other paths) raise CookieConflictError.
            link.jsessionid = next(
                (c.value for c in resp.cookies if c.name == "JSESSIONID" and c.value), None
            )
            if not link.jsessionid:
                self._fail("login accepted but no JSESSIONID cookie came back", op)
            link.token = self._fetch_token(link, op)
            return LoginAttempt(LoginResult.OK)
        if code == p.RET_WRONG_PASSWORD:
            return self._wrong_password(text)
        if code == g.RET_USER_CONFLICT:
            return LoginAttempt(LoginResult.BUSY)
        if code == p.RET_BAD_REQUEST:
            raise self._err(
                Unsupported,
                "the device read the encrypted login but refused it as malformed (71234): "
                f"profile {link.profile.name}, {link.key.n.bit_length()}-bit key",
                op,
            )
        self._fail(f"unexpected login answer (code {code})", op)

    def _wrong_password(self, text: str) -> LoginAttempt:
        found = p.js_vars(text)
        try:
            # Capped: it becomes a float of seconds, and no lock lasts 30 years.
            forbid = min(int(found.get("currForbidTime", "0") or "0"), 10**9)
            times = int(found["currAuthTimes"]) if "currAuthTimes" in found else None
        except ValueError:
            forbid, times = 0, None
        if forbid > 0:
            return LoginAttempt(LoginResult.LOCKED, attempts_left=0, locked_for_s=float(forbid))
        left: int | None = None
        if times is not None:
            left = times if g.CURR_AUTH_TIMES_IS_REMAINING else self.lock_threshold - times
        return LoginAttempt(LoginResult.WRONG_PASSWORD, attempts_left=left)

    def _key_exchange(self, op: str) -> KeyAnswer:
        resp = self._http.request("POST", p.PARM_PATH, operation=op, headers=self._headers())
        if resp.status_code != 200:
            self._fail(f"key exchange answered HTTP {resp.status_code}", op)
        answer = parse_key_answer(resp.text)
        if isinstance(answer, str):
            if answer.startswith("ECC"):
                raise self._unsupported(op, [f"key exchange: {answer}"])
            self._fail("key exchange answer is not a getGDPRParm key", op)
        self.variant["rsa_bits"] = answer.bits
        return answer

    def _unsupported(self, op: str, tries: list[str]) -> CpeError:
        seen = ", ".join(f"{k}={v}" for k, v in sorted(self.variant.items()))
        return self._err(
            Unsupported,
            "no known TP-Link cipher profile fits this firmware; no password attempt was "
            f"spent. Fingerprint: {seen or 'none'}; tried: {'; '.join(tries) or 'nothing'}",
            op,
        )

    def _fetch_token(self, link: Link, op: str) -> str:
        resp = self._http.request("GET", "/", operation=op, headers=self._headers(link))
        token = p.page_token(resp.text) if resp.status_code == 200 else None
        if not token:
            self._fail("the start page after login carries no session token", op)
        return token

    def _relogin(self, op: str) -> None:
        """Session expired on the device: log in once more with the password that worked."""
        self._link = None
        if self._password is None:
            self._fail("session refused and no password to log in again", op)
        log.info("%s: web session expired; logging in again", self.target.name)
        attempt = self._attempt_login(self.credential.username, self._password)
        if attempt.result is LoginResult.OK:
            return
        if attempt.result is LoginResult.BUSY:
            raise self._err(SessionBusy, "another admin took the session", op)
        if attempt.result is LoginResult.LOCKED:
            raise self._err(LockoutRisk, "the device reports a login lock", op)
        raise self._err(AuthError, "the password that worked is now refused", op)

    def _logout(self) -> None:
        link, self._link = self._link, None
        if link is not None and link.token:
            self._post_act(link, p.act_payload(p.OP_CGI, p.LOGOUT_OID), "logout")

    # -- one act per POST ------------------------------------------------------------------

    def _headers(self, link: Link | None = None, *, token: bool = False) -> dict[str, str]:
        # Explicit Referer per request: the firmware answers 403 without it, and an injected
        # session shared by several devices must not carry another device's.
        headers = {"Referer": self._http.base_url + "/", "Accept-Encoding": g.ACCEPT_ENCODING}
        if link is not None and link.jsessionid:
            headers["Cookie"] = f"JSESSIONID={link.jsessionid}"
        if token and link is not None and link.token:
            headers["TokenID"] = link.token
        return headers

    def _post_act(
        self, link: Link, plaintext: str, op: str, *, login: bool = False
    ) -> requests.Response:
        data, tag = link.cipher.encrypt(plaintext)
        key_iv = link.cipher.sign_prefix() if login else None
        signed = p.sign_string(link.hash, link.seq + len(data), key_iv)
        sign = link.key.sign(signed, link.profile.rsa)
        headers = self._headers(link, token=not login)
        headers["Content-Type"] = "text/plain;charset=UTF-8"
        body = p.format_body(sign, data, tag).encode()
        return self._http.request("POST", p.GDPR_URL, operation=op, data=body, headers=headers)

    def _open_reply(self, link: Link, text: str, op: str) -> str:
        """Decrypt an answer; plain `$.ret=N;` answers (refusals) pass through."""
        if not text.strip():
            return ""
        try:
            return link.cipher.decrypt(text.strip())
        except CipherError:
            if p.ret_code(text) is not None:
                return text
            self._fail("answer does not decrypt with the session key", op)

    def _act(
        self, operation: str, oid: str, op: str, stack: str = p.DEFAULT_STACK,
        attrs: dict[str, str] | None = None, *, retry: bool = True,
    ) -> Any:
        if self._link is None:
            # Not logged in yet, or a failed re-login dropped the link: (re)open.
            self.logged_in = False
            self.open()
        link = self._link
        if link is None:
            self._fail("not logged in", op)
        resp = self._post_act(link, p.act_payload(operation, oid, stack, attrs), op)
        if resp.status_code == g.SESSION_REFUSED_STATUS and retry:
            self._relogin(op)
            return self._act(operation, oid, op, stack, attrs, retry=False)
        if resp.status_code != 200:
            self._fail(f"{oid} answered HTTP {resp.status_code}", op)
        text = self._open_reply(link, resp.text, op)
        if not text.strip():
            return None
        try:
            answer = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nesting too deep
            self._fail(f"{oid} answer is not JSON", op)
        if not isinstance(answer, dict):
            self._fail(f"{oid} answer is not a JSON object", op)
        if answer.get("success") is not True or "errorcode" in answer:
            raise ActRefused(str(answer.get("errorcode", "?")))
        return answer.get("data")

    def _read(
        self, operation: str, oid: str, op: str, stack: str = p.DEFAULT_STACK,
        fields: tuple[str, ...] = (), *, optional: bool = False,
    ) -> Any:
        try:
            return self._act(operation, oid, op, stack, p.read_attrs(*fields))
        except ActRefused as exc:
            if optional:
                return None
            self._fail(f"{oid} read refused (errorcode {exc.code})", op)

    def _fail(self, message: str, op: str) -> NoReturn:
        raise self._err(ParseError, message, op)
