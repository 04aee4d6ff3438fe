"""Login crypto of the classic `/?code=` web UI (protocol note §1, "Login handshake").

`securityEncode` is not encryption: it XORs two strings character by character and maps
each result through a dictionary. The browser first scrambles the password with a fixed
key and the fixed dictionary ("orgAuthPwd"), then mixes that with the device's nonce using
the dictionary the device sent in its 401 challenge. The result is the session token, so
the token is as sensitive as the password itself: it only ever lives in a SecretStr or in
the request URL, never in a log line or an error message.
"""

from __future__ import annotations

from itertools import zip_longest
from urllib.parse import quote

__all__ = [
    "DICTIONARY",
    "ORG_AUTH_KEY",
    "PAD_CODE",
    "encode_uri_component",
    "login_token",
    "org_auth_pwd",
    "security_encode",
]

#: The fixed 255-character table of the web UI's JavaScript (identical in the public
#: TP-Link C80/XDR clients and in mercusys-cli, protocol note §1 step 2).
DICTIONARY = (
    "yLwVl0zKqws7LgKPRQ84Mdt708T1qQ3Ha7xv3H7NyU84p21BriUWBU43odz3iP4rBL3cD02KZciXTysVXiV8"
    "ngg6vL48rPJyAUw0HurW20xqxv9aYb4M9wK1Ae0wlro510qXeU07kV57fQMc8L6aLgMLwygtc0F10a0Dg70T"
    "OoouyFhdysuRMO51yY5ZlOZZLEal1h0t9YQW0Ko7oBwmCAHoic4HYbUyVeU3sfQ1xtXcPcf1aT303wAQhv66qzW"
)

#: Key of the first pass ("orgAuthPwd").
#: A public protocol constant, not a credential.
ORG_AUTH_KEY = "RDpbLfCPsJZ7fiv"

#: Character code that stands in for the missing side when the strings differ in length.
PAD_CODE = 187
_PAD = chr(PAD_CODE)

# encodeURIComponent leaves these unescaped besides letters and digits; urllib's quote
# always keeps "_.-~", so only the rest needs naming.
_URI_COMPONENT_SAFE = "!'()*"


def security_encode(a: str, b: str, dictionary: str) -> str:
    """The web UI's securityEncode(a, b, dictionary); symmetric in `a` and `b`."""
    if not dictionary:
        raise ValueError("securityEncode needs a non-empty dictionary")
    size = len(dictionary)
    # One comprehension over the pair of strings, the shorter padded with PAD_CODE: about
    # a quarter faster than indexing both strings with bounds checks per character.
    return "".join(
        [dictionary[(ord(x) ^ ord(y)) % size] for x, y in zip_longest(a, b, fillvalue=_PAD)]
    )


def org_auth_pwd(password: str) -> str:
    """First pass: the password scrambled with the fixed key and dictionary."""
    return security_encode(password, ORG_AUTH_KEY, DICTIONARY)


def login_token(password: str, nonce: str, dictionary: str) -> str:
    """The session token: securityEncode(nonce, orgAuthPwd(password), challenge dictionary)."""
    return security_encode(nonce, org_auth_pwd(password), dictionary)


def encode_uri_component(value: str) -> str:
    """JavaScript's encodeURIComponent (UTF-8, keeps A-Z a-z 0-9 and -_.!~*'())."""
    return quote(value, safe=_URI_COMPONENT_SAFE)
