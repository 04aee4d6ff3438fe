"""Simulated ZTE F670L (ThinkLua web UI) for the lab and the conformance suite.

Speaks the protocol of ../shared/docs/protocols/zyxel-fiberhome-zte.md §3:

* `GET /` hands out the `SID` and `_TESTCOOKIESUPPORT` cookies and the login page; after a
  login, the same `GET /` is mandatory before any data call (else `SessionTimeout`).
* `GET login_entry` rotates `sess_token` on every call and reports `lockingTime`;
  `GET login_token` gives a one-shot 8-digit nonce; `POST login_entry` wants
  `Password = sha256hex(password + nonce)` and the latest token, and answers
  `login_need_refresh` plus a new SID (or `loginErrMsg`).
* One admin session (`SimDevice` rules): the same client IP preempts its own older session,
  another IP gets EXCEED_MAX_USER. 3 failures lock logins for 60 s (`knobs`).
* `menuView` sets the page context and hands out a fresh `_sessionTmpToken` plus the RSA
  public key in `asyEncode()`; `menuData` of a module outside that page is `SessionTimeout`.
* Writes: `Check` must be the RSA-wrapped sha256 of the exact body, `_sessionTOKEN` the last
  field and the current token; `encode` unwraps (ck, ci) for the encoded fields.
* `device.extra["gch"] = True` turns the unit into a legacy F660 `.gch` UI;
  `device.extra["login_policy"] = "preempt"` answers another IP's login with the preempt
  page (EXCEED_MAX_USER_PREEMPT) instead of EXCEED_MAX_USER. Kicking is not modelled:
  `action=preempt` is ignored, `preempt_cancel` ends the offer.
"""

from __future__ import annotations

import functools
import hashlib
import math
import random
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from cpe.models import Band
from drivers.sim import FleetServer, LoginCheck, SimDevice, WifiState, client_ip, make_app
from drivers.zte import ajax, sim_model, sim_pages
from drivers.zte import guessed as g
from drivers.zte.crypto import (
    CryptoError,
    FieldCipher,
    check_matches,
    encode_read_value,
    public_key_pem,
    random_digits,
)

XML = "text/xml"
_MAX_WEB_SESSIONS = 16


@functools.cache
def sim_private_key() -> rsa.RSAPrivateKey:
    """One 2048-bit key per process (the firmware's key is per model, not per unit): a lab
    starts up to ten thousand devices."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def sim_public_pem() -> str:
    return public_key_pem(sim_private_key().public_key())


@dataclass
class WebSession:
    """One browser (cookie jar) as the firmware's session_mgr tracks it."""

    sid: str
    client_ip: str
    token: str
    login_token: str | None = None
    logged_in: bool = False
    refreshed: bool = False
    page: str | None = None
    #: Waiting on the preempt page (loginPolicy "preempt").
    preempt: bool = False

    def rotate(self) -> str:
        self.token = random_digits(g.SESS_TOKEN_DIGITS)
        return self.token


def _sessions(device: SimDevice) -> dict[str, WebSession]:
    store = device.extra.get("web")
    if not isinstance(store, dict):
        store = {}
        device.extra["web"] = store
    return store


def _new_session(device: SimDevice, ip: str) -> WebSession:
    store = _sessions(device)
    if len(store) >= _MAX_WEB_SESSIONS:
        # Like session_delete(): drop anonymous sessions first, oldest first.
        for sid in [s for s, ws in store.items() if not ws.logged_in][: len(store) // 2 or 1]:
            store.pop(sid, None)
    ws = WebSession(secrets.token_hex(32), ip, random_digits(g.SESS_TOKEN_DIGITS))
    store[ws.sid] = ws
    return ws


def _web_session(request: web.Request, device: SimDevice) -> tuple[WebSession, bool]:
    """The caller's session by its SID cookie, or a new anonymous one (True)."""
    sid = request.cookies.get("SID")
    ws = _sessions(device).get(sid) if sid else None
    if ws is not None:
        return ws, False
    return _new_session(device, client_ip(request)), True


def _authed(device: SimDevice, ws: WebSession) -> bool:
    return ws.logged_in and device.session_for(ws.sid) is not None


def _with_cookie(resp: web.Response, ws: WebSession, new: bool) -> web.Response:
    if new:
        resp.set_cookie("SID", ws.sid, path="/", httponly=True)
        resp.set_cookie("_TESTCOOKIESUPPORT", "1", path="/")
    return resp


def _xml(text: str) -> web.Response:
    return web.Response(text=text, content_type=XML)


def _error_xml(errorstr: str, errorid: int = -1, errorparam: str = g.ERR_SUCCESS) -> web.Response:
    return _xml(ajax.build_reply(errorstr=errorstr, errorid=errorid, errorparam=errorparam))


async def _form(request: web.Request) -> tuple[bytes, list[tuple[str, str]]]:
    raw = await request.read()
    return raw, parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)


# --- `/` ---------------------------------------------------------------------------------------


def _root(request: web.Request, device: SimDevice) -> web.Response:
    ws, new = _web_session(request, device)
    if ws.preempt:
        holder = device.current_session()
        holders = [(holder.token, holder.client_ip)] if holder else []
        page = sim_pages.preempt_page(holders)
    elif _authed(device, ws):
        ws.refreshed = True  # the mandatory GET / after login
        page = sim_pages.main_page(device.admin_user or g.DEFAULT_USERNAME, device.model_name)
    else:
        page = sim_pages.login_page(ws.token, device.knobs.lock_threshold)
    return _with_cookie(web.Response(text=page, content_type="text/html"), ws, new)


def _gch(request: web.Request, device: SimDevice) -> web.Response:
    if request.path != "/" or request.query:
        raise web.HTTPNotFound()
    token = str(device.extra.setdefault("gch_token", random_digits(2)))
    return web.Response(text=sim_pages.gch_login_page(token), content_type="text/html")


# --- loginData -----------------------------------------------------------------------------------


def _login_json(ws: WebSession, new: bool, **fields: Any) -> web.Response:
    body = {"loginErrMsg": "", "lockingTime": 0, "promptMsg": "", **fields}
    if "login_need_refresh" in fields:
        body = dict(fields)
    body["sess_token"] = ws.rotate()
    return _with_cookie(web.json_response(body), ws, new)


def _locked_fields(device: SimDevice) -> dict[str, Any]:
    left = math.ceil(device.lock_remaining_s())
    return {
        "lockingTime": left,
        "promptMsg": g.MSG_LOCKED_PROMPT.format(device.knobs.lock_threshold, left),
    }


def _login_entry_get(request: web.Request, device: SimDevice) -> web.Response:
    ws, new = _web_session(request, device)
    if device.locked():
        return _login_json(ws, new, **_locked_fields(device))
    return _login_json(ws, new)


def _login_token(request: web.Request, device: SimDevice) -> web.Response:
    ws, new = _web_session(request, device)
    ws.login_token = random_digits(g.LOGIN_TOKEN_DIGITS)
    return _with_cookie(_xml(ajax.build_root_text(ws.login_token)), ws, new)


async def _login_entry_post(request: web.Request, device: SimDevice) -> web.Response:
    device.extra["login_posts"] = int(device.extra.get("login_posts", 0)) + 1
    ws, new = _web_session(request, device)
    _, pairs = await _form(request)
    form = dict(pairs)
    if form.get("action") == "preempt_cancel" and ws.preempt:
        ws.preempt = False
        return _login_json(ws, new, login_need_refresh=True)
    if "Cookie" not in request.headers or form.get("action") != "login":
        return _login_json(ws, new)  # the firmware ignores it: LOGIN_PAGE_NO_ERROR
    if device.locked():
        return _login_json(ws, new, **_locked_fields(device))
    if not secrets.compare_digest(form.get("_sessionTOKEN", "").encode(), ws.token.encode()):
        # CSRF_CHECK_FAIL: a stale token is refused and not counted as a failure.
        return _login_json(ws, new, loginErrMsg=g.MSG_PAGE_EXPIRED, lockingTime=-1)
    nonce, ws.login_token = ws.login_token, None
    ok = nonce is not None and secrets.compare_digest(
        form.get("Password", "").encode(),
        hashlib.sha256((device.admin_password + nonce).encode()).hexdigest().encode(),
    )
    ip = client_ip(request)
    # Feed SimDevice the verdict; the "\0" prefix can never equal the real password.
    result = device.check_login(
        form.get("Username"), device.admin_password if ok else "\0" + device.admin_password, ip
    )
    if result is not LoginCheck.OK:
        # Even the failure that trips the lock answers "invalid": the firmware checks the
        # lock before authenticating, so the lock shows on the next request.
        return _login_json(ws, new, loginErrMsg=g.MSG_INVALID_LOGIN, lockingTime=-1)
    new_sid = secrets.token_hex(32)
    if device.open_session(ip, token=new_sid) is None:
        if device.extra.get("login_policy") == "preempt":
            ws.preempt = True
            return _login_json(ws, new, login_need_refresh=True)
        return _login_json(ws, new, loginErrMsg=g.MSG_EXCEED_MAX_USER, lockingTime=-1)
    store = _sessions(device)
    store.pop(ws.sid, None)
    ws.sid, ws.logged_in, ws.refreshed, ws.page = new_sid, True, False, None
    store[new_sid] = ws
    return _login_json(ws, True, login_need_refresh=True)


async def _logout(request: web.Request, device: SimDevice) -> web.Response:
    ws, _ = _web_session(request, device)
    _, pairs = await _form(request)
    if dict(pairs).get("IF_LogOff") == "1" and _authed(device, ws):
        device.close_session(ws.sid)
        _sessions(device).pop(ws.sid, None)
    resp = web.json_response({"login_need_refresh": True})
    resp.del_cookie("SID", path="/")
    return resp


# --- menuView / menuData -----------------------------------------------------------------------


def _menu_view(request: web.Request, device: SimDevice) -> web.Response:
    ws, new = _web_session(request, device)
    if not (_authed(device, ws) and ws.refreshed):
        page = sim_pages.login_page(ws.token, device.knobs.lock_threshold)
        return _with_cookie(web.Response(text=page, content_type="text/html"), ws, new)
    tag = request.query.get("_tag", "")
    if tag not in sim_model.PAGES:
        raise web.HTTPNotFound()
    ws.page = tag
    html = sim_pages.menu_view_page(tag, ws.rotate(), sim_public_pem())
    return web.Response(text=html, content_type="text/html")


def _module_for(
    request: web.Request, device: SimDevice
) -> tuple[WebSession, sim_model.Module, str] | web.Response:
    """The session and module of a menuData call, or the answer refusing it."""
    tag = request.query.get("_tag", "")
    module = sim_model.MODULES.get(tag)
    if module is None or not sim_model.query_matches(module, request.query):
        raise web.HTTPNotFound()
    ws, _ = _web_session(request, device)
    if not (_authed(device, ws) and ws.refreshed) or ws.page != module.page:
        return _error_xml(g.ERR_SESSION_TIMEOUT)
    return ws, module, tag


def _render(device: SimDevice, ws: WebSession, tag: str, module: sim_model.Module) -> str:
    objects = module.render(device)
    encoded = g.READ_ENCODED.get(tag, ())
    for _, instances in objects:
        for inst in instances:
            for name in encoded:
                if inst.get(name):
                    inst[name] = encode_read_value(inst[name], ws.token)
    return ajax.build_reply(objects, encode=encoded)


def _menu_data_get(request: web.Request, device: SimDevice) -> web.Response:
    found = _module_for(request, device)
    if isinstance(found, web.Response):
        return found
    ws, module, tag = found
    return _xml(_render(device, ws, tag, module))


def _decode_fields(tag: str, form: dict[str, str]) -> dict[str, str] | str:
    """Plain values of the encoded fields, or the name of the one that does not decode.
    Without `encode` the firmware takes the values as plaintext (transToPostTab)."""
    wrapped = form.pop("encode", None)
    if wrapped is None:
        return form
    try:
        cipher = FieldCipher.unwrap(sim_private_key(), wrapped)
    except CryptoError:
        return "encode"
    for name in g.WRITE_ENCODED.get(tag, ()):
        if form.get(name):
            try:
                form[name] = cipher.decrypt(form[name])
            except CryptoError:
                return name
    return form


async def _menu_data_post(request: web.Request, device: SimDevice) -> web.Response:
    found = _module_for(request, device)
    if isinstance(found, web.Response):
        return found
    ws, module, tag = found
    raw, pairs = await _form(request)
    check = request.headers.get("Check")
    if check is None:
        return web.Response(status=400, text=sim_pages.session_timeout_page(),
                            content_type="text/html")
    if not check_matches(sim_private_key(), check, raw):
        return _error_xml(g.ERR_CHECK_FAIL, g.ERRORID_CHECK_FAIL)
    last_name, last_value = pairs[-1] if pairs else ("", "")
    if last_name != "_sessionTOKEN" or not secrets.compare_digest(
        last_value.encode(), ws.token.encode()
    ):
        return _error_xml(g.ERR_CHECK_FAIL, g.ERRORID_CHECK_FAIL)
    form = dict(pairs[:-1])
    if module.apply is None or form.pop("IF_ACTION", "") != "Apply":
        return _error_xml(g.ERR_INVALID_PARAM, g.ERRORID_INVALID_PARAM, "IF_ACTION")
    inst = form.pop("_InstID", "")
    fields = _decode_fields(tag, form)
    if isinstance(fields, str):
        return _error_xml(g.ERR_INVALID_PARAM, g.ERRORID_INVALID_PARAM, fields)
    outcome = module.apply(device, inst, fields)
    if outcome.rebooted:
        # The unit went down mid-write: the answer never leaves.
        if request.transport:
            request.transport.abort()
        raise web.HTTPServiceUnavailable()
    if outcome.rejected:
        return _error_xml(g.ERR_INVALID_PARAM, g.ERRORID_INVALID_PARAM, outcome.rejected)
    return _xml(_render(device, ws, tag, module))


# --- the family ----------------------------------------------------------------------------------


class ZteFamily:
    name = "zte"
    #: Firmware profiles per model (the first is the default); none modelled yet.
    profiles: dict[str, tuple[str, ...]] = {}  # noqa: RUF012 - read-only table

    def new_device(
        self, model: str, rng: random.Random, profile: str | None = None
    ) -> SimDevice:
        suffix = f"{rng.getrandbits(16):04X}"
        dev = SimDevice(
            model=model,
            model_name="F670L",
            firmware="V9.0.11P1N12",
            hardware="V9.0.1",
            admin_user=g.DEFAULT_USERNAME,
            admin_password=f"zte-{rng.getrandbits(32):08x}",
            serial=f"ZTEG{rng.getrandbits(32):08X}",
            mac="34:24:3e:" + ":".join(f"{rng.randrange(256):02x}" for _ in range(3)),
            lan_dns=[sim_model.LAN_IP],
            rx_dbm=round(rng.uniform(-21.0, -17.5), 2),
            tx_dbm=round(rng.uniform(1.6, 2.6), 2),
            wifi={
                Band.GHZ_2_4: WifiState(f"ZTE-{suffix}", f"zte{rng.getrandbits(40):010x}"),
                Band.GHZ_5: WifiState(f"ZTE-{suffix}-5G", f"zte{rng.getrandbits(40):010x}"),
            },
        )
        dev.knobs.lock_threshold = g.LOCK_THRESHOLD
        dev.knobs.lock_seconds = g.LOCK_SECONDS
        return dev

    def build_app(self, fleet: FleetServer) -> web.Application:
        app = make_app(fleet, garbage_content_type=XML)

        async def handle(request: web.Request) -> web.StreamResponse:
            device = fleet.device(request)
            if device.extra.get("gch"):
                return _gch(request, device)
            kind, tag = request.query.get("_type"), request.query.get("_tag")
            post = request.method == "POST"
            if kind is None:
                return _root(request, device)
            if kind == "loginData":
                if tag == "login_entry":
                    if post:
                        return await _login_entry_post(request, device)
                    return _login_entry_get(request, device)
                if tag == "login_token" and not post:
                    return _login_token(request, device)
                if tag == "logout_entry" and post:
                    return await _logout(request, device)
            elif kind == "menuView" and not post:
                return _menu_view(request, device)
            elif kind == "menuData":
                if post:
                    return await _menu_data_post(request, device)
                return _menu_data_get(request, device)
            raise web.HTTPNotFound()

        app.router.add_route("GET", "/", handle)
        app.router.add_route("POST", "/", handle)
        return app

    async def start_extra(self, fleet: FleetServer, device: SimDevice, host: str) -> list[Any]:
        return []
