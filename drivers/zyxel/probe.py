"""First contact with a unit that may be a Zyxel DAL router (drivers/probe.py contract).

Only the answers the login page itself reads without a session: `GetInfoNoLogin` (else
`getBasicInformation`) for the model, `getBasicInformation` for the firmware, and
`getRSAPublickKey` for the cipher. No password is ever sent, so a unit with a lockout
counter counts nothing. The profile named is the one the web driver would choose from
the same answers (`profiles.choose_profile`, shared code), or None for a variant no
profile knows. Transport failures (unreachable, timeout) propagate as `CpeError`s so the
caller can say the host did not answer; any other family's answers give None after at
most two small GETs.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from cpe.errors import CpeError, Unsupported
from cpe.models import Target, Timeouts
from drivers.http import make_session
from drivers.probe import Fingerprint
from drivers.zyxel import guessed
from drivers.zyxel.dal import as_str
from drivers.zyxel.profiles import WebFingerprint, choose_profile
from drivers.zyxel.webapi import ZyxelWebApi

__all__ = ["probe"]

MODEL_KEY = "zyxel"


def _err(cls: type[CpeError], message: str, operation: str) -> CpeError:
    return cls(message, operation=operation)


def _own_session(session: Any) -> requests.Session:
    """A session of our own (the web API adds its headers to it), reusing the caller's
    transport adapters so a recording or replaying caller still sees every request."""
    own = make_session()
    if isinstance(session, requests.Session):
        own.adapters = session.adapters
    return own


def _firmware(api: ZyxelWebApi, known: dict[str, Any]) -> str | None:
    if known.get("SoftwareVersion"):
        return as_str(known["SoftwareVersion"])
    resp = api.http.request("GET", guessed.BASIC_INFO_PATH, operation="probe")
    try:
        info = json.loads(resp.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    version = info.get("SoftwareVersion") if isinstance(info, dict) else None
    return as_str(version) or None


def probe(session: Any, host: str, port: int, timeout_s: float) -> Fingerprint | None:
    target = Target(host=host, port=port, model=MODEL_KEY)
    timeouts = Timeouts(connect_s=timeout_s, read_s=timeout_s)
    api = ZyxelWebApi(target, timeouts, _own_session(session), _err)
    try:
        path, info, cookie = api.identify()
    except Unsupported:
        return None  # not a Zyxel login page
    firmware = _firmware(api, info)
    key, key_status = api.read_key()
    seen = WebFingerprint(path, as_str(info.get("ModelName")), firmware, key, key_status, cookie)
    profile = choose_profile(seen)
    evidence = (
        f"GET {path} → ModelName" + (" + cookie de sessão pré-login" if cookie else ""),
        f"GET {guessed.BASIC_INFO_PATH} → SoftwareVersion" if firmware else
        f"GET {guessed.BASIC_INFO_PATH} → sem SoftwareVersion",
        f"GET {guessed.PUBLIC_KEY_PATH} → HTTP {key_status}, {key.value}",
    )  # fmt: skip
    details: dict[str, Any] = {**seen.details(), "fingerprint": seen.describe()}
    if profile is not None:
        details["profile_summary"] = profile.summary
    return Fingerprint(
        family="zyxel",
        model_key=MODEL_KEY,
        model_name=seen.model_name or None,
        firmware=firmware,
        profile=profile.name if profile else None,
        details=details,
        evidence=evidence,
    )
