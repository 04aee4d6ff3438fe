"""Simulated TP-Link ONUs (XC220-G3v routed, XZ000-G3 bridged) speaking the real EX/JSON
web protocol: RSA key exchange, AES-CBC or AES-GCM bodies, checked signs and sequence
numbers, TokenID + JSESSIONID, Referer check, one admin session, lockout, idle expiry.

Per-device knobs in `device.extra`:
    cipher       "cbc" (default) | "gcm"   which AES mode the firmware speaks
    rsa_bits     512 (default) | 1024      size of the (process-wide, shared) RSA key
    wifi_radios  True | False              XZ000-G3: no Wi-Fi objects at all
Answers the driver does not rely on but real clients use are served too: /cgi/getBusy
(gdprJson login flow) and the ACT_REBOOT action.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import random
import secrets
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from cpe.models import Band
from drivers.sim import FleetServer, LoginCheck, SimDevice, WifiState, client_ip, make_app
from drivers.tplink import guessed as g
from drivers.tplink import protocol as p
from drivers.tplink import simmodel
from drivers.tplink.crypto import (
    CipherError,
    CipherMode,
    SessionCipher,
    cipher_from_sign,
    md5_hex,
    rsa_unsign,
    shared_rsa_key,
)

__all__ = ["MODELS", "TplinkFamily"]

#: Model key → (model name, firmware, hardware, has Wi-Fi radios, WAN type).
MODELS: dict[str, tuple[str, str, str, bool, str]] = {
    "tplink-onu": (
        "XC220-G3v",
        "1.2.0 0.8.0 v6062.0 Build 230505 Rel.61730n",
        "XC220-G3v v2.0 00000000",
        True,
        "pppoe",
    ),
    "tplink-xz000-g3": (
        "XZ000-G3",
        "1.1.0 0.8.0 v6062.0 Build 221114 Rel.47802n",
        "XZ000-G3 v1.0 00000000",
        False,
        "bridge",
    ),
}
_TEXT = "text/plain"


def _cipher_mode(dev: SimDevice) -> CipherMode:
    return "gcm" if dev.extra.get("cipher") == "gcm" else "cbc"


def _referer_ok(request: web.Request) -> bool:
    referer = request.headers.get("Referer", "")
    return bool(referer) and urlsplit(referer).netloc == request.host


def _sealed(cipher: SessionCipher, text: str) -> web.Response:
    data, tag = cipher.encrypt(text)
    # GCM answers carry the tag as the last 24 base64 characters of the body.
    return web.Response(text=data + (tag or ""), content_type=_TEXT)


def _plain(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type=_TEXT)


def _b64text(value: Any) -> str | None:
    try:
        return base64.b64decode(str(value), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


class TplinkFamily:
    name = "tplink"
    #: Firmware profiles per model (the first is the default); none modelled yet.
    profiles: dict[str, tuple[str, ...]] = {}  # noqa: RUF012 - read-only table

    # -- devices ---------------------------------------------------------------------------

    def new_device(
        self, model: str, rng: random.Random, profile: str | None = None
    ) -> SimDevice:
        model_name, firmware, hardware, radios, wan_type = MODELS.get(model, MODELS["tplink-onu"])
        suffix = f"{rng.randrange(16**4):04X}"
        dev = SimDevice(
            model=model,
            model_name=model_name,
            firmware=firmware,
            hardware=hardware,
            admin_password=secrets.token_urlsafe(9),
            admin_user="admin",
            mac="98:25:4A:" + ":".join(f"{rng.randrange(256):02X}" for _ in range(3)),
            wan_type=wan_type,
            rx_dbm=round(rng.uniform(-24.0, -15.0), 1),
            tx_dbm=round(rng.uniform(1.0, 3.5), 1),
        )
        if radios:
            dev.wifi = {
                Band.GHZ_2_4: WifiState(f"TP-Link_{suffix}", secrets.token_hex(6)),
                Band.GHZ_5: WifiState(f"TP-Link_{suffix}_5G", secrets.token_hex(6)),
            }
        dev.knobs.lock_threshold = g.LOCK_THRESHOLD
        dev.knobs.lock_seconds = g.LOCK_SECONDS
        dev.knobs.session_idle_s = g.SESSION_IDLE_S
        dev.extra.update(cipher="cbc", rsa_bits=512, wifi_radios=radios)
        dev.evaluate_wan()
        return dev

    async def start_extra(self, fleet: FleetServer, device: SimDevice, host: str) -> list[Any]:
        return []

    # -- HTTP ------------------------------------------------------------------------------

    def build_app(self, fleet: FleetServer) -> web.Application:
        app = make_app(fleet)

        async def index(request: web.Request) -> web.Response:
            dev = fleet.device(request)
            session = dev.session_for(request.cookies.get("JSESSIONID"))
            title = f"<title>{dev.model_name}</title>"
            if session is None:
                # The login page: its scripts post to the two endpoints below (§6 probe).
                body = (
                    f"<!DOCTYPE html><html><head>{title}"
                    '<script type="text/javascript" src="/js/lib.js"></script></head><body>'
                    f"<!-- {p.PARM_PATH} {p.GDPR_URL} --></body></html>"
                )
            else:
                token = session.data["token_id"]
                body = (
                    f"<!DOCTYPE html><html><head>{title}</head><body>"
                    f'<script type="text/javascript">var token="{token}";</script></body></html>'
                )
            return web.Response(text=body, content_type="text/html")

        async def parm(request: web.Request) -> web.Response:
            dev = fleet.device(request)
            if not _referer_ok(request):
                return _plain("Forbidden", 403)
            key = shared_rsa_key(int(dev.extra.get("rsa_bits", 512)))
            seq = 100_000_000 + secrets.randbelow(800_000_000)
            dev.extra["seq"] = seq
            extra = {g.GCM_MARKER_VAR: g.GCM_MARKER_VALUE} if _cipher_mode(dev) == "gcm" else {}
            return _plain(p.parm_answer(key.ee_hex, key.nn_hex, seq, extra))

        async def busy(request: web.Request) -> web.Response:
            dev = fleet.device(request)
            if not _referer_ok(request):
                return _plain("Forbidden", 403)
            held = dev.current_session() is not None
            return _plain(f"var isLogined={int(held)};\nvar isBusy=0;\n$.ret={p.RET_OK};\n")

        async def gdpr(request: web.Request) -> web.StreamResponse:
            dev = fleet.device(request)
            if not _referer_ok(request):
                return _plain("Forbidden", 403)
            body = p.parse_body(await request.text())
            sign, data = body.get("sign", ""), body.get("data", "")
            if not sign or not data:
                return _plain("Bad Request", g.BAD_SIGN_STATUS)
            key = shared_rsa_key(int(dev.extra.get("rsa_bits", 512)))
            try:
                fields = p.parse_sign_string(rsa_unsign(sign, key))
            except CipherError:
                return _plain("Bad Request", g.BAD_SIGN_STATUS)
            if "key" in fields:
                return _login(dev, request, fields, data, body.get("tag"))
            return _act(dev, request, fields, data, body.get("tag"))

        app.router.add_get("/", index)
        app.router.add_route("*", p.PARM_PATH, parm)
        app.router.add_post(p.BUSY_PATH, busy)
        app.router.add_post(p.GDPR_PATH, gdpr)
        return app


# --- the two kinds of /cgi_gdpr requests ---------------------------------------------------------


def _login(
    dev: SimDevice, request: web.Request, fields: dict[str, str], data: str, tag: str | None
) -> web.Response:
    refused = _plain(p.ret_answer(p.RET_BAD_REQUEST))
    mode = _cipher_mode(dev)
    try:
        cipher = cipher_from_sign(mode, fields.get("key", ""), fields.get("iv", ""))
        if mode == "gcm" and tag is None:
            return refused
        payload = json.loads(cipher.decrypt(data, tag))
    except (CipherError, ValueError):
        # Wrong cipher mode or key format: the device cannot even answer encrypted.
        return refused
    issued = dev.extra.get("seq")
    act = payload.get("data") if isinstance(payload, dict) else None
    if (
        issued is None
        or fields.get("s") != str(issued + len(data))
        or not isinstance(act, dict)
        or payload.get("oid") != p.LOGIN_OID
        or payload.get("operation") != p.OP_CGI
    ):
        return _sealed(cipher, p.ret_answer(p.RET_BAD_REQUEST))
    user, password = _b64text(act.get("UserName", "")), _b64text(act.get("Passwd", ""))
    if user is None or password is None or fields.get("h") != md5_hex(user + password):
        return _sealed(cipher, p.ret_answer(p.RET_BAD_REQUEST))
    ip = client_ip(request)
    check = dev.check_login(user, password, ip)
    if check is LoginCheck.LOCKED:
        times = 0 if g.CURR_AUTH_TIMES_IS_REMAINING else dev.knobs.lock_threshold
        forbid = max(1, math.ceil(dev.lock_remaining_s()))
        return _sealed(cipher, p.login_failed_answer(times, forbid))
    if check is LoginCheck.WRONG:
        times = dev.attempts_left() if g.CURR_AUTH_TIMES_IS_REMAINING else dev.failures
        return _sealed(cipher, p.login_failed_answer(times, 0))
    jsessionid = secrets.token_hex(15)
    session = dev.open_session(ip, token=jsessionid)
    if session is None:
        return _sealed(cipher, p.ret_answer(g.RET_USER_CONFLICT))
    session.data.update(
        cipher=cipher, hash=fields["h"], seq=issued, token_id=secrets.token_hex(15), user=user
    )
    resp = _sealed(cipher, p.ret_answer(p.RET_OK))
    resp.set_cookie("JSESSIONID", jsessionid, path="/", httponly=True)
    return resp


def _act(
    dev: SimDevice, request: web.Request, fields: dict[str, str], data: str, tag: str | None
) -> web.StreamResponse:
    session = dev.session_for(request.cookies.get("JSESSIONID"))
    token = request.headers.get("TokenID", "")
    if session is None or not secrets.compare_digest(
        token.encode(), str(session.data.get("token_id", "")).encode()
    ):
        return _plain("Not Acceptable", g.SESSION_REFUSED_STATUS)
    cipher: SessionCipher = session.data["cipher"]
    if fields.get("h") != session.data["hash"] or fields.get("s") != str(
        session.data["seq"] + len(data)
    ):
        return _plain("Bad Request", g.BAD_SIGN_STATUS)
    try:
        payload = json.loads(cipher.decrypt(data, tag if cipher.mode == "gcm" else None))
    except (CipherError, ValueError):
        return _plain("Bad Request", g.BAD_SIGN_STATUS)
    if not isinstance(payload, dict) or not isinstance(payload.get("data", {}), dict):
        return _sealed(cipher, json.dumps({"success": False, "errorcode": g.ERR_BAD_NAME}))
    operation, oid = str(payload.get("operation", "")), str(payload.get("oid", ""))
    args: dict[str, Any] = payload.get("data") or {}
    if operation == p.OP_CGI and oid == p.LOGOUT_OID:
        dev.close_session(session.token)
        return _plain("")
    try:
        if operation in p.READ_OPS:
            answer: dict[str, Any] = {
                "success": True,
                "data": simmodel.read(dev, operation, oid, args),
            }
        elif operation == p.OP_SET:
            simmodel.write(dev, oid, args)
            answer = {"success": True}
        elif operation == p.OP_ACTION:
            simmodel.action(dev, oid)
            answer = {"success": True}
        else:
            raise simmodel.Refused(g.ERR_BAD_NAME)
    except simmodel.Refused as exc:
        answer = {"success": False, "errorcode": exc.code}
    except simmodel.RebootMidWrite:
        # The device went down mid-request: the client sees the connection drop.
        if request.transport is not None:
            request.transport.abort()
        raise web.HTTPServiceUnavailable() from None
    return _sealed(cipher, json.dumps(answer, separators=(",", ":")))
