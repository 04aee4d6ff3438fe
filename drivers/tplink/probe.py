"""First contact with a unit that may be a TP-Link EX ONU: unauthenticated reads only.

1. POST /cgi/getGDPRParm (what the login page does before any password is typed): an RSA
   key and a sequence number mean the EX/MR key exchange; an ECC key is a known variant no
   profile speaks; anything else is not ours (None, after this one request).
2. GET / (the login page): the model name it shows.
3. GET /js/tpEncrypt.js: whether the firmware signs with RSA-OAEP (then AES-GCM).

No login act is ever sent, so the AES mode of a raw-RSA unit (CBC or GCM) stays open: the
driver settles it at its first login, in a way that spends no password attempt.
"""

from __future__ import annotations

from typing import Any

import requests

from cpe.errors import DeviceUnreachable, Timeout
from drivers.http import make_session
from drivers.probe import Fingerprint, page_title
from drivers.tplink import guessed as g
from drivers.tplink import protocol as p
from drivers.tplink.link import PROFILES, KeyAnswer, parse_key_answer

__all__ = ["probe"]

FAMILY = "tplink"
#: Model name on the login page → registry key.
_MODELS = (("XC220-G3", "tplink-onu"), ("XZ000-G3", "tplink-xz000-g3"))
#: Longer titles are not a model name.
_MAX_TITLE = 80


def _get(
    session: Any, method: str, url: str, referer: str, timeout_s: float
) -> requests.Response | None:
    """The answer; None when something answered that is not HTTP we read (not ours);
    DeviceUnreachable/Timeout when nothing answered at all."""
    where = referer.removeprefix("http://").rstrip("/")
    try:
        return session.request(  # type: ignore[no-any-return]
            method, url, timeout=(timeout_s, timeout_s), allow_redirects=False,
            headers={"Referer": referer, "Accept-Encoding": g.ACCEPT_ENCODING},
        )
    except requests.ConnectTimeout as exc:
        raise Timeout(
            f"no connection within {timeout_s:.0f}s", device=where, operation="probe"
        ) from exc
    except requests.ConnectionError as exc:
        if "NewConnectionError" in repr(exc) or "Connection refused" in repr(exc):
            raise DeviceUnreachable(
                "connection refused", device=where, operation="probe"
            ) from None
        return None  # it answered, but not HTTP we can read: not ours
    except requests.RequestException:
        return None


def _model(page: str) -> tuple[str | None, str | None]:
    title = page_title(page)
    shown = title if title and len(title) <= _MAX_TITLE else None
    for name, key in _MODELS:
        if name.lower() in page.lower():
            return shown or name, key
    return shown, None


def probe(session: Any, host: str, port: int, timeout_s: float) -> Fingerprint | None:
    """A fingerprint when the unit answers the EX key exchange, None otherwise."""
    http = session if session is not None else make_session()
    base = f"http://{host}:{port}"
    referer = base + "/"
    evidence: list[str] = []
    resp = _get(http, "POST", base + p.PARM_PATH, referer, timeout_s)
    if resp is None or resp.status_code != 200:
        return None
    answer = parse_key_answer(resp.text)
    if isinstance(answer, str) and not answer.startswith("ECC"):
        return None
    details: dict[str, Any] = {}
    if isinstance(answer, KeyAnswer):
        details["key_exchange"] = f"rsa-{answer.bits}"
        evidence.append(f"POST {p.PARM_PATH}: RSA key, {answer.bits} bits, seq")
    else:
        details["key_exchange"] = "ecc-p224"
        evidence.append(f"POST {p.PARM_PATH}: {answer}")

    page = _get(http, "GET", referer, referer, timeout_s)
    text = page.text if page is not None and page.status_code == 200 else ""
    model_name, model_key = _model(text)
    evidence.append(f"GET /: {'model ' + model_name if model_name else 'no model name'}")

    script = _get(http, "GET", base + g.TPENCRYPT_JS_PATH, referer, timeout_s)
    js = script.text if script is not None and script.status_code == 200 else ""
    rsa = "oaep" if g.OAEP_JS_MARKER in js else ("raw" if g.RAW_JS_MARKER in js else "unknown")
    details["rsa_sign"] = rsa
    evidence.append(f"GET {g.TPENCRYPT_JS_PATH}: " + (
        {"oaep": "rsaEncrypt = $.rsa.encryptOAEP", "raw": "rsaEncrypt = $.rsa.encrypt"}.get(
            rsa, "no RSA call found")
    ))
    return Fingerprint(
        family=FAMILY,
        model_key=model_key,
        model_name=model_name,
        profile=_profile(details, model_key),
        details=details,
        evidence=tuple(evidence),
    )


def _profile(details: dict[str, Any], model_key: str | None) -> str | None:
    """The profile the driver would log in with first; None for a variant it lacks."""
    if details["key_exchange"] == "ecc-p224":
        details["cipher"] = "unsupported (ECC key exchange)"
        return None
    pinned = g.PROFILE_BY_MODEL.get(model_key or "")
    if pinned in PROFILES:
        details["cipher"] = f"{pinned} (pinned for this model)"
        return pinned
    if details["rsa_sign"] == "oaep":
        details["cipher"] = g.PROFILE_GCM_OAEP.name
        return g.PROFILE_GCM_OAEP.name
    candidates = [prof.name for prof in g.PROFILE_TRIAL_ORDER if prof.rsa != "oaep"]
    if details["rsa_sign"] == "unknown":
        candidates = [prof.name for prof in g.PROFILE_TRIAL_ORDER]
    details["cipher"] = " or ".join(candidates) + " (settled at the first login, no attempt spent)"
    return candidates[0]
