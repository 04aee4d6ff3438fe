"""ZTE ONU driver (F670L and other ThinkLua web UIs: `/?_type=...&_tag=...`).

Login (§3.A): `GET /` for cookies (and the legacy `.gch` check), `GET login_entry` for the
rolling `sess_token` and the lock state, `GET login_token` for the nonce N, then `POST
login_entry` with `Password = sha256hex(password + N)`; on `login_need_refresh` one more
`GET /`. Reads (§3.B): `menuView` of the page (fresh `_sessionTmpToken`, RSA key in
`asyEncode()`), then `menuData` of its module; `<encode>` fields are decrypted with that
token. Writes (§3.C): the whole instance re-posted, sensitive fields AES-wrapped with a
fresh (ck, ci), `_sessionTOKEN` last, and the `Check` header signing the exact body.

Never logs bodies, tokens or keys; error messages carry only page, field and code names.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from cpe.errors import (
    AuthError,
    DeviceError,
    DeviceRejected,
    LockoutRisk,
    ParseError,
    SessionBusy,
    Unsupported,
)
from cpe.models import (
    Capability,
    Credential,
    DeviceStatus,
    DnsSettings,
    PppoeSettings,
    Target,
    Timeouts,
    Transport,
    WifiSettings,
)
from drivers.base import Driver, LoginAttempt, LoginResult
from drivers.http import HttpChannel
from drivers.zte import ajax, status
from drivers.zte import guessed as g
from drivers.zte.ajax import AjaxReply, Instance
from drivers.zte.crypto import (
    CryptoError,
    FieldCipher,
    check_header,
    decode_read_value,
    js_hex_unescape,
    public_key_from_js,
)

log = logging.getLogger("cpe.drivers.zte")

_LOGIN_ENTRY = "/?_type=loginData&_tag=login_entry"
_LOGIN_NONCE = "/?_type=loginData&_tag=login_token"
_LOGOUT = "/?_type=loginData&_tag=logout_entry"
_AJAX = {"X-Requested-With": "XMLHttpRequest"}
_FORM = {**_AJAX, "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
_TMP_TOKEN = re.compile(r"_sessionTmpToken\s*=\s*[\"']([^\"']*)[\"']")
_LOCK_MAX = re.compile(g.LOCK_MAX_TIME_PATTERN)


@dataclass(frozen=True)
class _Page:
    view: str  # menuView tag
    module: str  # menuData module
    query: str = ""  # extra query the module needs

    def data_path(self, stamp: int) -> str:
        extra = f"&{self.query}" if self.query else ""
        return f"/?_type=menuData&_tag={self.module}{extra}&_={stamp}"


STATUS = _Page(g.PAGE_STATUS, g.MOD_STATUS)
WAN_STATUS = _Page(g.PAGE_WAN_STATUS, g.MOD_WAN_STATUS, g.QUERY_WAN_STATUS)
WAN_CONFIG = _Page(g.PAGE_WAN_CONFIG, g.MOD_WAN_CONFIG, g.QUERY_WAN_CONFIG)
OPTICAL = _Page(g.PAGE_OPTICAL, g.MOD_OPTICAL)
WLAN = _Page(g.PAGE_WLAN, g.MOD_WLAN)
DNS = _Page(g.PAGE_DNS, g.MOD_DNS)
LAN_DHCP = _Page(g.PAGE_LAN, g.MOD_LAN_DHCP)


@dataclass(frozen=True)
class _LoginEntry:
    locking_time: int
    error: str


class ZteDriver(Driver):
    model_keys = ("zte-onu", "zte-f670l")
    capabilities = frozenset({
        Capability.STATUS, Capability.PPPOE, Capability.DNS, Capability.WIFI,
        Capability.OPTICAL,
    })
    transport = Transport.HTTP
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
        self._pubkey: rsa.RSAPublicKey | None = None
        self._stamp = int(time.time() * 1000)
        #: login_entry already read for the next attempt (each read rotates the token).
        self._entry: _LoginEntry | None = None
        #: The menuView page whose context the session holds.
        self._page: str | None = None

    def __repr__(self) -> str:
        return f"ZteDriver(target={self.target.name!r}, logged_in={self.logged_in})"

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

    # -- login -----------------------------------------------------------------------------

    def _attempts_left_before_login(self) -> int | None:
        page = self._call("GET", "/", "login").text
        if g.GCH_MARKER in page:
            # Legacy F660 web UI: say so before any password reaches it.
            raise self._err(Unsupported, "interface .gch (F660) ainda não suportada", "login")
        match = _LOCK_MAX.search(page)
        try:
            self._lock_max = int(match.group(1)) if match else None
        except ValueError:  # more digits than int() accepts: not a real counter
            self._lock_max = None
        # The page states the unit's threshold: the login policy counts against it.
        self.reported_threshold = self._lock_max if self._lock_max else None
        entry = self._login_entry("login")
        if entry.locking_time > 0:
            raise self._err(
                LockoutRisk, f"logins locked for {entry.locking_time}s more; no attempt made",
                "login",
            )
        self._entry = entry
        return None

    def _login_entry(self, op: str) -> _LoginEntry:
        """GET login_entry: rotates sess_token and tells the lock state."""
        resp = self.http.request("GET", _LOGIN_ENTRY, operation=op, headers=_AJAX)
        if resp.status_code == 404:
            raise self._err(Unsupported, "no ThinkLua login on this unit (unknown web UI)", op)
        if resp.status_code != 200:
            raise self._err(ParseError, f"HTTP {resp.status_code} from login_entry", op)
        return self._entry_fields(self._json(resp, op), op)

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

    def _attempt_login(self, username: str | None, password: SecretStr) -> LoginAttempt:
        op = "login"
        if not self.http.session.cookies:
            self._call("GET", "/", op)  # the device refuses a login without its cookies
        entry, self._entry = self._entry or self._login_entry(op), None
        if entry.locking_time > 0:
            return LoginAttempt(LoginResult.LOCKED, locked_for_s=float(entry.locking_time))
        resp = self._call("GET", f"{_LOGIN_NONCE}&_={self._next_stamp()}", op, headers=_AJAX)
        try:
            nonce = ajax.parse_root_text(resp.text)
        except ValueError as exc:
            raise self._err(ParseError, "login_token did not answer XML", op) from exc
        if not nonce:
            raise self._err(ParseError, "login_token is empty", op)
        digest = hashlib.sha256((password.get_secret_value() + nonce).encode()).hexdigest()
        body = urlencode({
            "action": "login",
            "Username": username or g.DEFAULT_USERNAME,
            "Password": digest,
            "_sessionTOKEN": self._token,
        }).encode()
        reply = self._json(self._call("POST", _LOGIN_ENTRY, op, headers=_FORM, data=body), op)
        if reply.get("login_need_refresh"):
            self._entry_fields(reply, op)
            self._page = None
            page = self._call("GET", "/", op).text  # mandatory: else data calls time out
            if g.PREEMPT_MARKER in page:
                self._cancel_preempt(op)
                return LoginAttempt(LoginResult.BUSY)
            self._password = password
            return LoginAttempt(LoginResult.OK)
        return self._refusal(self._entry_fields(reply, op), op)

    def _cancel_preempt(self, op: str) -> None:
        """The device offers to kick the other admin: decline (runbook: never kick)."""
        body = urlencode({"action": "preempt_cancel", "_sessionTOKEN": self._token}).encode()
        try:
            self.http.request("POST", _LOGIN_ENTRY, operation=op, headers=_FORM, data=body)
        except DeviceError as exc:
            log.debug("%s: preempt_cancel failed: %s", self.target.name, type(exc).__name__)

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
            self.http.request("POST", _LOGOUT, operation="logout", headers=_FORM, data=body)
        finally:
            self._token = ""
            self.http.session.cookies.clear()

    # -- pages -----------------------------------------------------------------------------

    def _open(self, page: _Page, op: str) -> bool:
        """menuView: sets the page context and a fresh token. False: the session is gone."""
        path = f"/?_type=menuView&_tag={page.view}&Menu3Location=0&_={self._next_stamp()}"
        html = self._call("GET", path, op).text
        match = _TMP_TOKEN.search(html)
        if match is None:
            self._page = None
            return False
        self._token = js_hex_unescape(match.group(1))
        self._page = page.view
        if self._pubkey is None and "asyEncode" in html:
            try:
                self._pubkey = public_key_from_js(html)
            except CryptoError as exc:
                raise self._err(ParseError, f"{page.view}: {exc}", op) from exc
        return True

    def _read(self, page: _Page, op: str) -> AjaxReply:
        reply = self._with_session(page, op, lambda: self._xml(
            self._call("GET", page.data_path(self._next_stamp()), op, headers=_AJAX),
            page.module, op,
        ))
        if not reply.ok:
            raise self._err(ParseError, f"{page.module} answered {reply.errorstr}", op)
        return self._decoded(reply, page, op)

    def _with_session(
        self, page: _Page, op: str, fetch: Callable[[], AjaxReply], *, reuse: bool = False
    ) -> AjaxReply:
        """Open the page (or keep it open when `reuse`), fetch; after a SessionTimeout log in
        again once and retry."""
        for attempt in (1, 2):
            if (reuse and attempt == 1 and self._page == page.view) or self._open(page, op):
                reply = fetch()
                if not reply.session_timeout:
                    return reply
            if attempt == 2:
                break
            self._relogin(op)
        raise self._err(ParseError, f"{page.view}: session keeps timing out", op)

    def _decoded(self, reply: AjaxReply, page: _Page, op: str) -> AjaxReply:
        if not reply.encoded:
            return reply
        objects: dict[str, list[Instance]] = {}
        for name, instances in reply.objects.items():
            objects[name] = []
            for inst in instances:
                plain = dict(inst)
                for field in reply.encoded & plain.keys():
                    if plain[field]:
                        try:
                            plain[field] = decode_read_value(plain[field], self._token)
                        except CryptoError as exc:
                            msg = f"{page.module}: field {field} does not decode"
                            raise self._err(ParseError, msg, op) from exc
                objects[name].append(plain)
        return replace(reply, objects=objects)

    def _write(
        self, page: _Page, inst_id: str, fields: Iterable[tuple[str, str]], op: str
    ) -> AjaxReply:
        items = list(fields)
        # Like the browser: the POST rides on the menuView the read just opened.
        reply = self._with_session(
            page, op, lambda: self._post(page, inst_id, items, op), reuse=True
        )
        if not reply.ok:
            where = f" (field {reply.errorparam})" if reply.errorparam not in ("", "SUCC") else ""
            raise self._err(
                DeviceRejected, f"{page.module} refused the change: {reply.errorstr}{where}", op
            )
        return reply

    def _post(self, page: _Page, inst_id: str, fields: list[tuple[str, str]], op: str) -> AjaxReply:
        if self._pubkey is None:
            raise self._err(ParseError, f"{page.view}: no public key in the page", op)
        secret = g.WRITE_ENCODED.get(page.module, ())
        cipher = FieldCipher.fresh()
        pairs = [("IF_ACTION", "Apply"), ("_InstID", inst_id)]
        encoded = False
        for name, value in fields:
            if name in secret and value:
                pairs.append((name, cipher.encrypt(value)))
                encoded = True
            else:
                pairs.append((name, value))
        if encoded:
            pairs.append(("encode", cipher.wrap(self._pubkey)))
        pairs.append(("_sessionTOKEN", self._token))  # must be last
        body = urlencode(pairs).encode("ascii")
        headers = {**_FORM, "Check": check_header(self._pubkey, body)}
        resp = self._call("POST", page.data_path(self._next_stamp()), op, headers=headers,
                          data=body)
        return self._xml(resp, page.module, op)

    # -- operations --------------------------------------------------------------------------

    def get_status(self) -> DeviceStatus:
        op = "get_status"
        model_name, firmware, hardware, uptime = status.device_info(self._read(STATUS, op))
        wan, wan_dns = status.wan_status(self._read(WAN_STATUS, op))
        optical = status.optical(self._read(OPTICAL, op))
        wifi = status.wifi(self._read(WLAN, op))
        dns = status.resolver_dns(self._read(DNS, op), wan_dns)
        lan_dns = status.lan_dns(self._read(LAN_DHCP, op), wan_dns)
        return DeviceStatus(
            model=self.target.model,
            firmware=firmware,
            hardware=hardware,
            model_name=model_name,
            uptime_s=uptime,
            transport=Transport.HTTP,
            wan=wan,
            dns=dns,
            lan_dns=lan_dns,
            wifi=wifi,
            optical=optical,
            bridge_mode=wan.connection_type == "bridge",
        )

    def _set_pppoe(self, settings: PppoeSettings) -> None:
        op = "set_pppoe"
        inst = status.internet_instance(self._read(WAN_CONFIG, op).instances(g.OBJ_WAN))
        if inst is None:
            raise self._err(Unsupported, "no INTERNET WAN connection to configure", op)
        fields = dict(inst)
        inst_id = fields.pop("_InstID", "")
        fields.update(g.PPPOE_FORCED_FIELDS)
        fields["UserName"] = settings.username
        fields["Password"] = settings.password.get_secret_value()
        self._write(WAN_CONFIG, inst_id, fields.items(), op)

    def _set_dns(self, settings: DnsSettings) -> None:
        op = "set_dns"
        wanted = [str(settings.primary), str(settings.secondary)]
        fields = dict(self._read(DNS, op).first(g.OBJ_DNS))
        if not fields:
            raise self._err(ParseError, f"{g.MOD_DNS} has no {g.OBJ_DNS}", op)
        inst_id = fields.pop("_InstID", g.DNS_INST)
        fields["SerIPAddress1"], fields["SerIPAddress2"] = wanted
        self._write(DNS, inst_id, fields.items(), op)
        # Fixed DHCP servers bypass the ONU's proxy: align them too.
        dhcp = dict(self._read(LAN_DHCP, op).first(g.OBJ_DHCP))
        if dhcp.get("DnsServerSource") != g.DNS_SOURCE_MANUAL:
            return
        if [dhcp.get("DNSServer1", ""), dhcp.get("DNSServer2", "")] == wanted:
            return
        inst_id = dhcp.pop("_InstID", g.DHCP_INST)
        dhcp["DNSServer1"], dhcp["DNSServer2"] = wanted
        self._write(LAN_DHCP, inst_id, dhcp.items(), op)

    def _set_wifi(self, settings: WifiSettings) -> None:
        op = "set_wifi"
        reply = self._read(WLAN, op)
        ap = status.main_aps(reply).get(settings.band)
        if ap is None:
            raise self._err(Unsupported, f"no {settings.band} SSID on this unit", op)
        ap_id = ap.get("_InstID", "")
        psk = status.psk_instance(reply, ap_id)
        fields = [
            ("ESSID", settings.ssid),
            ("Enable", ap.get("Enable", "1")),
            ("ESSIDHideEnable", ap.get("ESSIDHideEnable", "0")),
            *g.WIFI_SECURITY_FIELDS,
            ("_InstID_PSK", (psk or {}).get("_InstID", f"{ap_id}.PSK1")),
            ("KeyPassphrase", settings.passphrase.get_secret_value()),
        ]
        self._write(WLAN, ap_id, fields, op)
