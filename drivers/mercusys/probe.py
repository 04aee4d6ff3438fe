"""First contact with a unit that may be a classic Mercusys (AC12G v1, MR30G v1).

Two unauthenticated requests, never a password:
1. `GET /`: the classic login page loads `/lib/Quary.js` (S4); its title names the model.
   Anything else is not ours: None, at once.
2. `POST /?code=2&asyn=1` with `0|1,0,0` and no session (what tplinkrouterc6u's C80
   detection sends): a build that shows id 0 without login answers it (firmware, model);
   the others answer the 401 challenge, whose layout picks the driver's login profile.

The driver reads the same challenge before its first attempt, so the profile named here is
the one it will use. The Wi-Fi numbering is only visible after login (the driver finds it
with a read); the probe says so instead of guessing.
"""

from __future__ import annotations

from typing import Any

import requests

from drivers.mercusys import guessed as g
from drivers.mercusys.profiles import PROFILES, driver_profile
from drivers.mercusys.wire import (
    EUNAUTH,
    OK,
    ChallengeVariantError,
    ClientState,
    ObjectRef,
    WireError,
    parse_challenge,
    parse_reply,
)
from drivers.probe import Fingerprint, page_title

__all__ = ["probe"]

FAMILY = "mercusys"
#: Longer titles are not a model name.
_MAX_TITLE = 64
_MODEL_KEYS = {p.model_name.upper(): key for key, p in PROFILES.items()}
_DEVICE = ObjectRef(g.DATA_DEVICE, g.STACK_SINGLE)
_NUMBERING = "found by a read after login: " + ", then ".join(
    f"33|{s.format(band='<band>')}" for s in g.WIFI_STACK_ORDER
)


def probe(session: Any, host: str, port: int, timeout_s: float) -> Fingerprint | None:
    base = f"http://{host}:{port}"
    headers = {"Referer": f"{base}/"}
    try:
        page = session.get(f"{base}/", timeout=timeout_s, allow_redirects=False, headers=headers)
    except requests.RequestException:
        return None
    text = page.text if page.status_code == 200 else ""
    if g.LOGIN_SCRIPT not in text:
        return None
    title = page_title(text)
    shown = title if title and len(title) <= _MAX_TITLE else None
    model_name = shown if g.LOGIN_TITLE_IS_MODEL else None
    evidence = [f"GET / -> {page.status_code}, loads {g.LOGIN_SCRIPT}, title {model_name!r}"]
    details: dict[str, Any] = {"wifi_numbering": _NUMBERING}
    info = _read_device_block(session, base, headers, timeout_s, evidence, details)
    firmware = hardware = None
    if info is not None:
        model_name = info.get("modelName") or model_name
        firmware, hardware = info.get("softVer"), info.get("hardVer")
    model_key = _MODEL_KEYS.get((model_name or "").upper())
    layout = details.get("challenge_layout")
    profile = driver_profile(layout).name if layout is not None else None
    return Fingerprint(
        family=FAMILY,
        model_key=model_key,
        model_name=model_name,
        firmware=firmware,
        hardware=hardware,
        profile=profile,
        details=details,
        evidence=tuple(evidence),
    )


def _read_device_block(
    session: Any,
    base: str,
    headers: dict[str, str],
    timeout_s: float,
    evidence: list[str],
    details: dict[str, Any],
) -> dict[str, str] | None:
    """The unauthenticated id-0 read: the device block if shown, else the challenge's
    layout into `details`."""
    query = f"/?code=2&asyn={g.AC12G_READ_ASYN}"
    try:
        resp = session.post(
            base + query, data=str(_DEVICE).encode(), timeout=timeout_s,
            allow_redirects=False, headers={**headers, "Content-Type": "text/plain;charset=UTF-8"},
        )
    except requests.RequestException as exc:
        evidence.append(f"POST {query} (no session) -> {type(exc).__name__}")
        return None
    body = resp.content.decode("utf-8", errors="replace")
    if resp.status_code == 200 and body.startswith(f"{OK:05d}"):
        try:
            block = parse_reply(body).by_ref().get(_DEVICE)
        except WireError:
            block = None
        evidence.append(f"POST {query} (no session) -> 200, device block shown without login")
        details["unauthenticated_device_read"] = True
        return None if block is None else {k: v for (k, i), v in block.values.items() if i is None}
    if resp.status_code != 401 or not body.startswith(f"{EUNAUTH:05d}"):
        evidence.append(f"POST {query} (no session) -> {resp.status_code}, not a challenge")
        return None
    try:
        challenge = parse_challenge(body)
    except ChallengeVariantError as exc:
        details["challenge_shape"] = exc.shape
        evidence.append(f"POST {query} (no session) -> 401, unknown layout ({exc.shape})")
        return None
    except WireError:
        evidence.append(f"POST {query} (no session) -> 401, unreadable challenge")
        return None
    chosen = driver_profile(challenge.layout)
    details.update(
        challenge_layout=challenge.layout,
        counter="hidden (constant 00000)" if challenge.counter is None else challenge.counter,
        nonce_length=len(challenge.nonce),
        dictionary_length=len(challenge.dictionary),
        client_state=_state(challenge.state),
    )
    evidence.append(f"POST {query} (no session) -> 401, {chosen.summary}")
    return None


def _state(state: ClientState | int) -> str:
    return state.name if isinstance(state, ClientState) else str(state)
