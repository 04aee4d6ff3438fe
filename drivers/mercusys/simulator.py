"""Simulated Mercusys AC12G v1 / MR30G v1 web UI: the classic `/?code=N&asyn=M` protocol.

A thin HTTP front end over `SimDevice`: everything a third-party client of the real unit
sends (mercusys-cli, the public PoCs, tplinkrouterc6u's plain-text reads) gets the answer
the evidence describes. Rules come from SimDevice (one admin session, lockout, WAN
restart); protocol state is derived per request (see `sim_auth`) or kept in `device.extra`.

Each unit plays one firmware profile (profiles.py `FIRMWARE_PROFILES`, name in
`device.extra["profile"]`): challenge layout, Wi-Fi numbering, ids open without login,
and the WAN it starts on.

Errors answer HTTP 200 with a non-zero 5-digit code; only "not authenticated" (00007)
answers 401 with the challenge lines.
"""

from __future__ import annotations

import random
import string
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from cpe.models import Band
from drivers.mercusys import guessed as g
from drivers.mercusys.encoding import DICTIONARY, ORG_AUTH_KEY
from drivers.mercusys.profiles import (
    MODEL_FIRMWARE,
    FirmwareProfile,
    WanStart,
    firmware_profile,
)
from drivers.mercusys.sim_auth import challenge_for, check_token, expected_token, idle_state
from drivers.mercusys.sim_objects import apply_block, check_block, device_profile, render_object
from drivers.mercusys.wire import (
    OK,
    ClientState,
    RequestCode,
    WireError,
    parse_blocks,
    parse_read_request,
    render_challenge,
    render_reply,
)
from drivers.sim import Fault, FleetServer, LoginCheck, SimDevice, WifiState, client_ip, make_app

__all__ = ["MercusysFamily", "use_profile"]

_TEXT = "text/plain"
_LOGIN_PAGE = (
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{model}</title>"
    f"<script src=\"{g.LOGIN_SCRIPT}\"></script></head><body><div id=\"login\"></div>"
    "</body></html>"
)
#: The login crypto the page loads (S4: served without login). Our own rendering of the
#: algorithm in encoding.py, so a browser-like client finds what it expects.
_LOGIN_SCRIPT_JS = (
    "function securityEncode(a,b,d){var o=\"\",n=Math.max(a.length,b.length),l=d.length;"
    "for(var i=0;i<n;i++){var x=i<a.length?a.charCodeAt(i):187,"
    "y=i<b.length?b.charCodeAt(i):187;o+=d.charAt((x^y)%l)}return o}\n"
    "function orgAuthPwd(p){return securityEncode(p,\"" + ORG_AUTH_KEY + "\",\""
    + DICTIONARY + "\")}\n"
)
_ALNUM = string.ascii_letters + string.digits


def _result(code: int) -> web.Response:
    return web.Response(text=render_reply(code), content_type=_TEXT)


def use_profile(device: SimDevice, name: str | None) -> FirmwareProfile:
    """Give a unit a firmware profile (None: its model's default): identity, WAN start and
    the protocol variant all follow it."""
    profile = firmware_profile(device.model, name)
    device.extra["profile"] = profile.name
    rel = int(device.extra.get("seed", 0)) % 90000 + 10000
    device.firmware = profile.firmware.format(rel=rel)
    device.hardware = profile.hardware
    device.model_name = profile.model_name
    device.wan_type = str(profile.wan)
    if profile.wan is WanStart.DHCP:
        device.wan_gateway = "100.64.0.1"
    return profile


def _query(request: web.Request) -> dict[str, str]:
    """Query parameters decoded like the firmware does: plain %XX, '+' stays '+'."""
    params: dict[str, str] = {}
    for part in request.rel_url.raw_query_string.split("&"):
        key, _, value = part.partition("=")
        if key:
            params[key] = unquote(value)
    return params


class MercusysFamily:
    name = "mercusys"
    #: Firmware profiles per model (the first is the default).
    profiles: dict[str, tuple[str, ...]] = MODEL_FIRMWARE
    #: Lab plants a profile implies: a DHCP-WAN unit cannot match an IXC contract that
    #: says PPPoE, so its audit shows the PPPoE drift (cpe/lab/plan.py reads this).
    profile_plants: dict[str, tuple[str, ...]] = {  # noqa: RUF012 - read-only table
        "ac12g-v1-210128-dhcp-wan": ("dhcp_wan",),
    }

    # -- devices ------------------------------------------------------------------------------

    def new_device(
        self, model: str, rng: random.Random, profile: str | None = None
    ) -> SimDevice:
        if model not in MODEL_FIRMWARE:
            raise ValueError(f"not a Mercusys model: {model!r}")
        mac = "50:D4:F7:" + ":".join(f"{rng.randrange(256):02X}" for _ in range(3))
        tag = mac.replace(":", "")[-4:]
        dev = SimDevice(
            model=model,
            model_name="",
            firmware="",
            # A random default; the lab (or a test) plants the vault's password.
            admin_password="".join(rng.choices(_ALNUM, k=12)),
            mac=mac,
            wan_ip=f"100.64.{rng.randrange(256)}.{rng.randrange(2, 255)}",
            wifi={
                Band.GHZ_2_4: WifiState(f"MERCUSYS_{tag}", "".join(rng.choices(_ALNUM, k=12))),
                Band.GHZ_5: WifiState(f"MERCUSYS_{tag}_5G", "".join(rng.choices(_ALNUM, k=12))),
            },
            extra={"seed": rng.getrandbits(64)},
        )
        use_profile(dev, profile)
        dev.knobs.lock_threshold = g.LOCK_THRESHOLD
        dev.knobs.lock_seconds = g.LOCK_SECONDS
        dev.knobs.session_idle_s = g.SESSION_IDLE_S
        return dev

    async def start_extra(self, fleet: FleetServer, device: SimDevice, host: str) -> list[Any]:
        return []  # web UI only: no CLI on these routers

    # -- HTTP -------------------------------------------------------------------------------------

    def build_app(self, fleet: FleetServer) -> web.Application:
        app = make_app(fleet)

        async def page(request: web.Request) -> web.Response:
            device = fleet.device(request)
            return web.Response(
                text=_LOGIN_PAGE.format(model=device.model_name), content_type="text/html"
            )

        async def api(request: web.Request) -> web.StreamResponse:
            device = fleet.device(request)
            return await _Exchange(request, device, device_profile(device)).answer()

        async def script(request: web.Request) -> web.Response:
            fleet.device(request)
            return web.Response(text=_LOGIN_SCRIPT_JS, content_type="application/javascript")

        app.router.add_get("/", page)
        app.router.add_get(g.LOGIN_SCRIPT, script)
        app.router.add_post("/", api)
        return app


class _Exchange:
    """One request to `/?code=N&asyn=M[&id=token]`."""

    def __init__(
        self, request: web.Request, device: SimDevice, profile: FirmwareProfile
    ) -> None:
        self.request = request
        self.device = device
        self.profile = profile
        self.ip = client_ip(request)

    async def answer(self) -> web.StreamResponse:
        params = _query(self.request)
        code, asyn = params.get("code", ""), params.get("asyn", "")
        if not code.isdigit():
            return _result(g.ERR_BAD_CODE)
        if asyn not in ("0", "1"):
            return _result(g.ERR_BAD_ARGUMENT)
        try:
            body = (await self.request.read()).decode("utf-8")
        except UnicodeDecodeError:
            return _result(g.ERR_BAD_FORMAT)
        token = params.get("id")
        if int(code) == RequestCode.AUTH:
            return self.login(token)
        if self.device.session_for(token) is None:
            if int(code) == RequestCode.READ and self._open_read(body):
                return self.read(body)
            return self.challenge(idle_state(self.device, self.ip, token is not None))
        return await self.dispatch(int(code), body, token)

    async def dispatch(self, code: int, body: str, token: str | None) -> web.StreamResponse:
        if code == RequestCode.READ:
            return self.read(body)
        if code == RequestCode.WRITE:
            return self.write(body)
        if code == RequestCode.LOGOUT:
            self.device.close_session(token)
            return _result(OK)
        if code == RequestCode.REBOOT:
            self.device.reboot()
            return _result(OK)
        return _result(g.ERR_BAD_CODE)

    # -- login ------------------------------------------------------------------------------------

    def challenge(self, state: ClientState) -> web.Response:
        text = render_challenge(challenge_for(self.device, self.ip, state))
        return web.Response(status=401, text=text, content_type=_TEXT)

    def login(self, token: str | None) -> web.Response:
        device = self.device
        if token is None:
            return self.challenge(idle_state(device, self.ip, had_token=False))
        if device.locked():
            return self.challenge(ClientState.LOCK)
        if device.session_busy_for(self.ip):
            # Someone else is logged in: refused before the password is even checked.
            return self.challenge(ClientState.FULL)
        verdict = check_token(device, self.ip, token)
        if verdict is LoginCheck.LOCKED:
            return self.challenge(ClientState.LOCK)
        if verdict is LoginCheck.WRONG:
            return self.challenge(ClientState.PSWERR)
        # Same client IP preempts its own old session (open_session allows it).
        if device.open_session(self.ip, token=expected_token(device, self.ip)) is None:
            return self.challenge(ClientState.FULL)
        return _result(OK)

    # -- reads and writes -----------------------------------------------------------------------

    def _open_read(self, body: str) -> bool:
        """The open-read MR30G answers some ids without a token (S5 PoC)."""
        if not self.profile.open_read_ids:
            return False
        try:
            refs = parse_read_request(body)
        except WireError:
            return False
        return all(r.data_id in self.profile.open_read_ids for r in refs)

    def read(self, body: str) -> web.Response:
        try:
            refs = parse_read_request(body)
        except WireError:
            return _result(g.ERR_BAD_FORMAT)
        blocks = []
        for ref in refs:
            block = render_object(self.device, self.profile, ref)
            if block is None:
                return _result(g.ERR_BAD_ARGUMENT)
            blocks.append(block)
        return web.Response(text=render_reply(OK, blocks), content_type=_TEXT)

    def write(self, body: str) -> web.Response:
        device, profile = self.device, self.profile
        try:
            blocks = parse_blocks(body)
        except WireError:
            return _result(g.ERR_BAD_FORMAT)
        if not blocks:
            return _result(g.ERR_BAD_FORMAT)
        for block in blocks:
            error = check_block(device, profile, block)
            if error:
                return _result(error)
        if device.knobs.fault is Fault.REBOOT_MID_WRITE and len(blocks) > 1:
            apply_block(device, profile, blocks[0])
            device.reboot()
            # The unit goes away mid-request: the client never gets an answer.
            if self.request.transport is not None:
                self.request.transport.abort()
            raise web.HTTPServiceUnavailable()
        redial = False
        for block in blocks:
            redial = apply_block(device, profile, block) or redial
        if redial and device.wan_type == "pppoe":
            device.apply_pppoe(device.pppoe_user, device.pppoe_password)  # counts the write
        elif redial:
            device.counters.writes += 1
            device.restart_wan()
        else:
            device.counters.writes += 1
        return _result(OK)
