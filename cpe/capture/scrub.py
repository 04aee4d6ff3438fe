"""Replace secrets with stable placeholders, wherever and however they appear.

Two rules, applied to every URL, header and body of a capture:

* by field: a value under a secret-looking name (`Password`, `KeyPassphrase`, `sessionid`,
  `Cookie`...) is replaced whatever it is, and remembered;
* by value: every remembered value (plus the ones known up front: the vault's passwords,
  the subscriber's PPPoE password and Wi-Fi keys) is replaced wherever it shows up, also
  percent-encoded, JSON- or HTML-escaped, `\\xNN`-escaped or base64-encoded.

Placeholders are ASCII letters and digits only (`scrubbedPassword1`), so they survive every
encoding unchanged and a driver replaying the capture reads them as ordinary values.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus

__all__ = ["Leaf", "Scrubber", "field_kind", "variants"]

#: Field names (compared case-insensitively) whose values are always secret, by kind.
SECRET_FIELDS: dict[str, str] = {
    **dict.fromkeys(
        ("password", "passwd", "paswd", "pppPassword", "loginpd", "WPd", "wandwp",
         "Input_Passwd", "adminPassword", "pwd"),
        "password",
    ),
    **dict.fromkeys(
        ("cPskSecret", "primaryPSKKey", "KeyPassphrase", "PreSharedKey", "wifi_password_encode",
         "wifiPassword", "psk_value", "pskSecret", "psk", "wpaKey", "WPAPSK"),
        "wifi_key",
    ),
    **dict.fromkeys(
        ("sessionid", "sessionkey", "sess_token", "_sessionTOKEN", "_sessionTmpToken", "token",
         "TokenID", "CSRFToken", "X-CSRF-Token", "stok", "Authorization", "sign", "key"),
        "token",
    ),
}
_LOWER = {k.lower(): v for k, v in SECRET_FIELDS.items()}
#: Headers whose value is a cookie list (`a=1; b=2`) or a Set-Cookie line.
COOKIE_HEADERS = frozenset({"cookie", "set-cookie"})
#: Values shorter than this are only replaced by field, never by value: "1" or "admin"
#: would otherwise scrub unrelated text.
MIN_VALUE_LEN = 4

#: A hook for values that need decoding first (an encrypted field): (field, value) → value.
Leaf = Callable[[str, str], str]


def field_kind(name: str, extra: Mapping[str, str] | None = None) -> str | None:
    low = name.lower()
    if extra:
        for k, v in extra.items():
            if k.lower() == low:
                return v
    return _LOWER.get(low)


def _js_hex(text: str) -> str:
    return "".join(f"\\x{b:02x}" for b in text.encode("utf-8"))


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def variants(value: str, placeholder: str) -> list[tuple[str, str]]:
    """(encoded value, same encoding of the placeholder) for every encoding we look for."""
    pairs = [
        (value, placeholder),
        (quote(value, safe=""), placeholder),
        (quote(value, safe="-_.!~*'()"), placeholder),  # encodeURIComponent
        (quote_plus(value), placeholder),
        (json.dumps(value)[1:-1], placeholder),
        (json.dumps(value, ensure_ascii=False)[1:-1], placeholder),
        (html.escape(value), placeholder),
        (html.escape(value).replace(" ", "&#32;"), placeholder),
        (_js_hex(value), _js_hex(placeholder)),
        (_js_hex(value).upper().replace("\\X", "\\x"), _js_hex(placeholder)),
        (_b64(value), _b64(placeholder)),
    ]
    seen: dict[str, str] = {}
    for enc, rep in pairs:
        if len(enc) >= MIN_VALUE_LEN and enc not in seen:
            seen[enc] = rep
    return list(seen.items())


class Scrubber:
    """Remembers secret values and the placeholder each one got."""

    def __init__(self) -> None:
        self._placeholders: dict[str, str] = {}
        self.kinds: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self._pattern: re.Pattern[str] | None = None
        self._replacements: dict[str, str] = {}

    def register(self, value: str, kind: str) -> str:
        """The placeholder for `value` (allocated on first sight)."""
        if not value or value in self.kinds:  # empty, or already a placeholder
            return value
        found = self._placeholders.get(value)
        if found is not None:
            return found
        self._counts[kind] = self._counts.get(kind, 0) + 1
        label = "".join(part.capitalize() for part in kind.split("_"))
        placeholder = f"scrubbed{label}{self._counts[kind]}"
        self._placeholders[value] = placeholder
        self.kinds[placeholder] = kind
        self._pattern = None
        return placeholder

    def register_all(self, values: Iterable[tuple[str, str]]) -> None:
        for value, kind in values:
            self.register(value, kind)

    @property
    def values(self) -> list[str]:
        return list(self._placeholders)

    def text(self, text: str) -> str:
        """Replace every remembered value, in every encoding, in one pass."""
        if not self._placeholders or not text:
            return text
        if self._pattern is None:
            self._replacements = {}
            for value, placeholder in self._placeholders.items():
                for enc, rep in variants(value, placeholder):
                    self._replacements.setdefault(enc, rep)
            if not self._replacements:
                return text
            # Placeholders map to themselves so a short secret inside one is left alone.
            for placeholder in self.kinds:
                self._replacements[placeholder] = placeholder
            ordered = sorted(self._replacements, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
        return self._pattern.sub(lambda m: self._replacements[m.group(0)], text)

    # -- structured values -------------------------------------------------------------

    def field(self, name: str, value: str, extra: Mapping[str, str] | None = None) -> str:
        kind = field_kind(name, extra)
        if kind is not None and value:
            return self.register(value, kind)
        return self.text(value)

    def json_text(
        self, text: str, leaf: Leaf | None = None, extra: Mapping[str, str] | None = None
    ) -> str | None:
        """Scrub a JSON document (None when `text` is not JSON). Re-serialized only when a
        field-level change was made."""
        try:
            doc = json.loads(text)
        except ValueError:
            return None
        if not isinstance(doc, (dict, list)):
            return None
        fix = leaf or (lambda k, v: self.field(k, v, extra))
        changed = [False]

        def walk(node: Any, key: str) -> Any:
            if isinstance(node, dict):
                return {k: walk(v, str(k)) for k, v in node.items()}
            if isinstance(node, list):
                return [walk(v, key) for v in node]
            if isinstance(node, bool) or not isinstance(node, (str, int, float)):
                return node
            shown = node if isinstance(node, str) else str(node)
            # A number under a secret name (or equal to a secret) becomes a string
            # placeholder: drivers read these fields as text.
            new = fix(key, shown)
            if new == shown:
                return node
            changed[0] = True
            return new

        out = walk(doc, "")
        if not changed[0]:
            return text
        return json.dumps(out, ensure_ascii=False, separators=(",", ":"))

    def pairs(
        self, text: str, leaf: Leaf | None = None, extra: Mapping[str, str] | None = None
    ) -> str:
        """Scrub `a=1&b=2` (a query string or a form body) keeping the original encoding of
        every value that does not change."""
        fix = leaf or (lambda k, v: self.field(k, v, extra))
        out = []
        for part in text.split("&"):
            name, sep, raw = part.partition("=")
            if not sep:
                out.append(self.text(part))
                continue
            value = unquote_plus(raw)
            new = fix(unquote_plus(name), value)
            out.append(f"{name}={quote_plus(new) if new != value else self.text(raw)}")
        return "&".join(out)

    def header(self, name: str, value: str, extra: Mapping[str, str] | None = None) -> str:
        low = name.lower()
        if low in COOKIE_HEADERS:
            return self._cookies(value, set_cookie=low == "set-cookie")
        return self.field(name, value, extra)

    def _cookies(self, value: str, *, set_cookie: bool) -> str:
        parts = value.split(";")
        # Set-Cookie: only the first pair is the cookie; the rest are attributes.
        count = 1 if set_cookie else len(parts)
        for i in range(count):
            name, sep, val = parts[i].partition("=")
            if sep and val.strip():
                parts[i] = f"{name}={self.register(val.strip(), 'cookie')}"
        return ";".join(parts)

    def kinds_summary(self) -> dict[str, str]:
        return dict(sorted(self.kinds.items()))
