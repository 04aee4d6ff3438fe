"""Driver for Mercusys AC12G v1 and MR30G v1: the classic `/?code=N&asyn=M` web UI.

Login (note §1): an unauthenticated `POST /?code=7&asyn=0` answers 401 with the client
state, the failure counter, a nonce and a dictionary; the token is
securityEncode(nonce, orgAuthPwd(password), dictionary) and goes, percent-encoded, in
`&id=` of every later call. Reads post `<id>|<stack>#...` with code=2, writes post blocks
with code=1 and send only the keys that change. A 401/00007 on a call means the session
expired: log in again once, retry the call once, then give up.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from pydantic import SecretStr

from cpe.errors import (
    AuthError,
    DeviceError,
    DeviceRejected,
    DeviceUnreachable,
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
    WifiSettings,
)
from drivers.base import Driver, LoginAttempt, LoginResult
from drivers.http import HttpChannel
from drivers.mercusys import guessed as g
from drivers.mercusys.encoding import encode_uri_component, login_token
from drivers.mercusys.profiles import ModelProfile, profile_for
from drivers.mercusys.status import build_status
from drivers.mercusys.wire import (
    EUNAUTH,
    OK,
    Block,
    Challenge,
    ClientState,
    ObjectRef,
    Reply,
    RequestCode,
    WireError,
    describe_code,
    parse_challenge,
    parse_reply,
    render_blocks,
    render_read_request,
)
from drivers.redact import install as install_token_redaction

__all__ = ["MercusysDriver", "changed_keys"]

log = logging.getLogger("cpe.drivers.mercusys")
install_token_redaction()

CONTENT_TYPE = "text/plain;charset=UTF-8"
_WRONG_PASSWORD_STATES = (ClientState.PSWERR, ClientState.PSW_ILLEGAL)
#: Read errors that mean "this firmware has no such object": say "not supported yet".
_UNKNOWN_OBJECT_CODES = (g.ERR_BAD_ARGUMENT, g.ERR_BAD_CODE)


def changed_keys(current: Block, desired: Block) -> Block:
    """The part of `desired` that differs from what the device holds (read-modify-write:
    only these keys are sent back)."""
    out = Block(desired.ref)
    for key, value in desired.values.items():
        if current.values.get(key) != value:
            out.values[key] = value
    return out


class MercusysDriver(Driver):
    model_keys = ("mercusys-ac12g", "mercusys-mr30g")
    capabilities = frozenset(
        {Capability.STATUS, Capability.PPPOE, Capability.DNS, Capability.WIFI}
    )
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

    # -- login ------------------------------------------------------------------------------

    def _attempts_left_before_login(self) -> int | None:
        challenge = self._fetch_challenge()
        self._refuse_if_blocked(challenge, "login")
        self._challenge = challenge
        return self._attempts_left(challenge)

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
            return LoginAttempt(LoginResult.WRONG_PASSWORD, self._attempts_left(answer))
        if answer.state == ClientState.LOCK:
            return LoginAttempt(LoginResult.LOCKED)
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

    def _attempts_left(self, challenge: Challenge) -> int:
        if g.COUNTER_IS_ATTEMPTS_LEFT:
            return challenge.counter
        return max(0, self.profile.lock_threshold - challenge.counter)

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
        try:
            return parse_challenge(resp.content.decode("utf-8", errors="replace"))
        except WireError as exc:
            raise self._err(
                ParseError, f"unreadable 401 answer (HTTP {resp.status_code}): {exc}", operation
            ) from exc

    # -- reads and writes -----------------------------------------------------------------------

    def _read(self, refs: list[ObjectRef], operation: str) -> dict[ObjectRef, Block]:
        body = render_read_request(refs)
        reply = self._call(RequestCode.READ, self.profile.read_asyn, body, operation)
        if reply.code != OK:
            cls = Unsupported if reply.code in _UNKNOWN_OBJECT_CODES else ParseError
            raise self._err(
                cls, f"read of {body} refused with {describe_code(reply.code)}", operation
            )
        blocks = reply.by_ref()
        missing = [str(r) for r in refs if r not in blocks]
        if missing:
            raise self._err(ParseError, f"answer lacks block(s) {', '.join(missing)}", operation)
        return blocks

    def _write(self, blocks: list[Block], operation: str) -> None:
        refs = ", ".join(str(b.ref) for b in blocks)
        try:
            reply = self._call(RequestCode.WRITE, 0, render_blocks(blocks), operation)
        except DeviceUnreachable as exc:
            if len(blocks) < 2:
                raise
            # The firmware applies blocks one by one: a drop here may leave half a change.
            raise type(exc)(
                f"connection lost during a {len(blocks)}-block write ({refs}); the device "
                "may have applied only part of it (rebooting?)",
                device=self.target.name,
                model=self.target.model,
                operation=operation,
                detail_pt=(
                    "A conexão caiu no meio da gravação: o equipamento pode ter reiniciado "
                    "e aplicado só parte da alteração. Aguarde ele voltar e confira o status "
                    "antes de repetir."
                ),
            ) from None
        if reply.code != OK:
            raise self._err(
                DeviceRejected,
                f"the device refused the write of {refs}: {describe_code(reply.code)}",
                operation,
            )
        keys = sorted({k for b in blocks for (k, _) in b.values})
        log.info("%s: %s wrote %s (%s)", self.target.name, operation, refs, ", ".join(keys))

    def _read_one(self, ref: ObjectRef, operation: str) -> Block:
        return self._read([ref], operation)[ref]

    # -- operations -----------------------------------------------------------------------------

    def get_status(self) -> DeviceStatus:
        blocks = self._read(list(self.profile.status_refs()), "get_status")
        try:
            status = build_status(self.target.model, self.profile, blocks)
        except WireError as exc:
            raise self._err(ParseError, f"unreadable status: {exc}", "get_status") from exc
        if status.model_name and status.model_name != self.profile.model_name:
            log.warning(
                "%s: inventory says %s but the device reports modelName %s",
                self.target.name,
                self.target.model,
                status.model_name,
            )
        return status

    def _set_dns(self, settings: DnsSettings) -> None:
        link_ref, pppoe_ref = self.profile.single(g.DATA_LINK), self.profile.single(g.DATA_PPPOE)
        blocks = self._read([link_ref, pppoe_ref], "set_dns")
        if blocks[link_ref].get("linkType") != str(g.LINK_TYPE_PPPOE):
            raise self._err(
                Unsupported,
                "WAN DNS is only supported on a PPPoE WAN for now (DHCP/static keep it "
                "in other objects)",
                "set_dns",
            )
        desired = (
            Block(pppoe_ref)
            .set(g.MANUAL_DNS_KEY, g.MANUAL_DNS_ON)
            .set(g.DNS_ROW_KEY, str(settings.primary), 0)
            .set(g.DNS_ROW_KEY, str(settings.secondary), 1)
        )
        change = changed_keys(blocks[pppoe_ref], desired)
        if change.values:
            self._write([change], "set_dns")

    def _set_wifi(self, settings: WifiSettings) -> None:
        ref = self.profile.wifi(settings.band)
        current = self._read_one(ref, "set_wifi")
        if current.get(g.WIFI_SSID_KEY) is None:
            raise self._err(
                Unsupported,
                f"block {ref} has no {g.WIFI_SSID_KEY}: this firmware keeps its SSIDs "
                "elsewhere (not supported yet)",
                "set_wifi",
            )
        desired = (
            Block(ref)
            .set(g.WIFI_SSID_KEY, settings.ssid)
            .set(g.WIFI_PSK_KEY, settings.passphrase.get_secret_value())
        )
        change = changed_keys(current, desired)
        if change.values:
            self._write([change], "set_wifi")

    def _set_pppoe(self, settings: PppoeSettings) -> None:
        pppoe_ref, link_ref = self.profile.single(g.DATA_PPPOE), self.profile.single(g.DATA_LINK)
        blocks = self._read([pppoe_ref, link_ref], "set_pppoe")
        if blocks[pppoe_ref].get(g.PPPOE_USER_KEY) is None:
            raise self._err(
                Unsupported, f"block {pppoe_ref} has no {g.PPPOE_USER_KEY}", "set_pppoe"
            )
        credentials = changed_keys(
            blocks[pppoe_ref],
            Block(pppoe_ref)
            .set(g.PPPOE_USER_KEY, settings.username)
            .set(g.PPPOE_PASSWORD_KEY, settings.password.get_secret_value()),
        )
        commit = Block(link_ref).set("linkType", str(g.LINK_TYPE_PPPOE))
        if not g.PPPOE_COMMIT_ALWAYS:
            commit = changed_keys(blocks[link_ref], commit)
        writes = [b for b in (credentials, commit) if b.values]
        if writes:
            self._write(writes, "set_pppoe")


def _says_unauthenticated(resp: requests.Response) -> bool:
    return resp.content[:5] == f"{EUNAUTH:05d}".encode()


def _state_name(challenge: Challenge) -> str:
    state = challenge.state
    return f"{state.name}({int(state)})" if isinstance(state, ClientState) else str(state)
