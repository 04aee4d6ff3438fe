"""Simulated Zyxel routers: the DAL web API (with the real encryption handshake) and, per
device when `extra["cli"]` is true, ZySH over SSH and telnet (see `sim_cli.py`).

Per-device knobs in `device.extra`:
- `profile`: the firmware profile (`sim_profiles.py`), which sets the next four:
- `encryption`: False = the "None" plain variant of HTTPS builds;
- `prelogin_cookie`: UserLogin needs the cookie GetInfoNoLogin set;
- `rotate_sessionkey`: each write answers a new sessionkey (the old one is refused);
- `status_oid`: False = no `oid=status` (404), `cardpage_status` only;
- `pem_escaped`: the PEM string itself holds `\\/`;
- `http500_once`: the next DAL call answers 500;
- `login_json_only`: form-encoded logins get "Decrypt Fail";
- `cli`, `ssh_port`, `telnet_port`: ZySH listeners (0 = ephemeral; real ports written back);
- `wlan_5g_index`, `one_ssid`, `lan_ip`: layout of the unit.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import random
import secrets
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cpe.models import Band
from drivers.sim import FleetServer, LoginCheck, SimDevice, WifiState, client_ip, make_app
from drivers.sim.state import Session
from drivers.zyxel import crypto, guessed, sim_dal
from drivers.zyxel.dal import LOCK_THRESHOLD, ZCFG_SUCCESS
from drivers.zyxel.sim_profiles import PROFILE_NAMES, apply_profile

__all__ = ["ZyxelFamily", "rsa_private_key"]

#: Pre-login cookies a unit remembers (the oldest is forgotten first).
_PRELOGIN_KEPT = 8


@functools.cache
def rsa_private_key() -> rsa.RSAPrivateKey:
    """One key pair per process, shared by every simulated unit (a lab has 10,000)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def _public_pem() -> str:
    raw = (
        rsa_private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return raw.decode("ascii")


def _json(obj: Any, status: int = 200) -> web.Response:
    # json-c escapes '/' as '\/' (hence the notes' PEM remark); so do we.
    text = json.dumps(obj, ensure_ascii=False).replace("/", "\\/")
    return web.Response(text=text, status=status, content_type="application/json")


def _reply(session: Session | None, obj: Any) -> web.Response:
    """A 200 answer, sealed under the session's AES key when it has one."""
    key = session.data.get("aes_key") if session else None
    return _json(crypto.seal(key, obj) if key else obj)


def _result(code: str, message: str = "") -> dict[str, Any]:
    return {"result": code, "ReplyMsg": message, "ReplyMsgMultiLang": ""}


class ZyxelFamily:
    name = "zyxel"
    #: Firmware profiles per model (the first is the default): see `sim_profiles.py`.
    profiles: dict[str, tuple[str, ...]] = {"zyxel": PROFILE_NAMES}  # noqa: RUF012

    def new_device(self, model: str, rng: random.Random, profile: str | None = None) -> SimDevice:
        mac = [0xBC, 0x99, 0x11] + [rng.randrange(256) for _ in range(3)]
        tail = "".join(f"{b:02X}" for b in mac[-2:])
        dev = SimDevice(
            model=model,
            model_name="",  # set by apply_profile below
            firmware="",
            admin_password="".join(
                rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(12)
            ),
            admin_user="supervisor",
            serial="S" + "".join(rng.choice("0123456789") for _ in range(12)),
            mac=":".join(f"{b:02X}" for b in mac),
        )
        dev.knobs.lock_threshold = LOCK_THRESHOLD  # AccountRetryTime default (notes 1.7)
        dev.knobs.lock_seconds = 300.0  # AccountLockTime default
        dev.knobs.session_idle_s = 300.0  # AccountIdleTime default
        dev.lan_dns = ["192.168.1.1"]  # DNS proxy: clients ask the router
        psk = "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(10))
        dev.wifi = {
            Band.GHZ_2_4: WifiState(f"Zyxel_{tail}", psk),
            Band.GHZ_5: WifiState(f"Zyxel_{tail}_5G", psk),
        }
        dev.extra.update(
            {
                "encryption": True,
                "cli": False,
                "ssh_port": 0,
                "telnet_port": 0,
                "lan_ip": "192.168.1.1",
                "wlan_guest": {  # non-main SSIDs: selection must skip them
                    2: {"band": "2.4GHz", "SSID": f"Zyxel_{tail}_guest", "psk": psk + "g",
                        "enabled": False},
                    6: {"band": "5GHz", "SSID": f"Zyxel_{tail}_guest5", "psk": psk + "g",
                        "enabled": False},
                },
            }
        )  # fmt: skip
        apply_profile(dev, profile)
        return dev

    def build_app(self, fleet: FleetServer) -> web.Application:
        app = make_app(fleet, garbage_content_type="text/html")
        handlers = _Handlers(fleet)
        app.router.add_get("/", handlers.root)
        app.router.add_get("/getBasicInformation", handlers.basic_information)
        app.router.add_get(guessed.PRELOGIN_PATH, handlers.info_no_login)
        app.router.add_get("/getRSAPublickKey", handlers.public_key)
        app.router.add_post("/UserLogin", handlers.login)
        app.router.add_get(guessed.LOGIN_CHECK_PATH, handlers.login_check)
        app.router.add_route("*", "/cgi-bin/UserLogout", handlers.logout)
        app.router.add_route("*", "/cgi-bin/DAL", handlers.dal)
        app.router.add_get("/cgi-bin/Wireless", handlers.wireless)
        return app

    async def start_extra(self, fleet: FleetServer, device: SimDevice, host: str) -> list[Any]:
        if not device.extra.get("cli"):
            return []
        from drivers.zyxel.sim_cli import start_cli  # asyncssh only when a lab wants a CLI

        return await start_cli(device, host)


class _Handlers:
    def __init__(self, fleet: FleetServer) -> None:
        self.fleet = fleet

    async def root(self, request: web.Request) -> web.Response:
        dev = self.fleet.device(request)
        html = f"<html><head><title>{dev.model_name}</title></head><body>Zyxel</body></html>"
        return web.Response(text=html, content_type="text/html")

    async def basic_information(self, request: web.Request) -> web.Response:
        dev = self.fleet.device(request)
        lan = sim_dal.lan_ip(dev).rsplit(".", 1)[0] + "."
        return _json(
            {
                "result": ZCFG_SUCCESS,
                "ModelName": dev.model_name,
                "SoftwareVersion": dev.firmware,
                "CurrentLanguage": "en",
                "AvailableLanguages": "en,pt",
                "RememberPassword": 0,
                "RemoAddr_Type": "LAN" if client_ip(request).startswith(lan) else "WAN",
            }
        )

    async def info_no_login(self, request: web.Request) -> web.Response:
        """What the login page shows before anyone logs in; on firmware that wants it,
        it also mints the session cookie the login must carry."""
        dev = self.fleet.device(request)
        resp = _json(
            {
                "result": ZCFG_SUCCESS,
                "ModelName": dev.model_name,
                "LogoFilename": "",
                "CurrentLanguage": "en",
                "AvailableLanguages": "en,pt",
                "RememberPassword": 0,
            }
        )
        if dev.extra.get("prelogin_cookie"):
            token = secrets.token_hex(16)
            kept: list[str] = dev.extra.setdefault("prelogin", [])
            kept[:] = [*kept[-(_PRELOGIN_KEPT - 1) :], token]
            resp.set_cookie(guessed.SESSION_COOKIE, token, httponly=True, path="/")
        return resp

    async def login_check(self, request: web.Request) -> web.Response:
        """Is this browser's session still valid? Always 200, never sealed."""
        dev = self.fleet.device(request)
        alive = self._session(dev, request) is not None
        return _json({"result": ZCFG_SUCCESS if alive else guessed.ZCFG_NOT_LOGIN})

    async def public_key(self, request: web.Request) -> web.Response:
        dev = self.fleet.device(request)
        if not dev.extra.get("encryption", True):
            return _json({"RSAPublicKey": "None"})
        pem = _public_pem()
        if dev.extra.get("pem_escaped"):
            pem = pem.replace("/", "\\/")  # the string itself holds '\/' (notes 1.2.2)
        return _json({"RSAPublicKey": pem})

    async def login(self, request: web.Request) -> web.Response:
        dev = self.fleet.device(request)
        if dev.extra.get("prelogin_cookie") and request.cookies.get(
            guessed.SESSION_COOKIE
        ) not in dev.extra.get("prelogin", []):
            # No GetInfoNoLogin cookie: refused before any password is looked at.
            return _json({"result": guessed.ZCFG_NOT_LOGIN}, 401)
        if dev.extra.get("login_json_only") and request.content_type != "application/json":
            return _json({"result": guessed.LOGIN_DECRYPT_FAIL}, 401)  # notes 1.2.5, reversed
        try:
            body = json.loads(await request.read())  # raw JSON or the same text form-encoded
        except (ValueError, UnicodeDecodeError):
            return _json({"result": guessed.LOGIN_DECRYPT_FAIL}, 401)
        key: bytes | None = None
        if dev.extra.get("encryption", True):
            try:
                key = crypto.unwrap_key(rsa_private_key(), body.get("key"))
                body = crypto.open_sealed(key, body)
            except (crypto.CryptoError, AttributeError):
                return _json({"result": guessed.LOGIN_DECRYPT_FAIL}, 401)
        if not isinstance(body, dict):
            return _json({"result": guessed.LOGIN_DECRYPT_FAIL}, 401)
        user = body.get("Input_Account")
        try:
            password = base64.b64decode(str(body.get("Input_Passwd", "")), validate=True).decode()
        except (binascii.Error, ValueError):
            password = ""
        ip = client_ip(request)
        check = dev.check_login(str(user) if user is not None else None, password, ip)
        if check is LoginCheck.LOCKED:
            return _json(
                {
                    "result": guessed.LOGIN_RESULT_LOCKED,
                    guessed.LOGIN_LOCK_REMAIN_KEY: int(dev.lock_remaining_s()) + 1,
                    guessed.LOGIN_LOCK_TIME_KEY: int(dev.knobs.lock_seconds),
                },
                401,
            )
        if check is LoginCheck.WRONG:
            return _json(
                {
                    "result": guessed.LOGIN_RESULT_WRONG,
                    guessed.LOGIN_RETRY_KEY: dev.knobs.lock_threshold,
                    guessed.LOGIN_FAIL_COUNT_KEY: dev.failures,
                },
                401,
            )
        session = dev.open_session(ip, secrets.token_hex(16))
        if session is None:
            return _json({"result": guessed.LOGIN_RESULT_BUSY}, 401)
        sessionkey = secrets.randbelow(2**31 - 2) + 1
        session.data.update({"sessionkey": str(sessionkey), "aes_key": key})
        dev.extra["prelogin"] = []  # a pre-login cookie serves one login
        answer = {
            "result": ZCFG_SUCCESS,
            "sessionkey": sessionkey,
            "loginAccount": user,
            "loginLevel": "high",
            "ThemeColor": "",
            "changePw": False,
            "showSkipBtn": False,
        }
        resp = _reply(session, answer)
        resp.set_cookie(guessed.SESSION_COOKIE, session.token, httponly=True, path="/")
        return resp

    # -- authenticated ---------------------------------------------------------------------

    def _session(self, dev: SimDevice, request: web.Request) -> Session | None:
        return dev.session_for(request.cookies.get(guessed.SESSION_COOKIE))

    @staticmethod
    def _csrf_ok(session: Session, request: web.Request) -> bool:
        given = request.headers.get("CSRFToken") or request.query.get("sessionkey")
        return bool(given) and secrets.compare_digest(
            str(given).encode(), str(session.data.get("sessionkey")).encode()
        )

    async def logout(self, request: web.Request) -> web.Response:
        dev = self.fleet.device(request)
        session = self._session(dev, request)
        if session is None:
            return _json({"result": guessed.ZCFG_NOT_LOGIN}, 401)
        dev.close_session(session.token)
        return _reply(session, _result(ZCFG_SUCCESS))

    async def wireless(self, request: web.Request) -> web.Response:
        dev = self.fleet.device(request)
        session = self._session(dev, request)
        if session is None:
            return _json({"result": guessed.ZCFG_NOT_LOGIN}, 401)
        if request.query.get("action") != "WlCheck":
            return _reply(session, _result(guessed.ZCFG_REQUEST_REJECT))
        return _reply(session, _result(ZCFG_SUCCESS))

    async def dal(self, request: web.Request) -> web.StreamResponse:
        dev = self.fleet.device(request)
        if dev.extra.pop("http500_once", False):
            dev.close_session()  # a wedged web server: the old session is gone too
            return web.Response(status=500, text="Internal Server Error")
        session = self._session(dev, request)
        if session is None:
            return _json({"result": guessed.ZCFG_NOT_LOGIN}, 401)
        oid = request.query.get("oid", "")
        if request.method == "GET":
            objects = sim_dal.get_objects(dev, oid)
            if objects is None:  # unknown oids answer 404 (public clients skip on it)
                raise web.HTTPNotFound()
            return _reply(session, {**_result(ZCFG_SUCCESS), "Object": objects})
        if not self._csrf_ok(session, request):
            return _json(_result(guessed.ZCFG_REQUEST_REJECT, "bad sessionkey"), 403)
        if request.method != "PUT":
            return _reply(session, _result(guessed.ZCFG_REQUEST_REJECT, "only edit is simulated"))
        body = await self._body(session, request)
        if not isinstance(body, dict):
            return _json(_result(guessed.ZCFG_REQUEST_REJECT, "expected one object"), 403)
        if "Index" not in body and request.query.get("Index", "").isdigit():
            body["Index"] = int(request.query["Index"])
        result = sim_dal.edit(dev, oid, body)
        if result.rebooted:
            if request.transport:
                request.transport.abort()
            raise web.HTTPServiceUnavailable()
        answer = _result(result.code, result.message)
        if result.ok and dev.extra.get("rotate_sessionkey"):
            # This firmware hands out a new key with every write; the old one is dead.
            fresh = str(secrets.randbelow(2**31 - 2) + 1)
            session.data["sessionkey"] = fresh
            answer[guessed.ROTATED_SESSIONKEY_FIELD] = fresh
        return _reply(session, answer)

    @staticmethod
    async def _body(session: Session, request: web.Request) -> Any:
        try:
            body = json.loads(await request.read())
            key = session.data.get("aes_key")
            return crypto.open_sealed(key, body) if key else body
        except (ValueError, UnicodeDecodeError, crypto.CryptoError, AttributeError):
            return None
