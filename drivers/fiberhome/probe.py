"""First contact with a unit that may be a Fiberhome ONU, unauthenticated (no password).

Stack A (`/cgi-bin/ajax`) answers JSON with a `sessionid` at `get_refresh_sessionid`; then
`get_acs_random` tells the key variant (an `acsRandom` → profile `acs-random`; none →
`fixed-key`, whose firmware also binds the session to the client address) and
`get_device_name` the model. Stacks B (FHNCAPIS) and C (goform) are recognised and
reported as not supported. The firmware version is not shown before login.
"""

from __future__ import annotations

from typing import Any

import requests

from cpe.errors import DeviceUnreachable, Timeout
from drivers.fiberhome import guessed
from drivers.fiberhome.protocol import (
    AJAX_PATH,
    FHNCAPIS_PATHS,
    GOFORM_LOGIN_PAGE,
    M_ACS_RANDOM,
    M_REFRESH_SID,
)
from drivers.fiberhome.transport import parse_json
from drivers.probe import Fingerprint

MODEL_KEY = "fiberhome-onu"


def _get(session: Any, url: str, timeout_s: float) -> requests.Response:
    try:
        return session.get(  # type: ignore[no-any-return]
            url, timeout=timeout_s, allow_redirects=False,
            headers={"X-Requested-With": "XMLHttpRequest"},
        )
    except requests.Timeout as exc:
        raise Timeout(f"no answer within {timeout_s:g}s", device=url, operation="probe") from exc
    except requests.RequestException as exc:
        raise DeviceUnreachable(
            f"connection failed ({type(exc).__name__})", device=url, operation="probe"
        ) from exc


def _ajax(session: Any, base: str, method: str, timeout_s: float) -> dict[str, Any] | None:
    resp = _get(session, f"{base}{AJAX_PATH}?ajaxmethod={method}&_=0.1", timeout_s)
    return parse_json(resp.text) if resp.status_code == 200 else None


def probe(session: Any, host: str, port: int, timeout_s: float) -> Fingerprint | None:
    base = f"http://{host}:{port}"
    first = _ajax(session, base, M_REFRESH_SID, timeout_s)
    if first is not None and "sessionid" in first:
        acs = _ajax(session, base, M_ACS_RANDOM, timeout_s) or {}
        acs_random = isinstance(acs.get("acsRandom"), str) and bool(acs["acsRandom"])
        named = _ajax(session, base, guessed.DEVICE_NAME_METHOD, timeout_s) or {}
        model = named.get("ModelName")
        profile = "acs-random" if acs_random else "fixed-key"
        return Fingerprint(
            family="fiberhome",
            model_key=MODEL_KEY,
            model_name=str(model) if isinstance(model, str) and model else None,
            profile=profile,
            details={
                "web_stack": "ajax",
                "fhencrypt_key": "acsRandom[6:22]" if acs_random else "fixed",
                "session": "cookie" if acs_random else "client address (no cookie)",
            },
            evidence=(
                "GET get_refresh_sessionid: JSON with sessionid (stack A)",
                f"GET {M_ACS_RANDOM}: {'acsRandom present' if acs_random else 'no acsRandom'}",
                f"GET {guessed.DEVICE_NAME_METHOD}: "
                f"{'ModelName' if model else 'no ModelName'}",
            ),
        )
    if first is not None:
        return None  # JSON, but not this stack's: another family's API
    for path in FHNCAPIS_PATHS:
        resp = _get(session, f"{base}{path}?ajaxmethod={M_REFRESH_SID}", timeout_s)
        if resp.status_code == 200 and "sessionid" in resp.text[:2000]:
            return _unsupported("fhncapis", f"GET {path}: sessionid (stack B, FHNCAPIS)")
    resp = _get(session, base + GOFORM_LOGIN_PAGE, timeout_s)
    if resp.status_code == 200 and "weblogin" in resp.text[:20000].lower():
        return _unsupported("goform", f"GET {GOFORM_LOGIN_PAGE}: webLogin form (stack C)")
    return None


def _unsupported(stack: str, seen: str) -> Fingerprint:
    return Fingerprint(
        family="fiberhome", model_key=MODEL_KEY, profile=None,
        details={"web_stack": stack, "supported": "não: pilha web ainda não suportada"},
        evidence=(seen,),
    )
