"""The simulated ZTE's browser sessions and `loginData` handlers (§3.A).

* `GET /` hands out the `SID` and `_TESTCOOKIESUPPORT` cookies and the login page; after
  a login it shows the main page (or, on `thinklua-activate` units, the change-password
  prompt first, then activates the session: data calls time out until then).
* `GET login_entry` rotates `sess_token` on every call and reports `lockingTime`;
  `GET login_token` gives a one-shot 8-digit nonce; `POST login_entry` wants
  `Password = sha256hex(password + nonce)` and the latest token, and answers
  `login_need_refresh` plus a new SID (or `loginErrMsg`). A login without any cookie is
  ignored, as the firmware does (LOGIN_PAGE_NO_ERROR).
* One admin session (`SimDevice` rules): the same client IP preempts its own older session,
  another IP gets EXCEED_MAX_USER, or with `extra["login_policy"] = "preempt"` the preempt
  page (kicking is not modelled: `preempt_cancel` ends the offer).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from drivers.sim import LoginCheck, SimDevice, client_ip
from drivers.zte import ajax, sim_pages
from drivers.zte import guessed as g
from drivers.zte.crypto import random_digits
from drivers.zte.sim_profiles import profile_of

_MAX_WEB_SESSIONS = 16


@dataclass
class WebSession:
    """One browser (cookie jar) as the firmware's session_mgr tracks it."""

    sid: str
    client_ip: str
    token: str
    login_token: str | None = None
    logged_in: bool = False
    #: The session was activated by a `GET /` after the login (thinklua-activate units).
    refreshed: bool = False
    #: The change-password prompt is still open (thinklua-activate units).
    password_prompt: bool = False
    page: str | None = None
    #: Waiting on the preempt page (loginPolicy "preempt").
    preempt: bool = False

    def rotate(self) -> str:
        self.token = random_digits(g.SESS_TOKEN_DIGITS)
        return self.token


def sessions(device: SimDevice) -> dict[str, WebSession]:
    store = device.extra.get("web")
    if not isinstance(store, dict):
        store = {}
        device.extra["web"] = store
    return store


def _new_session(device: SimDevice, ip: str) -> WebSession:
    store = sessions(device)
    if len(store) >= _MAX_WEB_SESSIONS:
        # Like session_delete(): drop anonymous sessions first, oldest first.
        for sid in [s for s, ws in store.items() if not ws.logged_in][: len(store) // 2 or 1]:
            store.pop(sid, None)
    ws = WebSession(secrets.token_hex(32), ip, random_digits(g.SESS_TOKEN_DIGITS))
    store[ws.sid] = ws
    return ws


def web_session(request: web.Request, device: SimDevice) -> tuple[WebSession, bool]:
    """The caller's session by its SID cookie, or a new anonymous one (True)."""
    sid = request.cookies.get("SID")
    ws = sessions(device).get(sid) if sid else None
    if ws is not None:
        return ws, False
    return _new_session(device, client_ip(request)), True


def authed(device: SimDevice, ws: WebSession) -> bool:
    return ws.logged_in and device.session_for(ws.sid) is not None


def ready(device: SimDevice, ws: WebSession) -> bool:
    """Logged in, and activated where the firmware wants that (data calls allowed)."""
    return authed(device, ws) and (ws.refreshed or not profile_of(device).needs_activation)


def with_cookie(resp: web.Response, ws: WebSession, new: bool) -> web.Response:
    if new:
        resp.set_cookie("SID", ws.sid, path="/", httponly=True)
        resp.set_cookie("_TESTCOOKIESUPPORT", "1", path="/")
    return resp


async def form_of(request: web.Request) -> tuple[bytes, list[tuple[str, str]]]:
    raw = await request.read()
    return raw, parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)


def _html(text: str) -> web.Response:
    return web.Response(text=text, content_type="text/html")


# --- `/` ---------------------------------------------------------------------------------------


def root(request: web.Request, device: SimDevice) -> web.Response:
    ws, new = web_session(request, device)
    if ws.preempt:
        holder = device.current_session()
        holders = [(holder.token, holder.client_ip)] if holder else []
        page = sim_pages.preempt_page(holders)
    elif authed(device, ws) and ws.password_prompt:
        page = sim_pages.change_password_page(device.admin_user or g.DEFAULT_USERNAME)
    elif authed(device, ws):
        ws.refreshed = True  # the browser's reload after login_need_refresh
        page = sim_pages.main_page(device.admin_user or g.DEFAULT_USERNAME, device.model_name)
    else:
        page = sim_pages.login_page(ws.token, device.knobs.lock_threshold, device.model_name)
    return with_cookie(_html(page), ws, new)


def gch(request: web.Request, device: SimDevice) -> web.Response:
    if request.path != "/" or request.query:
        raise web.HTTPNotFound()
    token = str(device.extra.setdefault("gch_token", random_digits(2)))
    return _html(sim_pages.gch_login_page(token, device.model_name))


# --- loginData -----------------------------------------------------------------------------------


def _login_json(ws: WebSession, new: bool, **fields: Any) -> web.Response:
    body = {"loginErrMsg": "", "lockingTime": 0, "promptMsg": "", **fields}
    if "login_need_refresh" in fields:
        body = dict(fields)
    body["sess_token"] = ws.rotate()
    return with_cookie(web.json_response(body), ws, new)


def _locked_fields(device: SimDevice) -> dict[str, Any]:
    left = math.ceil(device.lock_remaining_s())
    return {
        "lockingTime": left,
        "promptMsg": g.MSG_LOCKED_PROMPT.format(device.knobs.lock_threshold, left),
    }


def login_entry_get(request: web.Request, device: SimDevice) -> web.Response:
    ws, new = web_session(request, device)
    if device.locked():
        return _login_json(ws, new, **_locked_fields(device))
    return _login_json(ws, new)


def login_token(request: web.Request, device: SimDevice) -> web.Response:
    ws, new = web_session(request, device)
    ws.login_token = random_digits(g.LOGIN_TOKEN_DIGITS)
    resp = web.Response(text=ajax.build_root_text(ws.login_token), content_type="text/xml")
    return with_cookie(resp, ws, new)


async def login_entry_post(request: web.Request, device: SimDevice) -> web.Response:
    device.extra["login_posts"] = int(device.extra.get("login_posts", 0)) + 1
    ws, new = web_session(request, device)
    _, pairs = await form_of(request)
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
    store = sessions(device)
    store.pop(ws.sid, None)
    ws.sid, ws.logged_in, ws.refreshed, ws.page = new_sid, True, False, None
    ws.password_prompt = profile_of(device).password_prompt
    store[new_sid] = ws
    return _login_json(ws, True, login_need_refresh=True)


async def change_password_post(request: web.Request, device: SimDevice) -> web.Response:
    """`login_changepwd`: only the cancel is modelled (the toolkit never changes it)."""
    ws, _ = web_session(request, device)
    _, pairs = await form_of(request)
    form = dict(pairs)
    if not (authed(device, ws) and ws.password_prompt):
        raise web.HTTPNotFound()
    token_ok = secrets.compare_digest(
        form.get("_sessionTOKEN", "").encode(), g.CHANGEPWD_PAGE_TOKEN.encode()
    )
    if form.get("action") != "changepwd_cancel" or not token_ok:
        return web.json_response({"loginErrMsg": g.MSG_PAGE_EXPIRED, "lockingTime": -1})
    ws.password_prompt = False
    return web.json_response({"login_need_refresh": True, "sess_token": ws.rotate()})


async def logout(request: web.Request, device: SimDevice) -> web.Response:
    ws, _ = web_session(request, device)
    _, pairs = await form_of(request)
    if dict(pairs).get("IF_LogOff") == "1" and authed(device, ws):
        device.close_session(ws.sid)
        sessions(device).pop(ws.sid, None)
    resp = web.json_response({"login_need_refresh": True})
    resp.del_cookie("SID", path="/")
    return resp
