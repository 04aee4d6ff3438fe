"""The ThinkLua session: login, the landing after it, page context, logout (§3.A/B).

Login: `GET /` (the legacy `.gch` check and the page's `lockMaxTime`), `GET login_entry`
(the rolling `sess_token`, which also sets the cookies, and the lock state), `GET
login_token` (nonce N), then `POST login_entry` with `Password = sha256hex(password + N)`.

Landing: after `login_need_refresh` most units serve data at once (F6640/H288A: public
clients go straight to `menuView`); others first want the browser's reload of `/`, some
after a change-password prompt is dismissed (F6600R). The driver goes straight to the data
and only when the first page does not open does it load `/` and act on what it shows:
the preempt offer (declined: another admin is in), the password prompt (cancelled), or
the main page (the session is now active). So the variant is chosen by the answers, and
the common unit costs no extra request.

Anything that does not look like a known variant stops the login before a password is
sent, with what answered in the message (a fingerprint, never a secret).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from pydantic import SecretStr

from cpe.errors import (
    AuthError,
    CpeError,
    DeviceError,
    LockoutRisk,
    ParseError,
    SessionBusy,
    Unsupported,
)
from cpe.models import Credential, Target, Timeouts
from drivers.base import Driver, LoginAttempt, LoginResult
from drivers.http import HttpChannel
from drivers.zte import ajax
from drivers.zte import guessed as g
from drivers.zte.ajax import AjaxReply
from drivers.zte.crypto import js_hex_unescape

log = logging.getLogger("cpe.drivers.zte")

LOGIN_ENTRY = "/?_type=loginData&_tag=login_entry"
LOGIN_NONCE = "/?_type=loginData&_tag=login_token"
LOGOUT = "/?_type=loginData&_tag=logout_entry"
CHANGEPWD = f"/?_type=loginData&_tag={g.TAG_CHANGEPWD}"
AJAX = {"X-Requested-With": "XMLHttpRequest"}
FORM = {**AJAX, "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
_TMP_TOKEN = re.compile(r"_sessionTmpToken\s*=\s*[\"']([^\"']*)[\"']")
_LOCK_MAX = re.compile(g.LOCK_MAX_TIME_PATTERN)
_CHANGEPWD_TOKEN = re.compile(g.CHANGEPWD_TOKEN_PATTERN)
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Page:
    view: str  # menuView tag
    module: str  # menuData module
    query: str = ""  # extra query the module needs

    def data_path(self, stamp: int) -> str:
        extra = f"&{self.query}" if self.query else ""
        return f"/?_type=menuData&_tag={self.module}{extra}&_={stamp}"


@dataclass(frozen=True)
class _LoginEntry:
    locking_time: int
    error: str


def page_markers(html: str) -> str:
    """What a page shows, for fingerprints: size and the markers we know (no values)."""
    known = (g.GCH_MARKER, "timeOutHint", "_sessionTOKEN", "asyEncode", g.PREEMPT_MARKER,
             g.TAG_CHANGEPWD, "vueData")
    seen = [m for m in known if m in html]
    return f"{len(html)} bytes, markers: {', '.join(seen) or 'none'}"


class ThinkLuaSession(Driver):
    """Login, landing, page context and logout; `ZteDriver` adds the pages and writes."""

    lock_threshold = g.LOCK_THRESHOLD
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
        self.http = HttpChannel(target, self.timeouts, session)
        #: Failures before the lock, as the login page's JS states it (lockMaxTime).
        self._lock_max: int | None = None
        self._failures = 0
        #: Latest sess_token / _sessionTmpToken (a secret: never logged or shown).
        self._token = ""
        #: The candidate that worked, for the one re-login after a SessionTimeout.
        self._password: SecretStr | None = None
        self._stamp = int(time.time() * 1000)
        #: login_entry already read for the next attempt (each read rotates the token).
        self._entry: _LoginEntry | None = None
        #: The menuView page whose context the session holds.
        self._page: str | None = None
        #: `/` was loaded after this login (the landing), so a page that still does not
        #: open means the session is gone.
        self._landed = False
        #: The last menuView page that carried the `asyEncode()` key (read on a write).
        self._key_page: str | None = None
        #: Driver profile the answers chose: "thinklua", or "thinklua-activate" once a
        #: unit wanted the landing before serving data.
        self.profile = "thinklua"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(target={self.target.name!r}, logged_in={self.logged_in})"

    # -- HTTP plumbing -------------------------------------------------------------------

    def _next_stamp(self) -> int:
        self._stamp += 1
        return self._stamp

    def _call(
        self, method: str, path: str, op: str, *, headers: dict[str, str] | None = None,
        data: bytes | None = None,
    ) -> requests.Response:
        resp = self.http.request(method, path, operation=op, headers=headers, data=data)
        if resp.status_code != 200:
            raise self._err(ParseError, f"HTTP {resp.status_code} from the web UI", op)
        return resp

    def _json(self, resp: requests.Response, op: str) -> dict[str, Any]:
        try:
            body = resp.json()
        except (ValueError, RecursionError) as exc:  # RecursionError: nesting too deep
            raise self._err(ParseError, "login answer is not JSON", op) from exc
        if not isinstance(body, dict):
            raise self._err(ParseError, "login answer is not a JSON object", op)
        return body

    def _xml(self, resp: requests.Response, what: str, op: str) -> AjaxReply:
        try:
            return ajax.parse_reply(resp.text)
        except ValueError as exc:
            raise self._err(ParseError, f"{what} did not answer ThinkLua XML", op) from exc

    def _unknown(self, what: str, op: str) -> CpeError:
        return self._err(
            Unsupported,
            f"variante de firmware ZTE desconhecida ({what}); nenhuma senha enviada", op,
        )

    # -- login ---------------------------------------------------------------------------

    def _attempts_left_before_login(self) -> int | None:
        page = self._call("GET", "/", "login").text
        if g.GCH_MARKER in page:
            # Legacy .gch web UI (F660, F670L V1): say so before any password reaches it.
            raise self._err(
                Unsupported,
                f"interface .gch (F660/F670L V1) ainda não suportada ({page_markers(page)})",
                "login",
            )
        match = _LOCK_MAX.search(page)
        try:
            self._lock_max = int(match.group(1)) if match else None
        except ValueError:  # more digits than int() accepts: not a real counter
            self._lock_max = None
        # The page states the unit's threshold: the login policy counts against it.
        self.reported_threshold = self._lock_max if self._lock_max else None
        entry = self._login_entry("login", page)
        if entry.locking_time > 0:
            raise self._err(
                LockoutRisk, f"logins locked for {entry.locking_time}s more; no attempt made",
                "login",
            )
        self._entry = entry
        return None

    def _login_entry(self, op: str, page: str | None = None) -> _LoginEntry:
        """GET login_entry: rotates sess_token, sets the cookies, tells the lock state."""
        resp = self.http.request("GET", LOGIN_ENTRY, operation=op, headers=AJAX)
        seen = f"/ {page_markers(page)}; " if page is not None else ""
        if resp.status_code == 404:
            raise self._unknown(f"{seen}login_entry HTTP 404", op)
        if resp.status_code != 200:
            raise self._err(ParseError, f"HTTP {resp.status_code} from login_entry", op)
        try:
            body = resp.json()
        except (ValueError, RecursionError):
            body = None
        if not isinstance(body, dict):
            raise self._unknown(f"{seen}login_entry answers {len(resp.text)} bytes, not JSON", op)
        entry = self._entry_fields(body, op)
        if not isinstance(body.get("sess_token"), str) and entry.locking_time <= 0:
            keys = ", ".join(sorted(str(k) for k in body)[:8])
            raise self._unknown(f"{seen}login_entry JSON without sess_token (keys: {keys})", op)
        return entry

    def _entry_fields(self, body: dict[str, Any], op: str) -> _LoginEntry:
        token = body.get("sess_token")
        if isinstance(token, str) and token:
            self._token = token
        try:
            locking = int(body.get("lockingTime", 0) or 0)
        except (TypeError, ValueError, OverflowError) as exc:  # OverflowError: inf
            raise self._err(ParseError, "lockingTime is not a number", op) from exc
        # Callers turn it into a float of seconds: keep absurd values finite.
        locking = min(locking, 10**9)
        return _LoginEntry(locking, str(body.get("loginErrMsg") or ""))

    def _nonce(self, op: str) -> str:
        resp = self._call("GET", f"{LOGIN_NONCE}&_={self._next_stamp()}", op, headers=AJAX)
        try:
            nonce = ajax.parse_root_text(resp.text)
        except ValueError as exc:
            raise self._unknown(f"login_token answers {len(resp.text)} bytes, not XML", op) from exc
        if not _DIGITS.fullmatch(nonce):
            # Another hashing scheme may hide behind another token shape: never guess it.
            raise self._unknown(f"login_token of {len(nonce)} non-numeric characters", op)
        return nonce

    def _attempt_login(self, username: str | None, password: SecretStr) -> LoginAttempt:
        op = "login"
        entry, self._entry = self._entry or self._login_entry(op), None
        if entry.locking_time > 0:
            return LoginAttempt(LoginResult.LOCKED, locked_for_s=float(entry.locking_time))
        nonce = self._nonce(op)
        digest = hashlib.sha256((password.get_secret_value() + nonce).encode()).hexdigest()
        body = urlencode({
            "action": "login",
            "Username": username or g.DEFAULT_USERNAME,
            "Password": digest,
            "_sessionTOKEN": self._token,
        }).encode()
        reply = self._json(self._call("POST", LOGIN_ENTRY, op, headers=FORM, data=body), op)
        if reply.get("login_need_refresh"):
            self._entry_fields(reply, op)
            self._page, self._landed = None, False
            self._password = password
            return LoginAttempt(LoginResult.OK)
        return self._refusal(self._entry_fields(reply, op), op)

    def _refusal(self, entry: _LoginEntry, op: str) -> LoginAttempt:
        if entry.locking_time > 0:
            return LoginAttempt(LoginResult.LOCKED, locked_for_s=float(entry.locking_time))
        text = entry.error.lower()
        if not text:
            raise self._err(ParseError, "login neither accepted nor refused", op)
        if any(m in text for m in g.BUSY_MARKERS):
            return LoginAttempt(LoginResult.BUSY)
        if any(m in text for m in g.EXPIRED_MARKERS):
            # A stale rolling token: no password was checked, nothing was counted.
            raise self._err(DeviceError, "the device refused the login token (page expired)", op)
        self._failures += 1
        left = None if self._lock_max is None else max(0, self._lock_max - self._failures)
        return LoginAttempt(LoginResult.WRONG_PASSWORD, attempts_left=left)

    # -- landing -------------------------------------------------------------------------

    def _land(self, op: str) -> None:
        """Load `/` as the browser does after login_need_refresh, and act on what it shows."""
        self._landed = True
        page = self._call("GET", "/", op).text
        if g.PREEMPT_MARKER in page:
            self._post_login_form({"action": "preempt_cancel", "_sessionTOKEN": self._token}, op)
            raise self._err(SessionBusy, "another admin session is open", op)
        if g.TAG_CHANGEPWD in page:
            # Dismiss the change-password prompt with the token its page JS carries.
            match = _CHANGEPWD_TOKEN.search(page)
            token = match.group(1) if match else self._token
            self._post_login_form(
                {"action": "changepwd_cancel", "Password": "", "NewPassword": "",
                 "_sessionTOKEN": token, "encode": ""},
                op, path=CHANGEPWD,
            )
            self._call("GET", "/", op)
        self.profile = "thinklua-activate"

    def _post_login_form(self, fields: dict[str, str], op: str, path: str = LOGIN_ENTRY) -> None:
        body = urlencode(fields).encode()
        try:
            self.http.request("POST", path, operation=op, headers=FORM, data=body)
        except DeviceError as exc:
            log.debug("%s: %s failed: %s", self.target.name, fields.get("action"),
                      type(exc).__name__)

    def _open(self, page: Page, op: str) -> bool:
        """menuView: sets the page context and a fresh token. False: the session is gone."""
        path = f"/?_type=menuView&_tag={page.view}&Menu3Location=0"
        html = self._call("GET", f"{path}&_={self._next_stamp()}", op).text
        match = _TMP_TOKEN.search(html)
        if match is None and not self._landed:
            self._land(op)
            html = self._call("GET", f"{path}&_={self._next_stamp()}", op).text
            match = _TMP_TOKEN.search(html)
        if match is None:
            self._page = None
            return False
        self._token = js_hex_unescape(match.group(1))
        self._page = page.view
        if "asyEncode" in html:
            self._key_page = html
        return True

    def _relogin(self, op: str) -> None:
        """Once, after a SessionTimeout: the same candidate that worked."""
        if self._password is None:
            raise self._err(ParseError, "session lost before login", op)
        log.info("%s: session expired, logging in again", self.target.name)
        self.http.session.cookies.clear()
        self._entry = None
        attempt = self._attempt_login(self.credential.username, self._password)
        if attempt.result is LoginResult.BUSY:
            raise self._err(SessionBusy, "another admin session took over", op)
        if attempt.result is LoginResult.LOCKED:
            raise self._err(LockoutRisk, "the device reports a login lock", op)
        if attempt.result is not LoginResult.OK:
            raise self._err(AuthError, "the password stopped working mid-session", op)

    def _logout(self) -> None:
        body = urlencode({"IF_LogOff": "1", "_sessionTOKEN": self._token}).encode()
        try:
            self.http.request("POST", LOGOUT, operation="logout", headers=FORM, data=body)
        finally:
            self._token = ""
            self.http.session.cookies.clear()
