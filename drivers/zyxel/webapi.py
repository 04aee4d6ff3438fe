"""Zyxel DAL web API client: preflight, login, DAL calls, logout (notes 1.2-1.7).

Owns the protocol state (public key, AES session key, sessionkey, cookie jar), the firmware
variant (`profiles.py`: chosen from unauthenticated answers before any password is sent)
and the runtime variants a session shows: a sessionkey that rotates with each write, a
firmware without `oid=status`, "session expired → log in again once". Errors are built
from status codes and ZCFG result codes only, never from bodies: those carry passwords
and Wi-Fi keys.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from pydantic import SecretStr

from cpe.errors import (
    AuthError,
    CpeError,
    DeviceError,
    DeviceRejected,
    LockoutRisk,
    ParseError,
    SessionBusy,
    Unsupported,
)
from cpe.models import Target, Timeouts
from drivers.base import LoginAttempt, LoginResult
from drivers.http import HttpChannel
from drivers.zyxel import crypto, guessed
from drivers.zyxel.dal import ZCFG_CODE, ZCFG_SUCCESS, as_int, as_str
from drivers.zyxel.profiles import KeyAnswer, WebFingerprint, WebProfile, choose_profile

ErrFactory = Callable[[type[CpeError], str, str], CpeError]
NOT_ZYXEL = "o equipamento não parece ser Zyxel"
UNKNOWN_VARIANT = "variante de firmware Zyxel desconhecida, nenhuma senha foi tentada"
_BUSY_WORDS = ("duplicate", "busy", "another", "already")
_NOT_SERVED = (guessed.ZCFG_NO_SUCH_OBJECT,)


def _code(result: object) -> str:
    """A ZCFG result code safe to show (nothing else from the body is)."""
    match = ZCFG_CODE.search(as_str(result))
    return match.group(0) if match else "an unexpected result"


def _json_body(resp: requests.Response) -> Any:
    try:
        return json.loads(resp.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


class ZyxelWebApi:
    def __init__(
        self, target: Target, timeouts: Timeouts, session: requests.Session | None, err: ErrFactory
    ) -> None:
        self.http = HttpChannel(target, timeouts, session)
        self.http.session.headers.update(
            {"X-Requested-With": "XMLHttpRequest", "Accept": "application/json, */*; q=0.01"}
        )
        self._err = err
        self.fingerprint: WebFingerprint | None = None
        self.profile: WebProfile | None = None
        self.public_key: RSAPublicKey | None = None
        #: None until the preflight; False = a plain (unencrypted) variant.
        self.encrypted: bool | None = None
        self.aes_key: bytes | None = None
        self.sessionkey: str | None = None
        #: The DAL object holding the dashboard; `cardpage_status` on firmware without
        #: `status` (switched once, on the first 404).
        self.status_oid = guessed.STATUS_OIDS[0]
        self._login_as: tuple[str, SecretStr] | None = None

    # -- unauthenticated ------------------------------------------------------------------

    def identify(self) -> tuple[str, dict[str, Any], bool]:
        """(path, answer, cookie set) of the login page's identity answer: GetInfoNoLogin
        as the browser asks it (it also mints the pre-login cookie some firmware wants),
        else getBasicInformation. Never guesses by logging in."""
        for path in (guessed.PRELOGIN_PATH, guessed.BASIC_INFO_PATH):
            resp = self.http.request("GET", path, operation="detect")
            info = _json_body(resp)
            if resp.status_code == 200 and isinstance(info, dict) and info.get("ModelName"):
                return path, info, guessed.SESSION_COOKIE in resp.cookies
        raise self._err(
            Unsupported, f"{NOT_ZYXEL} (sem GetInfoNoLogin/getBasicInformation)", "detect"
        )

    def read_key(self) -> tuple[KeyAnswer, int]:
        """Classify the public-key answer; keeps the parsed key for the login."""
        resp = self.http.request("GET", guessed.PUBLIC_KEY_PATH, operation="login")
        if resp.status_code == guessed.UNSERVED_OID_STATUS:
            return KeyAnswer.ABSENT, resp.status_code
        if resp.status_code != 200:
            return KeyAnswer.OTHER_STATUS, resp.status_code
        body = _json_body(resp)
        if not isinstance(body, dict):
            return KeyAnswer.NOT_JSON, 200
        pem = as_str(body.get("RSAPublicKey")).strip()
        if not pem or pem == guessed.PUBLIC_KEY_NONE:
            return KeyAnswer.NONE, 200
        try:
            self.public_key = crypto.load_public_key(pem)
        except crypto.CryptoError:
            return KeyAnswer.UNREADABLE, 200
        return KeyAnswer.RSA, 200

    def preflight(self) -> WebProfile:
        """Identity + key → the firmware profile, or `Unsupported` naming the variant's
        fingerprint. Only unauthenticated requests; the device counts nothing."""
        path, info, cookie = self.identify()
        key, status = self.read_key()
        firmware = as_str(info.get("SoftwareVersion")) or None
        self.fingerprint = WebFingerprint(
            path, as_str(info.get("ModelName")), firmware, key, status, cookie
        )
        profile = choose_profile(self.fingerprint)
        if profile is None:
            raise self._err(
                Unsupported, f"{UNKNOWN_VARIANT} ({self.fingerprint.describe()})", "detect"
            )
        self.profile, self.encrypted = profile, profile.encrypted
        return profile

    def _prelogin(self) -> None:
        """GetInfoNoLogin again before a re-login: firmware that binds the login to a
        pre-login cookie forgets it once used (404 on older firmware is fine)."""
        self.http.request("GET", guessed.PRELOGIN_PATH, operation="login")

    # -- login ------------------------------------------------------------------------------

    def login(self, username: str, password: SecretStr) -> LoginAttempt:
        """One login attempt (the device counts it). Answers that show the password was
        never checked (undecryptable body, missing pre-login cookie) are retried in the
        other encoding / after a fresh GetInfoNoLogin, never counted as a refusal."""
        if self.profile is None:
            self.preflight()
        form = {
            "Input_Account": username,
            "Input_Passwd": base64.b64encode(password.get_secret_value().encode()).decode(),
            "currLang": "en",
            "RememberPassword": 0,
            "SHA512_password": False,
        }
        prelogin_retried = False
        attempts = list(guessed.LOGIN_CONTENT_TYPES)
        while attempts:
            content_type = attempts[0]
            key = crypto.new_key() if self.encrypted else None
            body: dict[str, Any] = form
            if key is not None and self.public_key is not None:
                body = {**crypto.seal(key, form), "key": crypto.wrap_key(self.public_key, key)}
            resp = self.http.request(
                "POST",
                guessed.LOGIN_PATH,
                operation="login",
                data=json.dumps(body, separators=(",", ":")).encode(),
                headers={"Content-Type": content_type},
            )
            answer = self._decoded(resp, key, "login")
            result = as_str(answer.get("result"))
            if resp.status_code == 200 and result == ZCFG_SUCCESS:
                if answer.get("sessionkey") in (None, ""):
                    raise self._err(ParseError, "login answer without a sessionkey", "login")
                self.aes_key = key
                self._set_sessionkey(as_str(answer["sessionkey"]))
                self._login_as = (username, password)
                return LoginAttempt(LoginResult.OK)
            if result == guessed.ZCFG_NOT_LOGIN and not prelogin_retried:
                prelogin_retried = True  # no pre-login cookie: no password was checked
                self._prelogin()
                continue
            if guessed.LOGIN_DECRYPT_FAIL.lower() in result.lower():
                attempts.pop(0)  # the device did not read the body: no password was checked
                continue
            if result == guessed.ZCFG_NOT_LOGIN:
                raise self._err(
                    Unsupported,
                    f"{UNKNOWN_VARIANT} ({self._describe()}, login=ZCFG_NOT_LOGIN)",
                    "login",
                )
            return self._refusal(answer)
        raise self._err(
            Unsupported, f"{UNKNOWN_VARIANT} ({self._describe()}, login=Decrypt Fail)", "login"
        )

    def _describe(self) -> str:
        return self.fingerprint.describe() if self.fingerprint else "sem preflight"

    @staticmethod
    def _refusal(answer: Mapping[str, Any]) -> LoginAttempt:
        text = as_str(answer.get("result")).lower()
        if "lock" in text:
            remain = as_int(answer.get(guessed.LOGIN_LOCK_REMAIN_KEY))
            return LoginAttempt(
                LoginResult.LOCKED, 0, float(min(remain, 86400)) if remain else None
            )
        if any(word in text for word in _BUSY_WORDS):
            return LoginAttempt(LoginResult.BUSY)
        retry = as_int(answer.get(guessed.LOGIN_RETRY_KEY))
        fails = as_int(answer.get(guessed.LOGIN_FAIL_COUNT_KEY))
        left = max(0, retry - fails) if retry is not None and fails is not None else None
        return LoginAttempt(LoginResult.WRONG_PASSWORD, attempts_left=left)

    def _relogin(self, operation: str) -> None:
        """The session expired (or the web server wedged): log in again, once."""
        if self._login_as is None:
            raise self._err(AuthError, "session lost before any login", operation)
        username, password = self._login_as
        self._set_sessionkey(None)
        self._prelogin()
        attempt = self.login(username, password)
        if attempt.result is LoginResult.OK:
            return
        if attempt.result is LoginResult.BUSY:
            raise self._err(SessionBusy, "another admin session took over", operation)
        if attempt.result is LoginResult.LOCKED:
            raise self._err(LockoutRisk, "the device locked the account", operation)
        raise self._err(AuthError, "the password that worked was refused on re-login", operation)

    def logout(self) -> None:
        try:
            if self.sessionkey is not None:
                self._send("POST", guessed.LOGOUT_PATH, "logout")
        finally:
            self.aes_key, self._login_as = None, None
            self._set_sessionkey(None)

    def _set_sessionkey(self, key: str | None) -> None:
        # Kept on the session as the CSRFToken header (newer builds) so each call does
        # not merge a header dict of its own; `_send` adds the query form (older builds).
        self.sessionkey = key
        if key is None:
            self.http.session.headers.pop("CSRFToken", None)
        else:
            self.http.session.headers["CSRFToken"] = key

    # -- authenticated calls ----------------------------------------------------------------

    def dal_get(self, oid: str) -> list[dict[str, Any]]:
        objects = self._dal_get(oid)
        if objects is None:
            raise self._err(
                Unsupported, f"this firmware does not serve oid={oid} (HTTP 404)", f"read {oid}"
            )
        return objects

    def read_status(self) -> list[dict[str, Any]]:
        """The dashboard object: `oid=status`, or `oid=cardpage_status` on firmware that
        answers 404 for it (the switch is remembered for the session)."""
        for oid in guessed.STATUS_OIDS[guessed.STATUS_OIDS.index(self.status_oid) :]:
            objects = self._dal_get(oid)
            if objects is not None:
                self.status_oid = oid
                return objects
        raise self._err(
            Unsupported, f"{UNKNOWN_VARIANT} (sem {'/'.join(guessed.STATUS_OIDS)})", "status"
        )

    def _dal_get(self, oid: str) -> list[dict[str, Any]] | None:
        """The Object list, or None when this firmware does not serve the oid."""
        body = self.call("GET", f"{guessed.DAL_PATH}?oid={oid}", f"read {oid}", missing_ok=True)
        if body is None:
            return None
        objects = body.get("Object")
        if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
            raise self._err(ParseError, f"DAL {oid} answer without an Object list", f"read {oid}")
        return objects

    def dal_put(self, oid: str, obj: Mapping[str, Any], operation: str) -> None:
        self.call("PUT", f"{guessed.DAL_PATH}?oid={oid}", operation, body=dict(obj))

    def call(
        self,
        method: str,
        path: str,
        operation: str,
        body: dict[str, Any] | None = None,
        *,
        missing_ok: bool = False,
    ) -> Any:
        """One request with the session rules: 401 → log in again once; 500 → clear the
        cookies, log in again once; a ZCFG result other than success → error; a rotated
        sessionkey in the answer replaces ours. With `missing_ok`, an oid this firmware
        does not serve (404 / ZCFG_NO_SUCH_OBJECT) gives None instead of an error."""
        for retry in (False, True):
            resp = self._send(method, path, operation, body)
            if resp.status_code in (401, 500) and not retry:
                if resp.status_code == 500:
                    self.http.session.cookies.clear()
                self._relogin(operation)
                continue
            break
        if resp.status_code == guessed.UNSERVED_OID_STATUS and missing_ok:
            return None
        if resp.status_code == 401:
            raise self._err(AuthError, "the device refused a fresh session (HTTP 401)", operation)
        if resp.status_code == 403:
            raise self._err(DeviceRejected, "the device refused the request (HTTP 403)", operation)
        if resp.status_code == 404:
            raise self._err(
                Unsupported, "this firmware lacks the DAL endpoint (HTTP 404)", operation
            )
        if resp.status_code >= 400:
            raise self._err(DeviceError, f"HTTP {resp.status_code}", operation)
        answer = self._decoded(resp, self.aes_key, operation)
        rotated = answer.get(guessed.ROTATED_SESSIONKEY_FIELD)
        if isinstance(rotated, str | int) and not isinstance(rotated, bool) and rotated != "":
            self._set_sessionkey(as_str(rotated))
        result = answer.get("result")
        if result != ZCFG_SUCCESS:
            if missing_ok and result in _NOT_SERVED:
                return None
            raise self._err(DeviceRejected, f"the device answered {_code(result)}", operation)
        return answer

    def _send(
        self, method: str, path: str, operation: str, body: dict[str, Any] | None = None
    ) -> requests.Response:
        if self.sessionkey is not None:
            path += ("&" if "?" in path else "?") + f"sessionkey={self.sessionkey}"
        if body is None:
            return self.http.request(method, path, operation=operation)
        payload: Any = crypto.seal(self.aes_key, body) if self.aes_key else body
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        return self.http.request(
            method, path, operation=operation, data=data,
            headers={"Content-Type": "application/json"},
        )  # fmt: skip

    # -- decoding ---------------------------------------------------------------------------

    def _decoded(
        self, resp: requests.Response, key: bytes | None, operation: str
    ) -> dict[str, Any]:
        body = _json_body(resp)
        if body is None:
            raise self._err(ParseError, f"answer is not JSON (HTTP {resp.status_code})", operation)
        if crypto.is_sealed(body):
            if key is None:
                raise self._err(ParseError, "encrypted answer but no session key", operation)
            try:
                body = crypto.open_sealed(key, body)
            except crypto.CryptoError as exc:
                raise self._err(ParseError, str(exc), operation) from exc
        if not isinstance(body, dict):
            raise self._err(ParseError, "answer is not a JSON object", operation)
        return body
