"""Hypothesis strategies for hostile answers: garbage, truncations, mutations of a valid
answer, wrong JSON types, huge numbers, NaN/inf, deep nesting, XML bombs, wrong encodings,
oversized bodies. Shared by every family's fuzz tests.

Big bodies are built by repeating a drawn chunk, never by drawing megabytes of text, so
generation stays cheap.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.support import OVERSIZE, Answer

#: Fragments that trip parsers: unclosed markup, JSON/JS/ZySH/Mercusys syntax, control
#: characters, markers the drivers search for.
# fmt: off
CHUNKS: tuple[str, ...] = (
    "<", "<a", "</", "<a b='", '<a b="', "<!--", "<![CDATA[", "<!DOCTYPE", "<?", "<?xml ",
    "<script>", "&", "&#", "&#x", "&amp", "&lol;", ">", "]]>", "-->", "/>",
    "{", "[", "}", "]", '{"a":', '"', "\\", "\\u", "\\ud800", ":", ",", "null", "1e999",
    "var a=", 'var token="', "$.ret=", "$.ret=0;", ";", "=", "'",
    "id 1|", "id ", "00000", "00007", "\r\n", "\n", "\r", "\x00", "\ufeff", "\u2028", "\t",
    "ZCFG_", "ZCFG_SUCCESS", " : ", "A[99].", "[1]", "0", "9", "-", ".", "e", "%", "%ff",
    "_point_", "-----BEGIN PUBLIC KEY-----", "asyEncode", "_sessionTmpToken='",
    "timeOutHint.format(", "Ocorreu um erro ao processar", "<ajax_response_xml_root>",
    "<IF_ERRORSTR>", "<Instance>", "<ParaName>", "<ParaValue>", "sessionid", "login_result",
    "registros", "total", "ERROR:", "OK", "attempt(s) left", "account is locked",
    "é", "日本", "\U0001f600",
)

#: Field values that break coercions and models.
VALUES: tuple[str, ...] = (
    "", " ", "0", "1", "-1", "00", "0.0.0.0", "255.255.255.255", "1.2.3.4",  # noqa: S104
    "1.2.3.4,5.6.7.8", "1_point_2_point_3_point_4", "::1", "1.2.3", "999.1.1.1",
    "1" * 5000, "9" * 400, "-" + "9" * 400, "1e999", "-1e999", "nan", "NaN", "inf", "-inf",
    "Infinity", "²", "١٢٣", "½", "--5", "+5", "0x10", "1_000", " 12 ", "1.5", "-0",
    "\x00", "\ud800", "\udc80\ud800", "é", "\u202e", "a" * 70_000, "<b>", "&amp;", "&#0;",
    "%", "%ff", "%C3%28", "Connected", "Disconnected", "Connecting", "PPPoE", "pppoe",
    "IPoE", "DHCP", "Static", "PPPoE_Bridged", "INTERNET", "TR069,INTERNET", "SUCC",
    "SessionTimeout", "ZCFG_SUCCESS", "True", "true", "false", "null", "None", "2.4GHz",
    "5GHz", "DEV.WIFI.AP1", "DEV.WIFI.AP", "DEV.WIFI.AP-3", "DEV.WIFI.AP" + "9" * 5000,
    "-20.5 dBm", "0.01 mW", "-5 uW", "0 mW", "O5", "Up", "Down", "login_need_refresh",
)

#: Raw JSON number tokens json.dumps cannot produce.
RAW_NUMBERS: tuple[str, ...] = (
    "1e999", "-1e999", "NaN", "Infinity", "-Infinity", "1" + "0" * 5000, "-0", "1.5e308",
    "123456789012345678901234567890", "0.0000000000000000000000001", "4e-400", "1E+2",
)
# fmt: on

_RAW = "\x00RAW{}\x00"

HTML_PAGES: tuple[str, ...] = (
    "<html><body><h1>502 Bad Gateway</h1></body></html>",
    "<!DOCTYPE html><html><head><title>Login</title></head><body><form></form></body></html>",
    "<html><body>Ocorreu um erro ao processar a requisição.</body></html>",
    "<html><script>var IF_ERRORSTR = 'SessionTimeout';</script></html>",
    "<?xml version='1.0'?><error>busy</error>",
    "Internal Server Error",
    "404 page not found\n",
)

_LOL = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
XML_ATTACKS: tuple[str, ...] = (
    # Billion laughs (each parser must refuse or leave the references alone).
    f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY lol0 "lol">{_LOL}]>'
    "<ajax_response_xml_root><IF_ERRORSTR>&lol9;</IF_ERRORSTR></ajax_response_xml_root>",
    # External entities: a file and a loopback URL (nothing may be fetched).
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<ajax_response_xml_root><IF_ERRORSTR>&xxe;</IF_ERRORSTR></ajax_response_xml_root>",
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>'
    "<ajax_response_xml_root><IF_ERRORSTR>SUCC</IF_ERRORSTR></ajax_response_xml_root>",
    # Quadratic blowup: one big entity referenced many times.
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "' + "x" * 5000 + '">]>'
    "<ajax_response_xml_root><IF_ERRORSTR>"
    + "&a;" * 2000
    + "</IF_ERRORSTR></ajax_response_xml_root>",
)

CONTENT_TYPES: tuple[str | None, ...] = (
    None,
    "text/html",
    "application/json",
    "text/xml; charset=utf-8",
    "text/plain",
    "text/plain; charset=iso-8859-1",
    "application/json; charset=utf-16",
    "text/html; charset=bogus-charset",
    "application/octet-stream",
)
STATUSES: tuple[int, ...] = (200, 204, 301, 400, 401, 403, 404, 406, 500, 502, 503)


# --- JSON values ---------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(VALUES)
    | st.text(max_size=30)
    | st.sampled_from(RAW_NUMBERS).map(lambda n: _RAW.format(n))
)
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(max_size=12) | st.sampled_from(VALUES[:40]), inner, max_size=5)
    ),
    max_leaves=20,
)


def dump_json(value: Any) -> str:
    """json.dumps, with the raw-number placeholders turned into real tokens."""
    text = json.dumps(value, allow_nan=True)
    for number in RAW_NUMBERS:
        text = text.replace(json.dumps(_RAW.format(number)), number)
    return text


@st.composite
def mutated_json(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """A valid JSON value with some parts replaced, dropped, duplicated or retyped."""
    action = draw(st.sampled_from(("keep", "keep", "recurse", "recurse", "replace", "retype")))
    if action == "replace" or depth > 6:
        return draw(json_values) if action == "replace" else value
    if action == "retype":
        return draw(
            st.sampled_from(
                (
                    [value],
                    {"x": value},
                    str(value) if not isinstance(value, str) else 7,
                    None,
                    True,
                    float("nan"),
                )
            )
        )
    if action == "keep" or not isinstance(value, dict | list):
        return value
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            fate = draw(st.sampled_from(("same", "same", "same", "mutate", "drop")))
            if fate == "drop":
                continue
            out[key] = draw(mutated_json(item, depth + 1)) if fate == "mutate" else item
        if draw(st.booleans()):
            out[draw(st.text(max_size=10))] = draw(json_values)
        return out
    items = [draw(mutated_json(item, depth + 1)) for item in value]
    duplicate = draw(st.booleans())
    if items and duplicate:
        items.append(items[0])
    return items


def deep_json() -> st.SearchStrategy[str]:
    """Nesting deeper than Python's recursion limit, balanced or not."""
    return st.builds(
        lambda n, kind, closed: (
            ("[" * n + ("]" * n if closed else ""))
            if kind == "list"
            else ('{"a":' * n + "1" + ("}" * n if closed else ""))
        ),
        st.sampled_from((900, 1000, 3000, 100_000)),
        st.sampled_from(("list", "dict")),
        st.booleans(),
    )


# --- text and bytes ----------------------------------------------------------------------


def oversized() -> st.SearchStrategy[str]:
    return st.builds(
        lambda chunk, size: chunk * max(1, size // len(chunk)),
        st.sampled_from(CHUNKS) | st.text(min_size=1, max_size=8),
        st.integers(min_value=20_000, max_value=OVERSIZE),
    )


@st.composite
def repeated_slice(draw: st.DrawFn, valid: str) -> str:
    """A piece of the valid answer repeated to a large size: the markers a reader searches
    for, many times over, without what closes them."""
    if not valid:
        return valid
    start = draw(st.integers(0, len(valid) - 1))
    piece = valid[start : start + draw(st.integers(1, 60))]
    size = draw(st.integers(min_value=20_000, max_value=OVERSIZE))
    return valid[:start] + piece * max(1, size // len(piece))


def chunk_soup() -> st.SearchStrategy[str]:
    return st.lists(
        st.sampled_from(CHUNKS) | st.sampled_from(VALUES[:60]) | st.text(max_size=10),
        max_size=40,
    ).map("".join)


@st.composite
def truncated_or_mutated(draw: st.DrawFn, valid: str) -> str:
    """A valid answer cut short, or with a few characters changed, dropped or inserted."""
    if not valid:
        return valid
    if draw(st.booleans()):
        return valid[: draw(st.integers(0, len(valid) - 1))]
    text = valid
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(("insert", "delete", "replace")))
        piece = draw(st.sampled_from(CHUNKS) | st.text(max_size=3))
        if edit == "insert":
            text = text[:pos] + piece + text[pos:]
        elif edit == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 20)) :]
        else:
            text = text[:pos] + piece + text[pos + len(piece) :]
    return text


def invalid_utf8(valid: str) -> st.SearchStrategy[bytes]:
    """The valid answer with bytes that are not UTF-8 spliced in, or re-encoded."""
    bad = st.sampled_from(
        (b"\xff", b"\xc3", b"\xc3\x28", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80")
    )
    raw = valid.encode("utf-8", "surrogatepass")
    return st.one_of(
        st.builds(lambda b, pos: raw[:pos] + b + raw[pos:], bad, st.integers(0, max(0, len(raw)))),
        st.just(valid.encode("utf-16")),
        st.just(valid.encode("latin-1", "replace")),
        st.just(b"\xff\xfe" + raw),
        st.binary(max_size=300),
    )


def hostile_text() -> st.SearchStrategy[str]:
    """Answers that have nothing to do with the expected format."""
    return st.one_of(
        st.text(max_size=200),
        chunk_soup(),
        st.sampled_from(HTML_PAGES),
        st.sampled_from(XML_ATTACKS),
        json_values.map(dump_json),
        deep_json(),
        oversized(),
    )


def bodies_like(
    valid: str,
    structured: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[bytes | str]:
    """Bodies for a call whose normal answer is `valid`; `structured` adds format-aware
    variants (valid shape, hostile values)."""
    options: list[st.SearchStrategy[bytes | str]] = [
        hostile_text(),
        truncated_or_mutated(valid),
        repeated_slice(valid),
        invalid_utf8(valid),
    ]
    if structured is not None:
        options += [structured, structured]
    return st.one_of(options)


def json_bodies(valid: Any) -> st.SearchStrategy[bytes | str]:
    """For a JSON answer: hostile text plus the valid object mutated (wrong types, missing
    fields, huge numbers, NaN/inf...)."""
    return bodies_like(dump_json(valid), mutated_json(valid).map(dump_json))


@st.composite
def answers(
    draw: st.DrawFn,
    body: st.SearchStrategy[bytes | str],
    status: int = 200,
    content_type: str | None = None,
) -> Answer:
    """An HTTP answer: usually the call's normal status and type, sometimes others."""
    code = draw(st.sampled_from((status,) * 6 + STATUSES))
    ctype = draw(st.sampled_from((content_type,) * 4 + CONTENT_TYPES))
    headers = {"Content-Type": ctype} if ctype else {}
    return Answer(code, draw(body), headers)


def sometimes(strategy: st.SearchStrategy[Any], value: Any) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(value), strategy)


def pick(options: Sequence[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(list(options))


Mutator = Callable[[str], st.SearchStrategy[str]]
