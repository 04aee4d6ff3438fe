"""Which web-API variant a Zyxel unit speaks, decided from its unauthenticated answers.

The driver and `probe.py` both read the same three answers (the login page's identity,
the public-key answer, whether a pre-login cookie came back) into a `WebFingerprint`, and
`choose_profile` maps it to a `WebProfile` or to None. None means a variant no profile
knows: the driver then stops with `Unsupported` and the fingerprint in the message, and
never tries a password it could not send correctly.

Runtime variants that only a logged-in session can show (a rotating sessionkey, a
firmware without `oid=status`) are handled by `webapi.py` as they appear.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["WEB_PROFILES", "KeyAnswer", "WebFingerprint", "WebProfile", "choose_profile"]


class KeyAnswer(StrEnum):
    """What `GET /getRSAPublickKey` answered."""

    RSA = "rsa-pem"  # a readable RSA public key: RSA-wrapped AES bodies
    NONE = "none"  # the string "None" (or empty): no payload encryption
    ABSENT = "absent-404"  # older firmware without the endpoint: no payload encryption
    UNREADABLE = "unreadable-pem"  # something in the field that is not an RSA key
    NOT_JSON = "not-json"
    OTHER_STATUS = "other-status"


@dataclass(frozen=True)
class WebProfile:
    name: str
    encrypted: bool
    summary: str


WEB_PROFILES: dict[str, WebProfile] = {
    p.name: p
    for p in (
        WebProfile("dal-aes", True, "login e dados cifrados (RSA + AES-256-CBC)"),
        WebProfile("dal-plain", False, "login e dados em JSON sem cifra (chave 'None')"),
    )
}


@dataclass(frozen=True)
class WebFingerprint:
    #: Which unauthenticated path named the model ("/GetInfoNoLogin" or the fallback).
    identity_path: str
    model_name: str
    #: From getBasicInformation when it was read (the probe reads it; the driver may not).
    firmware: str | None
    key: KeyAnswer
    #: HTTP status of the key answer (kept for the fingerprint of unknown variants).
    key_status: int
    #: The identity answer set a cookie before any login (pre-login session firmware).
    prelogin_cookie: bool

    def describe(self) -> str:
        """One line for messages and `cpe probe`; holds no secret and no body."""
        cookie = "sim" if self.prelogin_cookie else "não"
        return (
            f"identidade={self.identity_path}, chave={self.key.value}"
            f" (HTTP {self.key_status}), cookie_pre_login={cookie}"
        )

    def details(self) -> dict[str, object]:
        return {
            "identity_path": self.identity_path,
            "public_key": self.key.value,
            "public_key_status": self.key_status,
            "prelogin_cookie": self.prelogin_cookie,
        }


def choose_profile(fingerprint: WebFingerprint) -> WebProfile | None:
    if fingerprint.key is KeyAnswer.RSA:
        return WEB_PROFILES["dal-aes"]
    if fingerprint.key in (KeyAnswer.NONE, KeyAnswer.ABSENT):
        return WEB_PROFILES["dal-plain"]
    return None
