"""First contact with a unit that may be a ZTE ONU, unauthenticated (no password, no login).

1. `GET /?_type=loginData&_tag=login_entry`: ThinkLua answers JSON with `sess_token` and
   `lockingTime` (reading it rotates a token nobody holds yet: no side effect).
2. Otherwise `GET /`: the legacy `.gch` UI shows `Frm_Logintoken` (refused by the driver).

ThinkLua units are reported with the driver profile `thinklua`; whether a unit also wants
the landing after login (`thinklua-activate`) shows only once logged in, and the driver
handles both. The firmware version is not shown before login on these units.
"""

from __future__ import annotations

import re
from typing import Any

import requests

from cpe.errors import DeviceUnreachable, Timeout
from drivers.probe import Fingerprint, page_title
from drivers.zte import guessed as g

_ENTRY = "/?_type=loginData&_tag=login_entry"
_TITLE = re.compile(g.MODEL_TITLE_PATTERN, re.IGNORECASE)
_LOCK_MAX = re.compile(g.LOCK_MAX_TIME_PATTERN)
#: IXC/registry key for every ZTE ONU we manage.
MODEL_KEY = "zte-onu"


def _get(session: Any, base: str, path: str, timeout_s: float) -> requests.Response:
    try:
        return session.get(  # type: ignore[no-any-return]
            base + path, timeout=timeout_s, allow_redirects=False
        )
    except requests.Timeout as exc:
        raise Timeout(f"no answer within {timeout_s:g}s", device=base, operation="probe") from exc
    except requests.RequestException as exc:
        raise DeviceUnreachable(
            f"connection failed ({type(exc).__name__})", device=base, operation="probe"
        ) from exc


def _json(resp: requests.Response) -> dict[str, Any] | None:
    if resp.status_code != 200 or not resp.text.lstrip().startswith("{"):
        return None
    try:
        body = resp.json()
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def _model(page: str) -> str | None:
    title = page_title(page[:4096])
    return title if title and _TITLE.fullmatch(title) else None


def probe(session: Any, host: str, port: int, timeout_s: float) -> Fingerprint | None:
    base = f"http://{host}:{port}"
    entry_resp = _get(session, base, _ENTRY, timeout_s)
    entry = _json(entry_resp)
    evidence = [f"GET login_entry: HTTP {entry_resp.status_code}"]
    if entry is not None and "sess_token" in entry and "lockingTime" in entry:
        evidence[-1] += " JSON with sess_token and lockingTime (ThinkLua)"
        page = _get(session, base, "/", timeout_s)
        text = page.text if page.status_code == 200 else ""
        lock = _LOCK_MAX.search(text)
        evidence.append(f"GET /: HTTP {page.status_code}, {len(text)} bytes")
        details: dict[str, Any] = {"web_ui": "thinklua"}
        if lock:
            details["lock_max_failures"] = int(lock.group(1)[:6])
        try:
            locking = int(entry.get("lockingTime") or 0)
        except (TypeError, ValueError, OverflowError):
            locking = 0
        if locking > 0:
            details["locked_for_s"] = min(locking, 10**9)
        return Fingerprint(
            family="zte", model_key=MODEL_KEY, model_name=_model(text), profile="thinklua",
            details=details, evidence=tuple(evidence),
        )
    page = _get(session, base, "/", timeout_s)
    text = page.text if page.status_code == 200 else ""
    if g.GCH_MARKER in text:
        evidence.append(f"GET /: HTTP 200 with {g.GCH_MARKER} (legacy .gch UI)")
        return Fingerprint(
            family="zte", model_key=MODEL_KEY, model_name=_model(text), profile=None,
            details={"web_ui": "gch", "supported": "não: interface .gch (F660/F670L V1)"},
            evidence=tuple(evidence),
        )
    return None
