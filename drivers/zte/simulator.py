"""Simulated ZTE ONUs (ThinkLua web UI) for the lab and the conformance suite.

Speaks the protocol of ../shared/docs/protocols/zyxel-fiberhome-zte.md §3, in the firmware
profiles of `sim_profiles.py` (`profiles` below maps each model key to the ones the lab
mixes). Login and sessions live in `sim_login.py`; this module serves the pages:

* `menuView` sets the page context and hands out a fresh `_sessionTmpToken` plus the RSA
  public key in `asyEncode()` (2048-bit, or 4096-bit on `thinklua-rsa4096`); `menuData`
  of a module outside that page is `SessionTimeout`, and so is any data call before the
  session is ready (logged in, and activated on `thinklua-activate` units).
* Writes: `Check` must be the RSA-wrapped sha256 of the exact body, `_sessionTOKEN` the last
  field and the current token; `encode` unwraps (ck, ci) for the encoded fields.
* `device.extra["gch"] = True` (profile `gch`) turns the unit into a legacy `.gch` UI.
"""

from __future__ import annotations

import random
import secrets
from typing import Any

from aiohttp import web

from cpe.models import Band
from drivers.sim import FleetServer, SimDevice, WifiState, make_app
from drivers.zte import ajax, sim_keys, sim_login, sim_model, sim_pages
from drivers.zte import guessed as g
from drivers.zte.crypto import (
    CryptoError,
    FieldCipher,
    check_matches,
    encode_read_value,
)
from drivers.zte.sim_family_state import LAN_IP
from drivers.zte.sim_login import WebSession, form_of, ready, web_session
from drivers.zte.sim_profiles import LAB_PROFILES, apply_profile, profile_of

XML = "text/xml"


#: The simulator's keys (tests sign and decrypt with them).
sim_private_key = sim_keys.private_key
sim_public_pem = sim_keys.public_pem


def _key_bits(device: SimDevice) -> int:
    return profile_of(device).rsa_bits


def _xml(text: str) -> web.Response:
    return web.Response(text=text, content_type=XML)


def _error_xml(errorstr: str, errorid: int = -1, errorparam: str = g.ERR_SUCCESS) -> web.Response:
    return _xml(ajax.build_reply(errorstr=errorstr, errorid=errorid, errorparam=errorparam))


# --- menuView / menuData -----------------------------------------------------------------------


def _menu_view(request: web.Request, device: SimDevice) -> web.Response:
    ws, new = web_session(request, device)
    if not ready(device, ws):
        page = sim_pages.login_page(ws.token, device.knobs.lock_threshold, device.model_name)
        return sim_login.with_cookie(web.Response(text=page, content_type="text/html"), ws, new)
    tag = request.query.get("_tag", "")
    if tag not in sim_model.PAGES:
        raise web.HTTPNotFound()
    ws.page = tag
    html = sim_pages.menu_view_page(tag, ws.rotate(), sim_public_pem(_key_bits(device)))
    return web.Response(text=html, content_type="text/html")


def _module_for(
    request: web.Request, device: SimDevice
) -> tuple[WebSession, sim_model.Module, str] | web.Response:
    """The session and module of a menuData call, or the answer refusing it."""
    tag = request.query.get("_tag", "")
    module = sim_model.MODULES.get(tag)
    if module is None or not sim_model.query_matches(module, request.query):
        raise web.HTTPNotFound()
    ws, _ = web_session(request, device)
    if not ready(device, ws) or ws.page != module.page:
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


def _decode_fields(tag: str, form: dict[str, str], bits: int = 2048) -> dict[str, str] | str:
    """Plain values of the encoded fields, or the name of the one that does not decode.
    Without `encode` the firmware takes the values as plaintext (transToPostTab)."""
    wrapped = form.pop("encode", None)
    if wrapped is None:
        return form
    try:
        cipher = FieldCipher.unwrap(sim_private_key(bits), wrapped)
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
    raw, pairs = await form_of(request)
    check = request.headers.get("Check")
    if check is None:
        return web.Response(status=400, text=sim_pages.session_timeout_page(),
                            content_type="text/html")
    if not check_matches(sim_private_key(_key_bits(device)), check, raw):
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
    fields = _decode_fields(tag, form, _key_bits(device))
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
    #: Firmware profiles the lab mixes per model (first = default); `sim_profiles.py`.
    profiles: dict[str, tuple[str, ...]] = LAB_PROFILES

    def new_device(
        self, model: str, rng: random.Random, profile: str | None = None
    ) -> SimDevice:
        suffix = f"{rng.getrandbits(16):04X}"
        dev = SimDevice(
            model=model,
            model_name="F670L",
            firmware="",
            admin_user=g.DEFAULT_USERNAME,
            admin_password=f"zte-{rng.getrandbits(32):08x}",
            serial=f"ZTEG{rng.getrandbits(32):08X}",
            mac="34:24:3e:" + ":".join(f"{rng.randrange(256):02x}" for _ in range(3)),
            lan_dns=[LAN_IP],
            rx_dbm=round(rng.uniform(-21.0, -17.5), 2),
            tx_dbm=round(rng.uniform(1.6, 2.6), 2),
            wifi={
                Band.GHZ_2_4: WifiState(f"ZTE-{suffix}", f"zte{rng.getrandbits(40):010x}"),
                Band.GHZ_5: WifiState(f"ZTE-{suffix}-5G", f"zte{rng.getrandbits(40):010x}"),
            },
        )
        apply_profile(dev, profile or self.profiles.get(model, ("thinklua",))[0])
        dev.knobs.lock_threshold = g.LOCK_THRESHOLD
        dev.knobs.lock_seconds = g.LOCK_SECONDS
        return dev

    @staticmethod
    def apply_profile(device: SimDevice, profile: str) -> None:
        """Re-dress an existing device as another firmware (tests, conformance)."""
        apply_profile(device, profile)

    def build_app(self, fleet: FleetServer) -> web.Application:
        app = make_app(fleet, garbage_content_type=XML)

        async def handle(request: web.Request) -> web.StreamResponse:
            device = fleet.device(request)
            if device.extra.get("gch"):
                return sim_login.gch(request, device)
            kind, tag = request.query.get("_type"), request.query.get("_tag")
            post = request.method == "POST"
            if kind is None:
                return sim_login.root(request, device)
            if kind == "loginData":
                if tag == "login_entry":
                    if post:
                        return await sim_login.login_entry_post(request, device)
                    return sim_login.login_entry_get(request, device)
                if tag == "login_token" and not post:
                    return sim_login.login_token(request, device)
                if tag == "logout_entry" and post:
                    return await sim_login.logout(request, device)
                if tag == "login_changepwd" and post:
                    return await sim_login.change_password_post(request, device)
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
