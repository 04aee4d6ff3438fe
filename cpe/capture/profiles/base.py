"""What a family tells the capture: its read-only allowlist, where its secrets hide, how
its bodies are encrypted, and which query values change on every run.

The generic parts (URLs, headers, JSON, form bodies, text) live here; a family module
adds its text rules and, when its bodies are encrypted, a codec that decrypts, scrubs and
re-encrypts them.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from cpe.capture.fixture import CliExchange, HttpExchange, HttpMessage
from cpe.capture.pins import KeyPin
from cpe.capture.scrub import Leaf, Scrubber, field_kind

__all__ = ["CliProfile", "HttpProfile", "TextRule", "form_of", "query_of", "split_target"]


@dataclass(frozen=True)
class TextRule:
    """A secret inside free text: `value` group; `name` group (a field name) or `kind`.
    `decode` turns the matched text into the secret, `encode` a placeholder back."""

    pattern: re.Pattern[str]
    kind: str | None = None
    decode: Callable[[str], str] = str
    encode: Callable[[str], str] = str
    field_of: Callable[[str], str] = str


def split_target(msg: HttpMessage) -> tuple[str, str, str]:
    """(method, path, query) of a recorded request."""
    method, _, url = msg.target.partition(" ")
    path, _, query = url.partition("?")
    return method, path, query


def query_of(msg: HttpMessage) -> dict[str, str]:
    return dict(parse_qsl(split_target(msg)[2], keep_blank_values=True))


def form_of(msg: HttpMessage) -> dict[str, str]:
    """The fields of a form-encoded body (empty for anything else)."""
    return dict(parse_qsl(msg.body, keep_blank_values=True)) if "=" in msg.body else {}


class HttpProfile:
    family: ClassVar[str] = ""
    pins: ClassVar[tuple[KeyPin, ...]] = ()
    #: Query parameters that change on every run (cache-busters, timestamps).
    volatile_params: ClassVar[frozenset[str]] = frozenset()
    #: Family-specific secret field names (on top of scrub.SECRET_FIELDS).
    extra_fields: ClassVar[Mapping[str, str]] = {}
    text_rules: ClassVar[tuple[TextRule, ...]] = ()
    #: What this family's replay reproduces exactly and what it approximates.
    notes: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget per-recording state (codec keys, tokens) before a scrub pass."""

    # -- read-only ---------------------------------------------------------------------

    def guard(self, request: HttpMessage, pins: Mapping[str, list[Any]]) -> str | None:
        """None when the request only reads; otherwise why it is refused."""
        raise NotImplementedError

    # -- scrubbing ---------------------------------------------------------------------

    def scrub(
        self, exchanges: list[HttpExchange], s: Scrubber, pins: Mapping[str, list[Any]]
    ) -> list[HttpExchange]:
        self.reset()
        out = []
        for original in exchanges:
            ex = copy.deepcopy(original)
            self.scrub_exchange(ex, s, pins)
            out.append(ex)
        return out

    def scrub_exchange(
        self, ex: HttpExchange, s: Scrubber, pins: Mapping[str, list[Any]]
    ) -> None:
        self.scrub_request(ex.request, s)
        self.scrub_response(ex, s)

    def scrub_request(self, msg: HttpMessage, s: Scrubber, leaf: Leaf | None = None) -> None:
        method, path, query = split_target(msg)
        url = s.text(path) + (f"?{s.pairs(query, leaf, self.extra_fields)}" if query else "")
        msg.target = f"{method} {url}"
        self.scrub_headers(msg, s)
        self.scrub_body(msg, s, leaf)

    def scrub_response(self, ex: HttpExchange, s: Scrubber, leaf: Leaf | None = None) -> None:
        self.scrub_headers(ex.response, s)
        self.scrub_body(ex.response, s, leaf)

    def scrub_headers(self, msg: HttpMessage, s: Scrubber) -> None:
        msg.headers = [(k, s.header(k, v, self.extra_fields)) for k, v in msg.headers]

    def scrub_body(self, msg: HttpMessage, s: Scrubber, leaf: Leaf | None = None) -> None:
        if msg.encoding != "utf-8" or not msg.body:
            return
        msg.body = self.scrub_text(msg.body, s, leaf, form=_is_form(msg))

    def scrub_text(self, text: str, s: Scrubber, leaf: Leaf | None = None, *, form: bool) -> str:
        as_json = s.json_text(text, leaf, self.extra_fields)
        if as_json is not None:
            return as_json
        if form:
            return s.pairs(text, leaf, self.extra_fields)
        return s.text(self.apply_rules(text, s))

    def apply_rules(self, text: str, s: Scrubber) -> str:
        for rule in self.text_rules:
            text = rule.pattern.sub(_replacer(rule, s, self.extra_fields), text)
        return text

    # -- for tests and the leak check: every body as the device meant it ---------------

    def plaintexts(self, exchanges: list[HttpExchange], pins: Mapping[str, list[Any]]) -> list[str]:
        """Bodies with their encryption removed (families with codecs override)."""
        return [m.body for ex in exchanges for m in (ex.request, ex.response)]


def _replacer(
    rule: TextRule, s: Scrubber, extra: Mapping[str, str]
) -> Callable[[re.Match[str]], str]:
    return lambda m: _replace(m, rule, s, extra)


def _replace(m: re.Match[str], rule: TextRule, s: Scrubber, extra: Mapping[str, str]) -> str:
    value = rule.decode(m.group("value"))
    if not value:
        return m.group(0)
    kind = rule.kind
    if kind is None and "name" in m.re.groupindex:
        kind = field_kind(rule.field_of(m.group("name")), extra)
    if kind is None:
        return m.group(0)
    placeholder = rule.encode(s.register(value, kind))
    start, end = m.span("value")
    whole = m.group(0)
    base = m.start(0)
    return whole[: start - base] + placeholder + whole[end - base :]


def _is_form(msg: HttpMessage) -> bool:
    ctype = (msg.header("Content-Type") or "").lower()
    return "x-www-form-urlencoded" in ctype


class CliProfile:
    family: ClassVar[str] = ""
    notes: ClassVar[tuple[str, ...]] = ()
    line_rule: ClassVar[TextRule | None] = None

    def guard(self, command: str) -> str | None:
        raise NotImplementedError

    def connect(self, params: Any, password: Any) -> Any:
        """The family's real channel factory (what the driver uses by default)."""
        raise NotImplementedError

    def scrub(self, exchanges: list[CliExchange], s: Scrubber) -> list[CliExchange]:
        out = []
        for ex in exchanges:
            lines = []
            for line in ex.output:
                if self.line_rule is not None:
                    line = self.line_rule.pattern.sub(_replacer(self.line_rule, s, {}), line)
                lines.append(s.text(line))
            out.append(CliExchange(s.text(ex.command), lines, list(ex.notes)))
        return out
