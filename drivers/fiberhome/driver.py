"""Fiberhome ONU driver for the `/cgi-bin/ajax` web stack (notes §2.A).

Before any login it detects the web stack, unauthenticated: A answers JSON at
`/cgi-bin/ajax?ajaxmethod=get_refresh_sessionid`; B (FHNCAPIS) and C (goform) are
reported as "not supported yet" without a single login attempt, and anything else as an
unknown stack with what each path answered.

Key choice for `fhencrypt` (the notes: "try acsRandom first, then the fixed key"): a
login with the wrong key is a failed login on the unit (3 of them lock it for a minute),
so we never try the password under both keys. The decision is made from what the unit
says unauthenticated: if `get_acs_random` answers an `acsRandom`, the firmware is
RP4552+ and uses `acsRandom[6:22]`; if it does not offer one (HTTP 404, or an answer
without the field), the firmware predates it and uses the fixed key. An answer we cannot
read stops us before the login instead of guessing.
"""

from __future__ import annotations

import logging
from ipaddress import IPv4Address
from typing import Any, ClassVar, Literal

import requests
from pydantic import SecretStr

from cpe.errors import (
    AuthError,
    DeviceRejected,
    LockoutRisk,
    ParseError,
    SessionBusy,
    Unsupported,
    VerifyFailed,
)
from cpe.models import (
    Band,
    Capability,
    Credential,
    DeviceStatus,
    DnsSettings,
    PppoeSettings,
    Target,
    Timeouts,
    Transport,
    WifiNetwork,
    WifiSettings,
)
from drivers.base import Driver, LoginAttempt, LoginResult
from drivers.fiberhome import forms, guessed, parse
from drivers.fiberhome.crypto import FIXED_KEY, fhencrypt, key_from_acs_random
from drivers.fiberhome.protocol import (
    FHNCAPIS_PATHS,
    GOFORM_LOGIN_PAGE,
    M_ACS_RANDOM,
    M_ALL_WAN,
    M_BASE_INFO,
    M_LOGIN,
    M_OPERATOR,
    M_REFRESH_SID,
    M_SET_LAN,
    M_SET_WIFI_5,
    M_SET_WIFI_24,
    M_WAN_MODIFY,
    M_WIFI_5,
    M_WIFI_24,
    LoginCode,
)
from drivers.fiberhome.transport import AjaxClient, session_valid
from drivers.http import HttpChannel

log = logging.getLogger("cpe.drivers.fiberhome")

KeySource = Literal["acs_random", "fixed"]
UNSUPPORTED_STACK = "pilha web FHNCAPIS/goform ainda não suportada"


class FiberhomeDriver(Driver):
    model_keys: ClassVar[tuple[str, ...]] = ("fiberhome-onu", "fiberhome-hg6145f")
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.STATUS, Capability.PPPOE, Capability.DNS, Capability.WIFI,
         Capability.OPTICAL}
    )
    transport: ClassVar[Transport] = Transport.HTTP
    lock_threshold: ClassVar[int] = 3
    #: "login_result 2 = locked after 3 bad tries, for about 1 minute" (notes).
    lock_seconds: ClassVar[float] = 60.0

    def __init__(
        self,
        target: Target,
        credential: Credential,
        *,
        timeouts: Timeouts | None = None,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(target, credential, timeouts=timeouts, session=session)
        self.channel = HttpChannel(self.target, self.timeouts, self.session)
        self.ajax = AjaxClient(self.channel, self._err)
        #: Where the fhencrypt key came from (not secret; tests and logs use it).
        self.key_source: KeySource | None = None
        #: Driver profile the answers chose: "acs-random" or "fixed-key" (the fixed-key
        #: firmware also binds the session to our address: nothing to do, no cookie to keep).
        self.profile: str | None = None
        self._key: SecretStr | None = None  # the key bytes as latin-1 text
        self._username = guessed.DEFAULT_USERNAME
        self._password: SecretStr | None = None

    # -- detection and key (unauthenticated, before any login) -------------------------

    def _attempts_left_before_login(self) -> int | None:
        self._detect_stack()
        self._choose_key()
        # The unit shows no failure counter before login: the base class then counts
        # against lock_threshold = 3 (notes: login_result 2 after 3 bad tries).
        return None

    def _detect_stack(self) -> None:
        op = "detect"
        probe = self.ajax.get_method(M_REFRESH_SID, operation=op)
        if probe.status == 200 and probe.data is not None and "sessionid" in probe.data:
            return
        seen = [f"ajax HTTP {probe.status}, {len(probe.text)} bytes"]
        for path in FHNCAPIS_PATHS:
            resp = self.ajax.get(path, {"ajaxmethod": M_REFRESH_SID}, operation=op, page="/")
            if resp.status_code == 200 and "sessionid" in resp.text:
                raise self._err(Unsupported, f"{UNSUPPORTED_STACK} (FHNCAPIS em {path})", op)
            seen.append(f"{path.rsplit('/', 3)[1]} HTTP {resp.status_code}")
        resp = self.ajax.get(GOFORM_LOGIN_PAGE, None, operation=op, page="/")
        if resp.status_code == 200 and "weblogin" in resp.text.lower():
            raise self._err(Unsupported, f"{UNSUPPORTED_STACK} (goform em {GOFORM_LOGIN_PAGE})",
                            op)
        seen.append(f"{GOFORM_LOGIN_PAGE} HTTP {resp.status_code}")
        if probe.status == 200:
            raise self._err(ParseError, "get_refresh_sessionid: answer is not JSON", op)
        raise self._err(
            Unsupported, f"pilha web Fiberhome não reconhecida ({'; '.join(seen)})", op
        )

    def _choose_key(self) -> None:
        op = "detect"
        reply = self.ajax.get_method(M_ACS_RANDOM, operation=op)
        source: KeySource = "fixed"
        key = FIXED_KEY
        if reply.status == 404:
            pass  # the method does not exist: pre-RP4552 firmware
        elif reply.status != 200 or reply.data is None:
            raise self._err(ParseError, f"{M_ACS_RANDOM}: unreadable answer", op)
        elif isinstance(reply.data.get("acsRandom"), str) and reply.data["acsRandom"]:
            try:
                key, source = key_from_acs_random(reply.data["acsRandom"]), "acs_random"
            except ValueError:
                raise self._err(ParseError, "acsRandom malformed", op) from None
        self._key = SecretStr(key.decode("latin-1"))
        self.key_source = source
        self.profile = "acs-random" if source == "acs_random" else "fixed-key"
        log.debug("%s: fhencrypt key from %s", self.target.name, source)

    def _key_bytes(self) -> bytes:
        if self._key is None:
            self._choose_key()
        assert self._key is not None
        return self._key.get_secret_value().encode("latin-1")

    # -- login / logout ----------------------------------------------------------------

    def _attempt_login(self, username: str | None, password: SecretStr) -> LoginAttempt:
        op = "login"
        user = username or guessed.DEFAULT_USERNAME
        loginpd = fhencrypt(password.get_secret_value(), self._key_bytes())
        reply = self.ajax.post(
            M_LOGIN, {"username": user, "loginpd": loginpd, "port": "0"},
            operation=op, page=guessed.LOGIN_REFERER_PAGE,
        )
        if guessed.BUSY_TEXT.lower() in reply.text.lower():
            return LoginAttempt(LoginResult.BUSY)
        code = parse.to_int((reply.data or {}).get("login_result"))
        if code is None:
            raise self._err(ParseError, "do_login: no login_result", op)
        if code == LoginCode.OK:
            self._username, self._password = user, password
            return LoginAttempt(LoginResult.OK)
        if code == LoginCode.OTHER_USER_LOGGED_IN:
            return LoginAttempt(LoginResult.BUSY)
        if code == LoginCode.LOCKED:
            return LoginAttempt(LoginResult.LOCKED, attempts_left=0, locked_for_s=60.0)
        if code in (LoginCode.ACCOUNT_DISABLED, LoginCode.ACCOUNT_UNAVAILABLE):
            raise self._err(AuthError, f"admin account disabled (login_result {code})", op)
        if code == LoginCode.WAN_LOGIN_REFUSED:
            raise self._err(
                DeviceRejected, "a ONU recusa login pela WAN (acesso remoto desligado)", op
            )
        return LoginAttempt(LoginResult.WRONG_PASSWORD)

    def _relogin(self, operation: str) -> None:
        """The session expired (idle 300 s, or the unit dropped it): log in again once."""
        if self._password is None:
            raise self._err(AuthError, "session expired and no password to log in again",
                            operation)
        log.info("%s: session expired; logging in again", self.target.name)
        result = self._attempt_login(self._username, self._password).result
        if result is LoginResult.BUSY:
            raise self._err(SessionBusy, "another admin session took over", operation)
        if result is LoginResult.LOCKED:
            raise self._err(LockoutRisk, "the device reports a login lock", operation)
        if result is not LoginResult.OK:
            raise self._err(AuthError, "password refused on re-login", operation)

    def _logout(self) -> None:
        try:
            self.ajax.post(
                guessed.LOGOUT_METHOD, {"username": self._username}, operation="logout"
            )
        finally:
            self._password = None

    # -- requests with one re-login on expiry ------------------------------------------

    def _read(self, method: str, operation: str) -> dict[str, Any]:
        for attempt in (1, 2):
            data = self.ajax.get_json(method, operation=operation)
            if session_valid(data) is not False:
                return data
            if attempt == 2:
                raise self._err(AuthError, f"{method}: session refused after re-login",
                                operation)
            self._relogin(operation)
        raise AssertionError("unreachable")

    def _write(self, method: str, form: dict[str, str], operation: str) -> dict[str, Any]:
        for attempt in (1, 2):
            reply = self.ajax.post(method, form, operation=operation)
            if reply.data is None:
                raise self._err(ParseError, f"{method}: answer is not JSON", operation)
            if session_valid(reply.data) is not False:
                return reply.data
            if attempt == 2:
                raise self._err(AuthError, f"{method}: session refused after re-login",
                                operation)
            self._relogin(operation)
        raise AssertionError("unreachable")

    def _token(self, operation: str) -> str | None:
        token = self._read(M_OPERATOR, operation).get("token")
        return str(token) if token else None

    def _wans(self, operation: str) -> list[dict[str, Any]]:
        return self._wan_list(self._read(M_ALL_WAN, operation), M_ALL_WAN, operation)

    def _wan_list(self, data: dict[str, Any], method: str, operation: str) -> list[dict[str, Any]]:
        try:
            return parse.wan_list(data)
        except ValueError:
            raise self._err(ParseError, f"{method}: no WAN list", operation) from None

    def _lan(self, operation: str) -> dict[str, Any] | None:
        """The LAN object; None when this firmware does not answer the guessed method."""
        reply = self.ajax.get_method(guessed.LAN_READ_METHOD, operation=operation)
        data = reply.data if reply.status == 200 else None
        if data is not None and session_valid(data) is False:
            self._relogin(operation)
            data = self._read(guessed.LAN_READ_METHOD, operation)
        return parse.lan_object(data)

    # -- status ------------------------------------------------------------------------

    def get_status(self) -> DeviceStatus:
        op = "status"
        base = self._read(M_BASE_INFO, op)
        wan_entry = parse.internet_wan(self._wans(op))
        optical = parse.optical(base)
        registered = optical.registered if optical else True
        wan = parse.wan_status(wan_entry, registered)
        dns = parse.wan_dns(wan_entry) if wan.connection_type != "bridge" else ()
        wifi = []
        for band, method in ((Band.GHZ_2_4, M_WIFI_24), (Band.GHZ_5, M_WIFI_5)):
            entries = parse.wifi_entries(self._read(method, op), band)
            if entries:
                wifi.append(self._network(band, entries[0][1], op))
        return DeviceStatus(
            model=self.target.model,
            firmware=str(base.get("SoftwareVersion") or "") or None,
            hardware=str(base.get("HardwareVersion") or "") or None,
            model_name=str(base.get("ModelName") or "") or None,
            uptime_s=parse.to_int(base.get("uptime")),
            transport=Transport.HTTP,
            wan=wan,
            dns=dns,
            lan_dns=parse.lan_dns(self._lan(op), dns),
            wifi=tuple(wifi),
            optical=optical,
            bridge_mode=wan.connection_type == "bridge",
        )

    def _network(self, band: Band, entry: dict[str, Any], op: str) -> WifiNetwork:
        try:
            return parse.wifi_network(band, entry, self._key_bytes())
        except ValueError:
            raise self._err(
                ParseError, f"{band} SSID/key do not decrypt (wrong fhencrypt key?)", op
            ) from None

    # -- writes ------------------------------------------------------------------------

    def _set_pppoe(self, settings: PppoeSettings) -> None:
        op = "set_pppoe"
        entry = parse.internet_wan(self._wans(op))
        if entry is None or parse.connection_type(entry) != "pppoe":
            raise self._err(Unsupported, "nenhuma WAN INTERNET PPPoE roteada nesta ONU", op)
        wpd = fhencrypt(settings.password.get_secret_value(), self._key_bytes())
        form = forms.wan_modify(
            entry, username=settings.username, wpd=wpd, token=self._token(op)
        )
        answer = self._write(M_WAN_MODIFY, form, op)
        # The answer is the new WAN list [C JS]; the WAN restarts right after it.
        if "wan" in answer:
            new = parse.internet_wan(self._wan_list(answer, M_WAN_MODIFY, op))
            if new is None or str(new.get("Username", "")) != settings.username:
                raise self._err(VerifyFailed, "a ONU não mostrou o novo usuário PPPoE", op)

    def _set_dns(self, settings: DnsSettings) -> None:
        op = "set_dns"
        wanted = tuple(settings.as_list())
        self._set_wan_dns(wanted, op)
        self._set_lan_dns(wanted, op)

    def _set_wan_dns(self, wanted: tuple[IPv4Address, ...], op: str) -> None:
        """The WAN override: the ONU's own resolver (and its DNS proxy) use `wanted`."""
        entry = parse.internet_wan(self._wans(op))
        if entry is None or parse.connection_type(entry) in ("bridge", "unknown"):
            raise self._err(Unsupported, "sem WAN INTERNET roteada: o DNS é do roteador", op)
        if parse.flag(entry.get("DNSOverrideEnable")) and parse.wan_dns(entry) == wanted:
            return
        wpd = None
        if parse.connection_type(entry) == "pppoe":
            wpd = str(entry.get("Password") or "")
            if not wpd:
                # Re-sending the WAN without its password would wipe it.
                raise self._err(
                    Unsupported, "a ONU não mostra a senha PPPoE; DNS da WAN não alterado", op
                )
        form = forms.wan_modify(entry, wpd=wpd, dns=wanted, token=self._token(op))
        answer = self._write(M_WAN_MODIFY, form, op)
        new = self._wan_list(answer, M_WAN_MODIFY, op) if "wan" in answer else None
        if new is not None and parse.wan_dns(parse.internet_wan(new)) != wanted:
            raise self._err(VerifyFailed, "a ONU não aplicou o DNS na WAN", op)

    def _set_lan_dns(self, wanted: tuple[IPv4Address, ...], op: str) -> None:
        """The DHCP side: LAN clients get `wanted` directly (no DNS proxy)."""
        lan = self._lan(op)
        if lan is None:
            log.info("%s: LAN page not readable; DHCP DNS left as is", self.target.name)
            return
        if not parse.flag(lan.get("DNSProxyEnable")) and parse.flag(
            lan.get("DNSManualEnable")
        ) and parse.ip_list(lan.get("DNSServers")) == wanted:
            return
        try:
            form = forms.set_ipv4_lan(lan, wanted, self._token(op))
        except KeyError:
            raise self._err(ParseError, "LAN page lacks fields needed to rewrite it", op) from None
        answer = self._write(M_SET_LAN, form, op)
        new = parse.lan_object(answer)
        if new is not None and parse.lan_dns(new, ()) != wanted:
            raise self._err(VerifyFailed, "a ONU não aplicou o DNS do DHCP", op)

    def _set_wifi(self, settings: WifiSettings) -> None:
        op = "set_wifi"
        band = settings.band
        read, write = (M_WIFI_24, M_SET_WIFI_24) if band is Band.GHZ_2_4 else (
            M_WIFI_5, M_SET_WIFI_5)
        entries = parse.wifi_entries(self._read(read, op), band)
        if not entries:
            raise self._err(Unsupported, f"esta ONU não tem rede {band}", op)
        index, entry = entries[0]
        key = self._key_bytes()
        psk = settings.passphrase.get_secret_value()
        form = forms.set_wlan(
            index, entry, ssid_enc=fhencrypt(settings.ssid, key),
            psk_enc=fhencrypt(psk, key), token=self._token(op),
        )
        answer = self._write(write, form, op)
        after = parse.wifi_entries(answer, band)
        if after:
            net = self._network(band, after[0][1], op)
            got = net.passphrase.get_secret_value() if net.passphrase else None
            if net.ssid != settings.ssid or got != psk:
                raise self._err(VerifyFailed, f"a ONU não aplicou o Wi-Fi {band}", op)


__all__ = ["FiberhomeDriver"]
