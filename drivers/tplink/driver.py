"""TP-Link GPON ONUs over the EX/"gdprJson" web protocol (protocol note §4).

`TplinkOnuDriver` (model key `tplink-onu`): XC220-G3v, routed, dual-band Wi-Fi.
`TplinkBridgeDriver` (model key `tplink-xz000-g3`): XZ000-G3, one port, no Wi-Fi, run in
bridge mode; status and optics only, because the customer's router does PPPoE.

Session: POST /cgi/getGDPRParm (RSA key + seq) → encrypted /cgi/login act on /cgi_gdpr?9
(cookie JSESSIONID) → GET / for `var token` (header TokenID) → one encrypted act per POST
→ /cgi/logout act. CBC or GCM is chosen per device: a model pinned in
`guessed.CIPHER_BY_MODEL`, otherwise the marker variable in the getGDPRParm answer.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, NoReturn

import requests
from pydantic import SecretStr

from cpe.errors import (
    AuthError,
    CpeError,
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
    OpticalPower,
    PppoeSettings,
    Target,
    Timeouts,
    Transport,
    WanStatus,
    WifiNetwork,
    WifiSettings,
)
from drivers.base import Driver, LoginAttempt, LoginResult
from drivers.http import HttpChannel
from drivers.tplink import guessed as g
from drivers.tplink import parse
from drivers.tplink import protocol as p
from drivers.tplink.crypto import (
    CipherError,
    CipherMode,
    SessionCipher,
    md5_hex,
    new_session_cipher,
    rsa_sign,
)

__all__ = ["BRIDGE_PT", "TplinkBridgeDriver", "TplinkOnuDriver"]

log = logging.getLogger("cpe.drivers.tplink")
_HEX = re.compile(r"[0-9A-Fa-f]+")
_SEQ = re.compile(r"[0-9]{1,18}")

#: What the agent reads when asked to configure a bridged ONU.
BRIDGE_PT = "este equipamento está em modo bridge: a configuração é no roteador do cliente"


@dataclass
class _Link:
    """One web session: the device's key and seq, our AES cipher, and the session ids."""

    nn: str = field(repr=False)
    ee: str = field(repr=False)
    seq: int = field(repr=False)
    cipher: SessionCipher = field(repr=False)
    hash: str = field(repr=False)
    jsessionid: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)


class _ActRefused(Exception):
    """The device answered an act with success=false / an errorcode."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class TplinkOnuDriver(Driver):
    model_keys: ClassVar[tuple[str, ...]] = ("tplink-onu",)
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.STATUS, Capability.PPPOE, Capability.DNS, Capability.WIFI, Capability.OPTICAL}
    )
    transport: ClassVar[Transport] = Transport.HTTP
    lock_threshold: ClassVar[int] = g.LOCK_THRESHOLD
    lock_seconds: ClassVar[float] = g.LOCK_SECONDS

    def __init__(
        self,
        target: Target,
        credential: Credential,
        *,
        timeouts: Timeouts | None = None,
        session: Any = None,
    ) -> None:
        super().__init__(target, credential, timeouts=timeouts, session=session)
        self._http = HttpChannel(target, self.timeouts, session)
        self._link: _Link | None = None
        #: The candidate that worked, for the one re-login after a session expiry.
        self._password: SecretStr | None = None
        #: "cbc" or "gcm", known after the first key exchange.
        self.cipher_mode: CipherMode | None = None

    # -- login ---------------------------------------------------------------------------

    def _attempt_login(self, username: str | None, password: SecretStr) -> LoginAttempt:
        op = "login"
        user = username or g.DEFAULT_USERNAME
        secret = password.get_secret_value()
        self.password_sent = False  # an unreadable key exchange spends no attempt
        nn, ee, seq, mode = self._key_exchange(op)
        link = _Link(nn, ee, seq, new_session_cipher(mode), md5_hex(user + secret))
        self.password_sent = True
        resp = self._post_act(link, p.login_payload(user, secret), op, login=True)
        if resp.status_code != 200:
            self._fail(f"login answered HTTP {resp.status_code}", op)
        text = self._open_reply(link, resp.text, op)
        code = p.ret_code(text)
        if code == p.RET_OK:
            # Not cookies.get(): two JSESSIONIDs (other paths) raise CookieConflictError.
            link.jsessionid = next(
                (c.value for c in resp.cookies if c.name == "JSESSIONID" and c.value), None
            )
            if not link.jsessionid:
                self._fail("login accepted but no JSESSIONID cookie came back", op)
            link.token = self._fetch_token(link, op)
            self._link, self._password = link, password
            return LoginAttempt(LoginResult.OK)
        if code == p.RET_WRONG_PASSWORD:
            return self._wrong_password(text)
        if code == g.RET_USER_CONFLICT:
            return LoginAttempt(LoginResult.BUSY)
        if code == p.RET_BAD_REQUEST:
            raise self._err(
                Unsupported,
                "the device refused the encrypted login as malformed (71234): its firmware "
                "uses another cipher or key format",
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

    def _key_exchange(self, op: str) -> tuple[str, str, int, CipherMode]:
        resp = self._http.request("POST", p.PARM_PATH, operation=op, headers=self._headers())
        if resp.status_code != 200:
            self._fail(f"key exchange answered HTTP {resp.status_code}", op)
        found = p.js_vars(resp.text)
        nn, ee, seq = found.get("nn", ""), found.get("ee", ""), found.get("seq", "")
        if (
            p.ret_code(resp.text) != p.RET_OK
            or len(nn) not in (128, 256)
            or not _is_hex(nn)
            or int(nn, 16) < 2  # a zero modulus breaks rsa_sign
            or not ee
            or not _is_hex(ee)
            or len(ee) > len(nn)  # e < n; a huge exponent makes every sign slow
            or not _SEQ.fullmatch(seq)  # ASCII digits int() accepts ("²" is a digit too)
        ):
            self._fail("key exchange answer is not a getGDPRParm key", op)
        pinned = g.CIPHER_BY_MODEL.get(self.target.model)
        marker = found.get(g.GCM_MARKER_VAR, "").lower() == g.GCM_MARKER_VALUE
        mode: CipherMode = "gcm" if (pinned == "gcm" or (pinned is None and marker)) else "cbc"
        self.cipher_mode = mode
        return nn, ee, int(seq), mode

    def _fetch_token(self, link: _Link, op: str) -> str:
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

    def _headers(self, link: _Link | None = None, *, token: bool = False) -> dict[str, str]:
        # Explicit Referer per request: the firmware answers 403 without it, and an injected
        # session shared by several devices must not carry another device's.
        headers = {"Referer": self._http.base_url + "/"}
        if link is not None and link.jsessionid:
            headers["Cookie"] = f"JSESSIONID={link.jsessionid}"
        if token and link is not None and link.token:
            headers["TokenID"] = link.token
        return headers

    def _post_act(
        self, link: _Link, plaintext: str, op: str, *, login: bool = False
    ) -> requests.Response:
        data, tag = link.cipher.encrypt(plaintext)
        key_iv = link.cipher.sign_prefix() if login else None
        sign = rsa_sign(p.sign_string(link.hash, link.seq + len(data), key_iv), link.nn, link.ee)
        headers = self._headers(link, token=not login)
        headers["Content-Type"] = "text/plain;charset=UTF-8"
        body = p.format_body(sign, data, tag).encode()
        return self._http.request("POST", p.GDPR_URL, operation=op, data=body, headers=headers)

    def _open_reply(self, link: _Link, text: str, op: str) -> str:
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
            raise _ActRefused(str(answer.get("errorcode", "?")))
        return answer.get("data")

    def _read(
        self, operation: str, oid: str, op: str, stack: str = p.DEFAULT_STACK,
        fields: tuple[str, ...] = (), *, optional: bool = False,
    ) -> Any:
        try:
            return self._act(operation, oid, op, stack, p.read_attrs(*fields))
        except _ActRefused as exc:
            if optional:
                return None
            self._fail(f"{oid} read refused (errorcode {exc.code})", op)

    def _write(self, oid: str, stack: str, attrs: dict[str, str], op: str) -> None:
        try:
            self._act(p.OP_SET, oid, op, stack, attrs)
        except _ActRefused as exc:
            raise self._err(
                DeviceRejected, f"{oid} refused the change (errorcode {exc.code})", op
            ) from None

    def _fail(self, message: str, op: str) -> NoReturn:
        raise self._err(ParseError, message, op)

    # -- status ------------------------------------------------------------------------------

    def get_status(self) -> DeviceStatus:
        op = "get_status"
        try:
            identity = self._identity(op)
            wan_entry = self._customer_wan_entry(op)
            wan = parse.wan_status(wan_entry)
            bridged = wan.connection_type == "bridge"
            return DeviceStatus(
                wan=wan,
                dns=() if bridged else parse.dns_servers(wan_entry),
                wifi=self._wifi(op),
                optical=self._optics(op),
                bridge_mode=bridged,
                **identity,
            )
        except ValueError as exc:
            self._fail(f"unreadable answer: {exc}", op)

    def _identity(self, op: str) -> dict[str, Any]:
        fields = (*p.DEV_INFO_FIELDS, g.UPTIME_FIELD)
        info = parse.as_entry(self._read(p.OP_GET, p.DEV_INFO_OID, op, fields=fields), "info")
        return {
            "model": self.target.model,
            "firmware": parse.need(info, "softwareVersion", p.DEV_INFO_OID),
            "hardware": info.get("hardwareVersion") or None,
            "model_name": info.get("modelName") or None,
            "uptime_s": parse.uptime(info),
            "transport": Transport.HTTP,
        }

    def _customer_wan_entry(self, op: str) -> parse.Entry | None:
        fields = (
            p.WAN_ENABLE_FIELD, p.WAN_NAME_FIELD, g.WAN_STATUS_FIELD, p.WAN_IP_FIELD,
            p.WAN_GATEWAY_FIELD, p.WAN_DNS_FIELD, g.PPPOE_USER_FIELD, g.WAN_ERROR_FIELD,
        )
        data = self._read(p.OP_LIST, p.WAN_OID, op, fields=fields)
        return parse.pick_wan(parse.as_entries(data or [], p.WAN_OID))

    def _wifi(self, op: str) -> tuple[WifiNetwork, ...]:
        out = []
        fields = (p.WIFI_ENABLE_FIELD, p.WIFI_SSID_FIELD, g.WIFI_PSK_FIELD)
        for band, stack in p.WIFI_STACKS.items():
            data = self._read(p.OP_GET, p.WIFI_OID, op, stack, fields, optional=True)
            if data is not None:
                out.append(parse.wifi_network(band, parse.as_entry(data, p.WIFI_OID)))
        return tuple(out)

    def _optics(self, op: str) -> OpticalPower | None:
        fields = (g.OPTICAL_RX_FIELD, g.OPTICAL_TX_FIELD)
        trx = self._read(p.OP_GET, g.OPTICAL_OID, op, g.OPTICAL_STACK, fields, optional=True)
        if trx is None:
            return None
        ani = self._read(
            p.OP_GET, g.PON_OID, op, g.PON_STACK, (g.PON_STATUS_FIELD,), optional=True
        )
        return parse.optical(
            parse.as_entry(trx, g.OPTICAL_OID),
            parse.as_entry(ani, g.PON_OID) if ani is not None else None,
        )

    # -- writes ------------------------------------------------------------------------------

    def _routed_wan_stack(self, op: str) -> str:
        entry = self._customer_wan_entry(op)
        if entry is None:
            raise self._err(DeviceRejected, "the device has no WAN connection to configure", op)
        if parse.conn_type(entry.get(p.WAN_NAME_FIELD, "")) == "bridge":
            raise self._bridge_unsupported(op)
        stack = entry.get("stack")
        if not stack:
            self._fail(f"{p.WAN_OID} entry has no stack", op)
        return stack

    def _set_pppoe(self, settings: PppoeSettings) -> None:
        op = "set_pppoe"
        stack = self._routed_wan_stack(op)
        attrs = {
            g.PPPOE_USER_FIELD: settings.username,
            g.PPPOE_PASSWORD_FIELD: settings.password.get_secret_value(),
        }
        self._write(g.PPPOE_OID, stack, attrs, op)

    def _set_dns(self, settings: DnsSettings) -> None:
        op = "set_dns"
        stack = self._routed_wan_stack(op)
        servers = ",".join(str(a) for a in settings.as_list())
        self._write(g.DNS_OID, stack, {g.DNS_MANUAL_FIELD: "1", g.DNS_SERVERS_FIELD: servers}, op)

    def _set_wifi(self, settings: WifiSettings) -> None:
        attrs = {
            p.WIFI_SSID_FIELD: settings.ssid,
            g.WIFI_PSK_FIELD: settings.passphrase.get_secret_value(),
        }
        self._write(p.WIFI_OID, p.WIFI_STACKS[settings.band], attrs, "set_wifi")

    def _bridge_unsupported(self, op: str) -> CpeError:
        return Unsupported(
            f"{self.target.model} is in bridge mode: PPPoE, DNS and Wi-Fi live on the "
            "customer's router",
            device=self.target.name,
            model=self.target.model,
            operation=op,
            detail_pt=BRIDGE_PT,
        )


class TplinkBridgeDriver(TplinkOnuDriver):
    """XZ000-G3: bridged single-port ONU. Reads identity and optics; every write is
    Unsupported with the agent's Portuguese explanation."""

    model_keys: ClassVar[tuple[str, ...]] = ("tplink-xz000-g3",)
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.STATUS, Capability.OPTICAL}
    )

    def require(self, capability: Capability, operation: str) -> None:
        if capability not in self.capabilities:
            raise self._bridge_unsupported(operation)

    def get_status(self) -> DeviceStatus:
        op = "get_status"
        try:
            return DeviceStatus(
                wan=WanStatus(up=False, connection_type="bridge"),
                optical=self._optics(op),
                bridge_mode=True,
                **self._identity(op),
            )
        except ValueError as exc:
            self._fail(f"unreadable answer: {exc}", op)


def _is_hex(text: str) -> bool:
    return bool(_HEX.fullmatch(text))
