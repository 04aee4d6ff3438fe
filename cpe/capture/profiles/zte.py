"""ZTE ThinkLua (`/?_type=...&_tag=...`): XML/JSON/HTML answers, fields listed in
`<encode>` AES-encrypted under a key derived from the page's rolling session token.

The client draws nothing at random for reads, so the replay is exact except for values
we change: the tokens become placeholders, and every `<encode>` field is decrypted with
the real token, scrubbed, and encrypted again under the placeholder token the replayed
driver will hold at that point (the driver decrypts them exactly as on the device).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from cpe.capture.fixture import HttpExchange, HttpMessage
from cpe.capture.profiles.base import (
    HttpProfile,
    TextRule,
    form_of,
    query_of,
    split_target,
)
from cpe.capture.scrub import Scrubber, field_kind
from drivers.zte.crypto import (
    CryptoError,
    decode_read_value,
    encode_read_value,
    js_hex_escape,
    js_hex_unescape,
)

_TMP_TOKEN = re.compile(r"_sessionTmpToken\s*=\s*[\"'](?P<value>[^\"']*)[\"']")
_INPUT = re.compile(r"<input[^>]*\bname=\"(?P<name>[^\"]+)\"[^>]*\bvalue=\"(?P<value>[^\"]*)\"")
_PARA = re.compile(
    r"<ParaName>(?P<name>[^<]*)</ParaName>(?:<ParaValue>(?P<value>[^<]*)</ParaValue>)?", re.I
)
_ENCODE = re.compile(r"<encode>(?P<names>[^<]*)</encode>", re.I)
_LOGIN_ACTIONS = frozenset({"login", "preempt_cancel"})


def _esc(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(" ", "&#32;")
    )


def _token_in(ex: HttpExchange) -> str | None:
    """The rolling token an answer hands the driver (login JSON or menuView page)."""
    body = ex.response.body
    match = _TMP_TOKEN.search(body)
    if match:
        return js_hex_unescape(match.group("value"))
    if body.lstrip().startswith("{"):
        try:
            token = json.loads(body).get("sess_token")
        except (ValueError, AttributeError):
            return None
        return token if isinstance(token, str) and token else None
    return None


class ZteProfile(HttpProfile):
    family = "zte"
    volatile_params = frozenset({"_"})
    extra_fields: ClassVar[Mapping[str, str]] = {"preempt_sessid": "token"}
    text_rules = (
        TextRule(_TMP_TOKEN, kind="token", decode=js_hex_unescape, encode=js_hex_escape),
        TextRule(_INPUT, decode=html.unescape),
    )
    notes = (
        "exato: nenhum valor aleatório do cliente nas leituras; o parâmetro `_` (carimbo "
        "de tempo) não é comparado",
        "os campos <encode> foram decifrados com o token real, limpos e cifrados de novo "
        "com o token-marcador que o driver terá na reprodução",
    )

    def reset(self) -> None:
        self.token: str | None = None

    def guard(self, request: HttpMessage, pins: Mapping[str, list[Any]]) -> str | None:
        method, _, _ = split_target(request)
        if method == "GET":
            return None
        query = query_of(request)
        form = form_of(request)
        if query.get("_type") == "loginData":
            tag = query.get("_tag")
            if tag == "logout_entry" or (
                tag == "login_entry" and form.get("action") in _LOGIN_ACTIONS
            ):
                return None
        return f"{method} {query.get('_tag', '?')} não é leitura"

    def scrub_exchange(
        self, ex: HttpExchange, s: Scrubber, pins: Mapping[str, list[Any]]
    ) -> None:
        token = self.token
        # The next page's <encode> fields are keyed on the real token this answer carries.
        next_token = _token_in(ex) or token
        self.scrub_request(ex.request, s)
        self.scrub_headers(ex.response, s)
        if _ENCODE.search(ex.response.body) and token:
            ex.response.body = s.text(self._xml(ex.response.body, s, token))
        else:
            self.scrub_body(ex.response, s)
        self.token = next_token

    def _xml(self, body: str, s: Scrubber, token: str) -> str:
        encoded = _encoded_names(body)
        new_token = s.register(token, "token")

        def fix(m: re.Match[str]) -> str:
            name, raw = m.group("name"), m.group("value")
            if not raw:
                return m.group(0)
            if name in encoded:
                try:
                    plain = decode_read_value(raw, token)
                except CryptoError:
                    return m.group(0)
                value = encode_read_value(s.field(name, plain), new_token)
            elif field_kind(name, self.extra_fields):
                value = s.register(html.unescape(raw), str(field_kind(name)))
            else:
                value = _esc(s.text(html.unescape(raw)))
            return f"<ParaName>{name}</ParaName><ParaValue>{value}</ParaValue>"

        return _PARA.sub(fix, body)

    def plaintexts(
        self, exchanges: list[HttpExchange], pins: Mapping[str, list[Any]]
    ) -> list[str]:
        out = []
        for ex, token in _with_tokens(exchanges):
            out += [ex.request.body, ex.response.body]
            if token:
                names = _encoded_names(ex.response.body)
                for m in _PARA.finditer(ex.response.body):
                    if m.group("name") in names and m.group("value"):
                        try:
                            out.append(decode_read_value(m.group("value"), token))
                        except CryptoError:
                            out.append("<não decifra>")
        return out


def _encoded_names(body: str) -> set[str]:
    match = _ENCODE.search(body)
    return {n.strip() for n in match.group("names").split(",")} if match else set()


def _with_tokens(exchanges: list[HttpExchange]) -> Iterator[tuple[HttpExchange, str | None]]:
    token: str | None = None
    for ex in exchanges:
        yield ex, token
        token = _token_in(ex) or token
