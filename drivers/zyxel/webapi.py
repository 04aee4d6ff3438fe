"""Zyxel DAL web API client: detection, encrypted login, DAL calls, logout (notes 1.2-1.7).

Owns the protocol state (public key, AES session key, sessionkey, cookie jar) and the
"session expired → log in again once" rule. Errors are built from status codes and
ZCFG result codes only, never from bodies: those carry passwords and Wi-Fi keys.
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

ErrFactory = Callable[[type[CpeError], str, str], CpeError]
NOT_ZYXEL = "o equipamento não parece ser Zyxel"
_BUSY_WORDS = ("duplicate", "busy", "another", "already")


def _code(result: object) -> str:
    """A ZCFG result code safe to show (nothing else from the body is)."""
    match = ZCFG_CODE.search(as_str(result))
    return match.group(0) if match else "an unexpected result"


class ZyxelWebApi:
    def __init__(
        self, target: Target, timeouts: Timeouts, session: requests.Session | None, err: ErrFactory
    ) -> None:
        self.http = HttpChannel(target, timeouts, session)
        self.http.session.headers.update(
            {"X-Requested-With": "XMLHttpRequest", "Accept": "application/json, */*; q=0.01"}
        )
        self._err = err
        self.public_key: RSAPublicKey | None = None
        #: None until probed; False = the "None" plain variant.
        self.encrypted: bool | None = None
        self.aes_key: bytes | None = None
        self.sessionkey: str | None = None
        self._login_as: tuple[str, SecretStr] | None = None

    # -- unauthenticated ------------------------------------------------------------------

    def basic_information(self) -> dict[str, Any]:
        """Model check before any login (never guess by logging in)."""
        resp = self.http.request("GET", "/getBasicInformation", operation="detect")
        try:
            info = json.loads(resp.content)
        except (ValueError, UnicodeDecodeError, RecursionError):
            info = None
        if resp.status_code != 200 or not isinstance(info, dict) or not info.get("ModelName"):
            raise self._err(Unsupported, f"{NOT_ZYXEL} (sem getBasicInformation)", "detect")
        return info

    def _probe_encryption(self) -> None:
        resp = self.http.request("GET", "/getRSAPublickKey", operation="login")
        if resp.status_code == 404:
            self.encrypted = False  # firmware before payload encryption
            return
        body = self._json(resp, "login")
        pem = as_str(body.get("RSAPublicKey") if isinstance(body, dict) else None).strip()
        if not pem or pem == "None":  # HTTPS builds without payload encryption
            self.encrypted = False
            return
        try:
            self.public_key = crypto.load_public_key(pem)
        except crypto.CryptoError as exc:
            raise self._err(ParseError, str(exc), "login") from exc
        self.encrypted = True

    # -- login ------------------------------------------------------------------------------

    def login(self, username: str, password: SecretStr) -> LoginAttempt:
        """One login attempt (the device counts it)."""
        if self.encrypted is None:
            self._probe_encryption()
        form = {
            "Input_Account": username,
            "Input_Passwd": base64.b64encode(password.get_secret_value().encode()).decode(),
            "currLang": "en",
            "RememberPassword": 0,
            "SHA512_password": False,
        }
        for content_type in guessed.LOGIN_CONTENT_TYPES:
            key = crypto.new_key() if self.encrypted else None
            body: dict[str, Any] = dict(form)
            if key is not None and self.public_key is not None:
                body = {**crypto.seal(key, form), "key": crypto.wrap_key(self.public_key, key)}
            resp = self.http.request(
                "POST",
                "/UserLogin",
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
                self.sessionkey = as_str(answer["sessionkey"])
                self._login_as = (username, password)
                return LoginAttempt(LoginResult.OK)
            if guessed.LOGIN_DECRYPT_FAIL.lower() in result.lower():
                continue  # the device did not read the body: no password was checked
            return self._refusal(answer)
        raise self._err(
            Unsupported, "the device could not decrypt the login in either encoding", "login"
        )

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
                self._send("POST", "/cgi-bin/UserLogout", "logout")
        finally:
            self.aes_key, self.sessionkey, self._login_as = None, None, None

    # -- authenticated calls ----------------------------------------------------------------

    def dal_get(self, oid: str) -> list[dict[str, Any]]:
        body = self.call("GET", f"/cgi-bin/DAL?oid={oid}", f"read {oid}")
        objects = body.get("Object")
        if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
            raise self._err(ParseError, f"DAL {oid} answer without an Object list", f"read {oid}")
        return objects

    def dal_put(self, oid: str, obj: Mapping[str, Any], operation: str) -> None:
        self.call("PUT", f"/cgi-bin/DAL?oid={oid}", operation, body=dict(obj))

    def call(
        self, method: str, path: str, operation: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """One request with the session rules: 401 → log in again once; 500 → clear the
        cookies, log in again once; a ZCFG result other than success → error."""
        for retry in (False, True):
            resp = self._send(method, path, operation, body)
            if resp.status_code in (401, 500) and not retry:
                if resp.status_code == 500:
                    self.http.session.cookies.clear()
                self._relogin(operation)
                continue
            break
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
        result = answer.get("result")
        if result != ZCFG_SUCCESS:
            raise self._err(DeviceRejected, f"the device answered {_code(result)}", operation)
        return answer

    def _send(
        self, method: str, path: str, operation: str, body: dict[str, Any] | None = None
    ) -> requests.Response:
        # sessionkey both ways (query for older builds, CSRFToken header for newer).
        headers: dict[str, str] = {}
        if self.sessionkey is not None:
            path += ("&" if "?" in path else "?") + f"sessionkey={self.sessionkey}"
            headers["CSRFToken"] = self.sessionkey
        data = None
        if body is not None:
            payload: Any = crypto.seal(self.aes_key, body) if self.aes_key else body
            data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        return self.http.request(method, path, operation=operation, data=data, headers=headers)

    # -- decoding ---------------------------------------------------------------------------

    def _json(self, resp: requests.Response, operation: str) -> Any:
        try:
            return json.loads(resp.content)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise self._err(
                ParseError, f"answer is not JSON (HTTP {resp.status_code})", operation
            ) from None

    def _decoded(
        self, resp: requests.Response, key: bytes | None, operation: str
    ) -> dict[str, Any]:
        body = self._json(resp, operation)
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
