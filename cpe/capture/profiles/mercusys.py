"""Mercusys classic (`/?code=N&asyn=M`): plain-text protocol, recorded byte for byte.

Secrets: the session token in `&id=` (reversible to the admin password given the nonce),
`paswd` and `cPskSecret` lines in read answers (percent-encoded values).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote, unquote

from cpe.capture.fixture import HttpMessage
from cpe.capture.profiles.base import HttpProfile, TextRule, query_of
from drivers.mercusys import guessed as g
from drivers.mercusys.wire import RequestCode

#: code= values that only read or open/close the session.
_READ_CODES = {int(RequestCode.READ), int(RequestCode.AUTH), int(RequestCode.LOGOUT)}
_SECRET_LINE = re.compile(
    rf"^(?P<name>{'|'.join(sorted(g.SECRET_KEYS))})(?: \d+)? (?P<value>[^\r\n]+)\r?$", re.M
)


class MercusysProfile(HttpProfile):
    family = "mercusys"
    extra_fields: ClassVar[Mapping[str, str]] = {"id": "token"}
    text_rules = (TextRule(_SECRET_LINE, decode=unquote, encode=lambda v: quote(v, safe="")),)
    notes = (
        "exato: texto puro; só os valores secretos foram trocados por marcadores",
        "o token de sessão (&id=) é calculado da senha: na reprodução ele difere e não é "
        "comparado",
    )

    def guard(self, request: HttpMessage, pins: Mapping[str, list[Any]]) -> str | None:
        code = query_of(request).get("code", "")
        if request.target.startswith("POST /?") and code.isdigit() and int(code) in _READ_CODES:
            return None
        return f"code={code or '?'} não é leitura"
