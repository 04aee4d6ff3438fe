"""Simulated TP-Link ONUs (XC220-G3v routed, XZ000-G3 bridged) speaking the real EX/JSON
web protocol: RSA key exchange, AES-CBC or AES-GCM bodies, raw or OAEP signs, checked
sequence numbers, TokenID + JSESSIONID, Referer check, one admin session, lockout, idle
expiry.

Firmware profiles (`TplinkFamily.profiles`; the lab hands a model's devices each in turn):
    cbc              AES-CBC, raw RSA sign (XC220-G3v 1.2.0 era; S1 TPLinkEXClient)
    gcm              AES-GCM, raw RSA sign (S1 TPLinkEXClientGCM; VX231v, S1 PR #104)
    gcm-oaep         AES-GCM, RSA-OAEP sign; a raw sign closes the connection (EX920,
                     home-assistant-tplink-router #393; S1 TPLinkEXClientGCMOAEP)
    gcm-oaep-joined  gcm-oaep whose answers carry the GCM tag inside the one base64
                     string (VX220-G2v, S1 PR #143)
The firmware strings per profile are ours (later builds for the later ciphers).

Other knobs in `device.extra`:
    rsa_bits      512 (default) | 1024   size of the (process-wide, shared) RSA key
    wifi_radios   True | False           XZ000-G3: no Wi-Fi objects at all
    key_exchange  "rsa" | "ecc"          "ecc": getGDPRParm answers an MR600-style ECC key,
                                         a variant no driver profile speaks (tests)
Unauthenticated files the login page loads are served too (`/js/lib.js`,
`/js/tpEncrypt.js`: the OAEP line is the firmware's own), and /cgi/getBusy.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import random
import secrets
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlsplit

from aiohttp import web

from cpe.models import Band
from drivers.sim import FleetServer, LoginCheck, SimDevice, WifiState, client_ip, make_app
from drivers.tplink import guessed as g
from drivers.tplink import protocol as p
from drivers.tplink import simmodel, simwrites
from drivers.tplink.crypto import (
    CipherError,
    CipherProfile,
    SessionCipher,
    cipher_from_sign,
    md5_hex,
    rsa_unsign,
    shared_rsa_key,
)

__all__ = ["MODELS", "SIM_PROFILES", "SimProfile", "TplinkFamily"]


@dataclass(frozen=True)
class SimProfile:
    name: str
    cipher: CipherProfile
    #: GCM answers as base64(ct + tag) instead of base64(ct) + base64(tag).
    joined_tag: bool = False
    #: The firmware's build (ours) stamped into the model's version string.
    build: str = "Build 230505 Rel.61730n"


SIM_PROFILES: dict[str, SimProfile] = {
    prof.name: prof
    for prof in (
        SimProfile("cbc", g.PROFILE_CBC),
        SimProfile("gcm", g.PROFILE_GCM, build="Build 240618 Rel.40215n"),
        SimProfile("gcm-oaep", g.PROFILE_GCM_OAEP, build="Build 250310 Rel.55637n"),
        SimProfile(
            "gcm-oaep-joined", g.PROFILE_GCM_OAEP, joined_tag=True,
            build="Build 250328 Rel.7572n",
        ),
    )
}

#: Model key → (model name, firmware version prefix, hardware, has Wi-Fi radios, WAN type).
MODELS: dict[str, tuple[str, str, str, bool, str]] = {
    "tplink-onu": ("XC220-G3v", "1.2.0 0.8.0 v6062.0", "XC220-G3v v2.0 00000000", True, "pppoe"),
    "tplink-xz000-g3": (
        "XZ000-G3", "1.1.0 0.8.0 v6062.0", "XZ000-G3 v1.0 00000000", False, "bridge",
    ),
}
_TEXT = "text/plain"
_JS = "application/javascript"


def sim_profile(dev: SimDevice) -> SimProfile:
    return SIM_PROFILES.get(str(dev.extra.get("profile", "cbc")), SIM_PROFILES["cbc"])


def _referer_ok(request: web.Request) -> bool:
    referer = request.headers.get("Referer", "")
    return bool(referer) and urlsplit(referer).netloc == request.host


def _plain(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type=_TEXT)


def _sealed(dev: SimDevice, cipher: SessionCipher, text: str) -> web.Response:
    reply = cipher.seal_reply(text, joined_tag=sim_profile(dev).joined_tag)
    return web.Response(text=reply, content_type=_TEXT)


def _drop(request: web.Request) -> NoReturn:
    """Close the connection without an answer (the client sees it disconnect)."""
    if request.transport is not None:
        request.transport.abort()
    raise web.HTTPServiceUnavailable()


def _b64text(value: Any) -> str | None:
    try:
        return base64.b64decode(str(value), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _tpencrypt_js(dev: SimDevice) -> str:
    rsa = "$.rsa.encryptOAEP" if sim_profile(dev).cipher.rsa == "oaep" else "$.rsa.encrypt"
    return (
        "/* tpEncrypt.js */\n"
        f"var rsaEncrypt = {rsa};\n"
        "function RSA(n, e) { this.n = n; this.e = e; }\n"
        "RSA.prototype.encrypt = function (s) { return rsaEncrypt(s, this.n, this.e); };\n"
    )


def _lib_js() -> str:
    return (
        "/* lib.js */\n"
        f'$.PARM_URL = "{p.PARM_PATH.lstrip("/")}";\n'
        f'$.GDPR_URL = "{p.GDPR_URL.lstrip("/")}";\n'
        f'$.BUSY_URL = "{p.BUSY_PATH.lstrip("/")}";\n'
    )


def _ecc_parm(seq: int) -> str:
    x, y = secrets.token_hex(28).upper(), secrets.token_hex(28).upper()
    x_name, y_name = g.ECC_KEY_FIELDS
    return json.dumps({x_name: x, y_name: y, "userSetting": 1, "seq": str(seq), "ret": 0})


class TplinkFamily:
    name = "tplink"
    #: Firmware profiles per model, the default first (cpe/lab/plan.py deals them out).
    profiles: dict[str, tuple[str, ...]] = {  # noqa: RUF012 - read-only table
        "tplink-onu": ("cbc", "gcm", "gcm-oaep", "gcm-oaep-joined"),
        "tplink-xz000-g3": ("cbc", "gcm"),
    }

    # -- devices ---------------------------------------------------------------------------

    def new_device(
        self, model: str, rng: random.Random, profile: str | None = None
    ) -> SimDevice:
        model_name, version, hardware, radios, wan_type = MODELS.get(model, MODELS["tplink-onu"])
        chosen = profile or self.profiles.get(model, ("cbc",))[0]
        if chosen not in SIM_PROFILES:
            raise ValueError(f"unknown TP-Link firmware profile {chosen!r}")
        suffix = f"{rng.randrange(16**4):04X}"
        dev = SimDevice(
            model=model,
            model_name=model_name,
            firmware=f"{version} {SIM_PROFILES[chosen].build}",
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
        dev.extra.update(profile=chosen, rsa_bits=512, wifi_radios=radios, key_exchange="rsa")
        simmodel.furnish(dev, rng)
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
                    f'<script type="text/javascript" src="{g.LIB_JS_PATH}"></script>'
                    f'<script type="text/javascript" src="{g.TPENCRYPT_JS_PATH}"></script>'
                    f"</head><body><!-- {p.PARM_PATH} {p.GDPR_URL} --></body></html>"
                )
            else:
                token = session.data["token_id"]
                body = (
                    f"<!DOCTYPE html><html><head>{title}</head><body>"
                    f'<script type="text/javascript">var token="{token}";</script></body></html>'
                )
            return web.Response(text=body, content_type="text/html")

        async def lib_js(request: web.Request) -> web.Response:
            fleet.device(request)
            return web.Response(text=_lib_js(), content_type=_JS)

        async def tpencrypt_js(request: web.Request) -> web.Response:
            return web.Response(text=_tpencrypt_js(fleet.device(request)), content_type=_JS)

        async def parm(request: web.Request) -> web.Response:
            dev = fleet.device(request)
            if not _referer_ok(request):
                return _plain("Forbidden", 403)
            seq = 100_000_000 + secrets.randbelow(800_000_000)
            dev.extra["seq"] = seq
            if dev.extra.get("key_exchange") == "ecc":
                return web.Response(text=_ecc_parm(seq), content_type="application/json")
            key = shared_rsa_key(int(dev.extra.get("rsa_bits", 512)))
            return _plain(p.parm_answer(key.ee_hex, key.nn_hex, seq))

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
            rsa = sim_profile(dev).cipher.rsa
            try:
                fields = p.parse_sign_string(rsa_unsign(sign, key, rsa))
            except CipherError:
                if rsa == "oaep" and g.BAD_SIGN_CLOSES_CONNECTION:
                    _drop(request)
                return _plain("Bad Request", g.BAD_SIGN_STATUS)
            if "key" in fields:
                return _login(dev, request, fields, data, body.get("tag"))
            return _act(dev, request, fields, data, body.get("tag"))

        app.router.add_get("/", index)
        app.router.add_get(g.LIB_JS_PATH, lib_js)
        app.router.add_get(g.TPENCRYPT_JS_PATH, tpencrypt_js)
        app.router.add_route("*", p.PARM_PATH, parm)
        app.router.add_post(p.BUSY_PATH, busy)
        app.router.add_post(p.GDPR_PATH, gdpr)
        return app


# --- the two kinds of /cgi_gdpr requests ---------------------------------------------------------


def _login(
    dev: SimDevice, request: web.Request, fields: dict[str, str], data: str, tag: str | None
) -> web.Response:
    refused = _plain(p.ret_answer(p.RET_BAD_REQUEST))
    aes = sim_profile(dev).cipher.aes
    try:
        cipher = cipher_from_sign(aes, fields.get("key", ""), fields.get("iv", ""))
        if aes == "gcm" and tag is None:
            return refused
        payload = json.loads(cipher.decrypt(data, tag))
    except (CipherError, ValueError):
        # Wrong cipher mode or key format: the device cannot even answer encrypted, and
        # it never saw a password, so nothing is counted.
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
        return _sealed(dev, cipher, p.ret_answer(p.RET_BAD_REQUEST))
    user, password = _b64text(act.get("UserName", "")), _b64text(act.get("Passwd", ""))
    if user is None or password is None or fields.get("h") != md5_hex(user + password):
        return _sealed(dev, cipher, p.ret_answer(p.RET_BAD_REQUEST))
    ip = client_ip(request)
    check = dev.check_login(user, password, ip)
    if check is LoginCheck.LOCKED:
        times = 0 if g.CURR_AUTH_TIMES_IS_REMAINING else dev.knobs.lock_threshold
        forbid = max(1, math.ceil(dev.lock_remaining_s()))
        return _sealed(dev, cipher, p.login_failed_answer(times, forbid))
    if check is LoginCheck.WRONG:
        times = dev.attempts_left() if g.CURR_AUTH_TIMES_IS_REMAINING else dev.failures
        return _sealed(dev, cipher, p.login_failed_answer(times, 0))
    jsessionid = secrets.token_hex(15)
    session = dev.open_session(ip, token=jsessionid)
    if session is None:
        return _sealed(dev, cipher, p.ret_answer(g.RET_USER_CONFLICT))
    session.data.update(
        cipher=cipher, hash=fields["h"], seq=issued, token_id=secrets.token_hex(15), user=user
    )
    resp = _sealed(dev, cipher, p.ret_answer(p.RET_OK))
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
        return _sealed(dev, cipher, json.dumps({"success": False, "errorcode": g.ERR_BAD_NAME}))
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
            simwrites.write(dev, oid, args)
            answer = {"success": True}
        elif operation == p.OP_ACTION:
            simwrites.action(dev, oid)
            answer = {"success": True}
        else:
            raise simmodel.Refused(g.ERR_BAD_NAME)
    except simmodel.Refused as exc:
        answer = {"success": False, "errorcode": exc.code}
    except simwrites.RebootMidWrite:
        # The device went down mid-request: the client sees the connection drop.
        _drop(request)
    return _sealed(dev, cipher, json.dumps(answer, separators=(",", ":")))
