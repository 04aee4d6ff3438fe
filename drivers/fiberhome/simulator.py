"""Simulated Fiberhome ONUs: the `/cgi-bin/ajax` stack, plus detection stubs of B and C.

Speaks what the notes (§2.A) describe, so a client written for the real unit works here,
in the firmware profiles of `sim_profiles.py`: JSON answers, each carrying a sessionid; a
POST must carry the latest one issued and consumes it (the next answer carries a new one,
and `get_refresh_sessionid` always mints one); `get_acs_random` on RP4552+ firmware (knob
`extra["acs_random"]`) and the session in a cookie, or, on fixed-key firmware, no cookie at
all and the session bound to the client address (knob `extra["bind"] = "ip"`);
`get_device_name` answers the model unauthenticated; fhencrypt on SSID/PSK/PPPoE password
both ways; `_point_` IPs; login_result 2 after 3 failures for 60 s; one admin session
(another client IP gets login_result 1, or the "Somebody has already logged in" text with
knob `extra["busy_text"]`); 300 s idle expiry (`session_valid` 0). Knob `extra["stack"]` =
"fhncapis" | "goform" serves just enough of those stacks for detection, and counts any
login attempt made on them in `extra["login_posts"]`.

Per-device counters in `extra`: `posts` (POSTs to /cgi-bin/ajax), `stale_posts`
(refused for a stale/reused sessionid or a wrong page token), `login_posts`.
"""

from __future__ import annotations

import base64
import binascii
import random
import secrets
import string
from collections.abc import Callable
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from cpe.models import Band
from drivers.fiberhome import guessed, sim_writes
from drivers.fiberhome.crypto import fhdecrypt
from drivers.fiberhome.protocol import (
    AJAX_PATH,
    FHNCAPIS_LOGIN_PATH,
    FHNCAPIS_PATHS,
    GOFORM_LOGIN_PAGE,
    GOFORM_LOGIN_PATH,
    IS_LOGINED_PATH,
    M_ACS_RANDOM,
    M_ALL_WAN,
    M_BASE_INFO,
    M_LOGIN,
    M_LOGIN_USER,
    M_OPERATOR,
    M_REBOOT,
    M_REFRESH_SID,
    M_SET_LAN,
    M_SET_WIFI_5,
    M_SET_WIFI_24,
    M_WAN_MODIFY,
    M_WIFI_5,
    M_WIFI_24,
    LoginCode,
)
from drivers.fiberhome.sim_profiles import LAB_PROFILES, apply_profile
from drivers.fiberhome.sim_views import all_wan, base_info, device_key, lan_ipv4, wifi_status
from drivers.sim import (
    FleetServer,
    Knobs,
    LoginCheck,
    Session,
    SimDevice,
    WifiState,
    client_ip,
    make_app,
)

_ALNUM = string.ascii_letters + string.digits
_SID_CHARS = string.ascii_letters + string.digits
_LOGIN_PAGE = (
    "<html><head><title>HG6145F</title></head><body>"
    '<script>window.location.href="/html/login_inter.html";</script></body></html>'
)
_STACK_C_PAGE = (
    '<html><body><form name="loginForm" action="/goform/webLogin" method="post">'
    '<input name="username"><input name="password" type="password"></form></body></html>'
)

Json = dict[str, Any]
#: What a login field that does not decode stands for: never anyone's password.
_UNDECODABLE = "\x00"


def _bump(dev: SimDevice, counter: str) -> None:
    dev.extra[counter] = int(dev.extra.get(counter, 0)) + 1


def _mint_sid(dev: SimDevice) -> str:
    sid = "".join(secrets.choice(_SID_CHARS) for _ in range(8))
    # Kept as SecretStr so a repr of the device (test output) does not show it.
    dev.extra["sid"], dev.extra["sid_used"] = SecretStr(sid), False
    return sid


def _current_sid(dev: SimDevice) -> str:
    """The sessionid every answer carries: the latest one, or a new one once a POST used it
    (public clients post with the sessionid of whatever answer came last: the HG6145D2
    adapter logs in with `get_acs_random`'s, the exporter with `get_login_user`'s)."""
    sid = dev.extra.get("sid")
    if isinstance(sid, SecretStr) and not dev.extra.get("sid_used"):
        return sid.get_secret_value()
    return _mint_sid(dev)


def _take_sid(dev: SimDevice, sent: str | None) -> bool:
    """A POST's sessionid must be the latest one issued and not used yet."""
    current = dev.extra.get("sid")
    if not sent or not isinstance(current, SecretStr) or dev.extra.get("sid_used"):
        return False
    if not secrets.compare_digest(sent.encode(), current.get_secret_value().encode()):
        return False
    dev.extra["sid_used"] = True
    return True


def _session(dev: SimDevice, request: web.Request) -> Session | None:
    ip = client_ip(request)
    if dev.extra.get("bind") == "ip":
        # Fixed-key firmware: no session cookie, the session is the client address's.
        s = dev.current_session()
        if s is None or s.phantom or s.client_ip != ip:
            return None
        return dev.session_for(s.token)  # refreshes its idle timer
    s = dev.session_for(request.cookies.get(guessed.SESSION_COOKIE))
    return s if s is not None and s.client_ip == ip else None


class FiberhomeFamily:
    name = "fiberhome"
    #: Firmware profiles the lab mixes per model (first = default); `sim_profiles.py`.
    profiles: dict[str, tuple[str, ...]] = LAB_PROFILES

    # -- devices -----------------------------------------------------------------------

    def new_device(
        self, model: str, rng: random.Random, profile: str | None = None
    ) -> SimDevice:
        """A fresh HG6145F. Cheap (a lab makes 10,000): no crypto, a few rng calls."""
        tail = f"{rng.getrandbits(32):08X}"
        mac = ":".join(["68", "58", "11"] + [tail[i : i + 2] for i in (2, 4, 6)])
        dev = SimDevice(
            model=model,
            model_name="HG6145F",
            firmware="",
            admin_password=f"fh-{rng.getrandbits(40):010x}",
            admin_user=guessed.DEFAULT_USERNAME,
            hardware="WKE2.094.373A01",
            serial=f"FHTT{tail}",
            mac=mac,
            rx_dbm=round(rng.uniform(-21.5, -18.5), 2),
            tx_dbm=round(rng.uniform(1.9, 2.9), 2),
            lan_dns=["192.168.1.1"],
            wifi={
                Band.GHZ_2_4: WifiState(f"Fibra-{tail[-4:]}", f"fibra{tail.lower()}"),
                Band.GHZ_5: WifiState(f"Fibra-{tail[-4:]}-5G", f"fibra{tail.lower()}"),
            },
            knobs=Knobs(lock_threshold=3, lock_seconds=60.0, session_idle_s=300.0),
            extra={
                "stack": "ajax",
                # The unit's acsRandom; its [6:22] slice is the fhencrypt key.
                "acs_str": SecretStr("".join(rng.choice(_ALNUM) for _ in range(29))),
                "vlan": rng.choice((100, 200, 300, 2383)),
                "lan_ip": "192.168.1.1",
            },
        )
        apply_profile(dev, profile or self.profiles.get(model, ("acs-random",))[0])
        return dev

    @staticmethod
    def apply_profile(device: SimDevice, profile: str) -> None:
        """Re-dress an existing device as another firmware (tests, conformance)."""
        apply_profile(device, profile)

    async def start_extra(self, fleet: FleetServer, device: SimDevice, host: str) -> list[Any]:
        return []  # telnet is off on these units (notes §2.D)

    # -- HTTP ----------------------------------------------------------------------------

    def build_app(self, fleet: FleetServer) -> web.Application:
        app = make_app(fleet, garbage_content_type="application/json")
        r = app.router
        r.add_get("/", self._root(fleet))
        r.add_get("/html/login_inter.html", self._page(fleet, "ajax", _LOGIN_PAGE))
        r.add_get(AJAX_PATH, self._ajax_get(fleet))
        r.add_post(AJAX_PATH, self._ajax_post(fleet))
        r.add_post(IS_LOGINED_PATH, self._is_logined(fleet))
        for path in FHNCAPIS_PATHS:
            r.add_get(path, self._fhncapis(fleet))
        r.add_post(FHNCAPIS_LOGIN_PATH, self._foreign_login(fleet, "fhncapis"))
        r.add_get(GOFORM_LOGIN_PAGE, self._page(fleet, "goform", _STACK_C_PAGE))
        r.add_post(GOFORM_LOGIN_PATH, self._foreign_login(fleet, "goform"))
        return app

    @staticmethod
    def _stack(dev: SimDevice, wanted: str) -> None:
        if dev.extra.get("stack", "ajax") != wanted:
            raise web.HTTPNotFound()

    def _root(self, fleet: FleetServer) -> Callable[[web.Request], Any]:
        async def handler(request: web.Request) -> web.StreamResponse:
            dev = fleet.device(request)
            stack = dev.extra.get("stack", "ajax")
            if stack == "goform":
                raise web.HTTPFound(GOFORM_LOGIN_PAGE)
            if stack == "fhncapis":
                return web.Response(text="<html><body>main.html</body></html>",
                                    content_type="text/html")
            return web.Response(text=_LOGIN_PAGE, content_type="text/html")

        return handler

    def _page(self, fleet: FleetServer, stack: str, html: str) -> Callable[[web.Request], Any]:
        async def handler(request: web.Request) -> web.StreamResponse:
            self._stack(fleet.device(request), stack)
            return web.Response(text=html, content_type="text/html")

        return handler

    # -- /cgi-bin/ajax reads -------------------------------------------------------------

    def _ajax_get(self, fleet: FleetServer) -> Callable[[web.Request], Any]:
        async def handler(request: web.Request) -> web.StreamResponse:
            dev = fleet.device(request)
            self._stack(dev, "ajax")
            return web.json_response(self._read(dev, request, request.query.get("ajaxmethod")))

        return handler

    def _read(self, dev: SimDevice, request: web.Request, method: str | None) -> Json:
        session = _session(dev, request)
        if method in (M_REFRESH_SID, M_LOGIN_USER):
            answer: Json = {"sessionid": _mint_sid(dev), "session_valid": int(bool(session))}
            if method == M_LOGIN_USER:
                answer["login_user"] = "1" if session else "0"
            return answer
        answer = {"sessionid": _current_sid(dev), "session_valid": int(bool(session))}
        if method == M_ACS_RANDOM and dev.extra.get("acs_random"):
            answer["acsRandom"] = dev.extra["acs_str"].get_secret_value()
        elif method == guessed.DEVICE_NAME_METHOD:
            answer["ModelName"] = dev.model_name
        elif method == M_OPERATOR:
            answer.update(SerialNumber=dev.serial, operator_name=guessed.SIM_OPERATOR,
                          area_code="Trunk")
            if session is not None:
                answer["token"] = session.data["token"]
        elif session is not None:
            views: dict[str, Callable[[], Json]] = {
                M_BASE_INFO: lambda: base_info(dev),
                M_ALL_WAN: lambda: all_wan(dev),
                M_WIFI_24: lambda: wifi_status(dev, Band.GHZ_2_4),
                M_WIFI_5: lambda: wifi_status(dev, Band.GHZ_5),
                guessed.LAN_READ_METHOD: lambda: lan_ipv4(dev),
            }
            view = views.get(method or "")
            if view is not None:
                answer.update(view())
        return answer

    # -- /cgi-bin/ajax writes ------------------------------------------------------------

    def _ajax_post(self, fleet: FleetServer) -> Callable[[web.Request], Any]:
        async def handler(request: web.Request) -> web.StreamResponse:
            dev = fleet.device(request)
            self._stack(dev, "ajax")
            form = {k: str(v) for k, v in (await request.post()).items()}
            _bump(dev, "posts")
            if not _take_sid(dev, form.get("sessionid")):
                _bump(dev, "stale_posts")
                raise web.HTTPForbidden()
            method = form.get("ajaxmethod", "")
            if method == M_LOGIN:
                return self._login(dev, request, form)
            session = _session(dev, request)
            base: Json = {"sessionid": _current_sid(dev), "session_valid": int(bool(session))}
            if session is None:
                return web.json_response(base)
            if method == guessed.LOGOUT_METHOD:
                dev.close_session(session.token)
                resp = web.json_response({**base, "session_valid": 0, "result": "success"})
                resp.del_cookie(guessed.SESSION_COOKIE)
                return resp
            if method in (M_SET_LAN, M_SET_WIFI_24, M_SET_WIFI_5) and form.get(
                "token"
            ) != session.data["token"]:
                _bump(dev, "stale_posts")
                raise web.HTTPForbidden()
            try:
                answer = self._write(dev, method, form)
            except sim_writes.MidWriteReboot:
                if request.transport:
                    request.transport.abort()
                raise web.HTTPServiceUnavailable() from None
            return web.json_response({**base, **answer})

        return handler

    @staticmethod
    def _write(dev: SimDevice, method: str, form: dict[str, str]) -> Json:
        if method == M_WAN_MODIFY:
            return sim_writes.wan_modify(dev, form)
        if method == M_SET_LAN:
            return sim_writes.set_ipv4_lan(dev, form)
        if method == M_SET_WIFI_24:
            return sim_writes.set_wlan(dev, form, Band.GHZ_2_4)
        if method == M_SET_WIFI_5:
            return sim_writes.set_wlan(dev, form, Band.GHZ_5)
        if method == M_REBOOT:
            dev.reboot()
            return {"result": "success"}
        return {}

    def _login(self, dev: SimDevice, request: web.Request, form: dict[str, str]) -> web.Response:
        _bump(dev, "login_posts")
        ip = client_ip(request)
        base: Json = {"sessionid": _current_sid(dev), "session_valid": 0}
        if dev.locked():
            return web.json_response({**base, "login_result": LoginCode.LOCKED})
        if dev.session_busy_for(ip):
            if dev.extra.get("busy_text"):
                return web.Response(text=guessed.BUSY_TEXT, content_type="text/html")
            return web.json_response({**base, "login_result": LoginCode.OTHER_USER_LOGGED_IN})
        try:
            password = fhdecrypt(form.get("loginpd", ""), device_key(dev))
        except ValueError:
            password = _UNDECODABLE  # wrong key or garbage: a wrong password to the unit
        check = dev.check_login(form.get("username"), password, ip)
        if check is LoginCheck.LOCKED:
            return web.json_response({**base, "login_result": LoginCode.LOCKED})
        if check is LoginCheck.WRONG:
            return web.json_response({**base, "login_result": LoginCode.WRONG_CREDENTIALS})
        session = dev.open_session(ip)
        if session is None:  # raced with someone else
            return web.json_response({**base, "login_result": LoginCode.OTHER_USER_LOGGED_IN})
        session.data["token"] = secrets.token_hex(8)
        resp = web.json_response({**base, "session_valid": 1, "login_result": LoginCode.OK})
        if dev.extra.get("bind") != "ip":
            resp.set_cookie(guessed.SESSION_COOKIE, session.token, path="/", httponly=True)
        return resp

    def _is_logined(self, fleet: FleetServer) -> Callable[[web.Request], Any]:
        async def handler(request: web.Request) -> web.StreamResponse:
            dev = fleet.device(request)
            self._stack(dev, "ajax")
            ok = _session(dev, request) is not None
            return web.json_response({"result": "1" if ok else "0", "user": "1" if ok else ""})

        return handler

    # -- stacks B and C: detection only -------------------------------------------------

    def _fhncapis(self, fleet: FleetServer) -> Callable[[web.Request], Any]:
        async def handler(request: web.Request) -> web.StreamResponse:
            dev = fleet.device(request)
            self._stack(dev, "fhncapis")
            if request.query.get("ajaxmethod") == M_REFRESH_SID:
                return web.json_response({"sessionid": secrets.token_hex(8)})
            return web.json_response({})

        return handler

    def _foreign_login(self, fleet: FleetServer, stack: str) -> Callable[[web.Request], Any]:
        """A login on stack B or C: counted, checked, never given a session here."""

        async def handler(request: web.Request) -> web.StreamResponse:
            dev = fleet.device(request)
            self._stack(dev, stack)
            _bump(dev, "login_posts")
            form = await request.post()
            try:
                user = base64.b64decode(str(form.get("username", ""))).decode()
                password = base64.b64decode(str(form.get("password", ""))).decode()
            except (binascii.Error, UnicodeDecodeError):
                user, password = "", _UNDECODABLE
            dev.check_login(user or None, password, client_ip(request))
            return web.Response(text="1", content_type="text/plain")

        return handler


__all__ = ["FiberhomeFamily"]
