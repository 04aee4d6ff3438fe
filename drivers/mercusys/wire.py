"""The line-based wire format of the classic `/?code=N&asyn=M` protocol (note §1).

Requests and answers are plain text, lines separated by CRLF:

    read request   0|1,0,0#23|1,0,0                  (data id | stack, joined by '#')
    answer         00000                             (5-digit result code)
                   id 23|1,0,0                       (block header)
                   ip 100.64.0.2                     (key value)
                   dns 0 1.1.1.1                     (key index value: a table row)
    write request  id 26|1,0,0 / name x / ...        (the same blocks, no result line)
    401 challenge  00007 / client state / counter / nonce / dictionary  (five lines), or
                   00007 / client state / 00000 / nonce / dictionary / 00000  (six)

Both the driver and the simulator use this module. `WireError` messages name line numbers
and never echo content, since values may be passwords or Wi-Fi keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from urllib.parse import unquote

from drivers.mercusys import guessed as g
from drivers.mercusys.encoding import encode_uri_component

__all__ = [
    "CODE_NAMES",
    "EUNAUTH",
    "OK",
    "Block",
    "Challenge",
    "ChallengeLayout",
    "ChallengeVariantError",
    "ClientState",
    "Key",
    "ObjectRef",
    "Reply",
    "RequestCode",
    "WireError",
    "challenge_shape",
    "describe_code",
    "parse_blocks",
    "parse_challenge",
    "parse_read_request",
    "parse_reply",
    "render_blocks",
    "render_challenge",
    "render_read_request",
    "render_reply",
]

OK = 0
EUNAUTH = 7

#: Result codes of the firmware's error table (mercusys-cli constants, note §1 [C S3]),
#: the ones this toolkit can meet; used to make messages readable.
CODE_NAMES: dict[int, str] = {
    0: "ENONE", 1: "ENOMEMORY", 2: "EINVARG", 3: "EINVFMT", 4: "EINVEVT", 5: "EINVCODE",
    6: "EFORBID", 7: "EUNAUTH", 8: "EOVERFLOW", 21: "EWANTYPE", 22: "ETOOLONG",
    23: "ESYSTEM", 26: "EINVIP", 46: "EINVFDNSVR", 47: "EINVSDNSVR", 48: "EINVDATA",
    54: "ESYSBUSY", 69: "EINVBOOL", 70: "EINVSSIDLEN", 74: "EINVPSKAUTH", 77: "EINVPSKLEN",
    95: "EINVWLANPWD", 100: "ENAMEBLANK", 101: "EPWDBLANK",
}

_CODE = re.compile(r"^\d{5}$")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STACK = re.compile(r"^\d+(,\d+)*$")
_HEADER = "id "


class WireError(ValueError):
    """Text that does not follow the protocol's format (message holds no content)."""


def is_number(text: str) -> bool:
    """ASCII digits, bounded: str.isdigit() alone accepts '²' and 5000-digit runs, which
    int() then refuses with a bare ValueError (found by fuzzing)."""
    return 0 < len(text) <= 18 and text.isascii() and text.isdigit()


class RequestCode(IntEnum):
    """The `code=` query values this toolkit uses (note §1 "code values", [C S3])."""

    WRITE = 1
    READ = 2
    REBOOT = 6
    AUTH = 7
    LOGOUT = 11


class ClientState(IntEnum):
    """Line [1] of a 401 answer (note §1 "Client-state codes", [C S3])."""

    FULL = 0
    LOCK = 1
    TIMEOUT = 2
    PSWERR = 3
    NORMAL = 4
    INVALID = 5
    PSW_ILLEGAL = 6


def describe_code(code: int) -> str:
    name = CODE_NAMES.get(code)
    return f"{code:05d} ({name})" if name else f"{code:05d}"


# --- values ---------------------------------------------------------------------------------


def encode_value(value: str) -> str:
    return encode_uri_component(value) if g.VALUES_PERCENT_ENCODED else value


def decode_value(raw: str, line_no: int) -> str:
    # Without a '%' there is nothing to decode (unquote returns such text as is), and most
    # values have none: skip the call.
    if "%" not in raw or not g.VALUES_PERCENT_ENCODED:
        return raw
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise WireError(f"line {line_no}: value is not valid percent-encoded UTF-8") from None


# --- object references and blocks -------------------------------------------------------------


@dataclass(frozen=True, order=True)
class ObjectRef:
    """One object instance: data id and stack (`33|1,1,0`)."""

    data_id: int
    stack: str = g.STACK_SINGLE

    def __str__(self) -> str:
        return f"{self.data_id}|{self.stack}"

    @classmethod
    def parse(cls, text: str) -> ObjectRef:
        """`23|1,0,0`, or a bare `23` (older firmware; the single-instance stack)."""
        data_id, sep, stack = text.strip().partition("|")
        if not is_number(data_id) or (sep and not _STACK.match(stack)):
            raise WireError("object reference is not '<id>|<stack>'")
        return cls(int(data_id), stack if sep else g.STACK_SINGLE)


Key = tuple[str, int | None]


@dataclass
class Block:
    """One object's key/value lines. `values[(key, None)]` is a scalar, `values[(key, i)]`
    a table row. Values are decoded text; repr hides the secret keys."""

    ref: ObjectRef
    values: dict[Key, str] = field(default_factory=dict)

    def get(self, key: str, index: int | None = None) -> str | None:
        return self.values.get((key, index))

    def require(self, key: str, index: int | None = None) -> str:
        value = self.values.get((key, index))
        if value is None:
            where = key if index is None else f"{key} {index}"
            raise WireError(f"block {self.ref} has no '{where}'")
        return value

    def set(self, key: str, value: str, index: int | None = None) -> Block:
        self.values[(key, index)] = value
        return self

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k if i is None else f'{k} {i}'}={'***' if k in g.SECRET_KEYS else repr(v)}"
            for (k, i), v in self.values.items()
        )
        return f"Block({self.ref}: {shown})"


def _lines(text: str) -> list[str]:
    return [line.rstrip("\r") for line in text.split("\n")]


def render_blocks(blocks: Iterable[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        out.append(f"{_HEADER}{block.ref}")
        for (key, index), value in block.values.items():
            if not _KEY.fullmatch(key):
                raise WireError("key is not a protocol identifier")
            head = key if index is None else f"{key} {index}"
            out.append(f"{head} {encode_value(value)}")
    return "".join(line + "\r\n" for line in out)


def _iter_blocks(lines: list[str], first_line_no: int) -> Iterator[Block]:
    current: Block | None = None
    for line_no, line in enumerate(lines, first_line_no):
        # Same test as `not line.strip()`, without building a stripped copy.
        if not line or line.isspace():
            continue
        if line.startswith(_HEADER):
            if current is not None:
                yield current
            try:
                current = Block(ObjectRef.parse(line[len(_HEADER):]))
            except WireError:
                raise WireError(f"line {line_no}: bad block header") from None
            continue
        if current is None:
            raise WireError(f"line {line_no}: data before any 'id <n>|<stack>' header")
        # `key`, `key value` or `key <index> value`: ~40 lines per status read, so parsed
        # inline with partition and C-level str tests rather than split + a regex.
        key, _, value = line.partition(" ")
        # On ASCII text isidentifier() accepts exactly what _KEY does.
        if not (key.isascii() and key.isidentifier()):
            raise WireError(f"line {line_no}: expected 'key value'")
        index: int | None = None
        head, sep, tail = value.partition(" ")
        if sep and is_number(head):
            index, value = int(head), tail
        # Else `value` is the whole rest: "" for a bare key; a raw (unencoded) value with
        # spaces is kept whole, leniently.
        if "%" in value:  # else nothing to decode: skip the call
            value = decode_value(value, line_no)
        current.values[(key, index)] = value
    if current is not None:
        yield current


def parse_blocks(text: str) -> list[Block]:
    """The blocks of a write body (or of an answer without its result line)."""
    return list(_iter_blocks(_lines(text), 1))


# --- reads -----------------------------------------------------------------------------------


def render_read_request(refs: Iterable[ObjectRef]) -> str:
    return "#".join(str(r) for r in refs)


def parse_read_request(text: str) -> list[ObjectRef]:
    body = text.strip()
    if not body:
        raise WireError("empty read request")
    return [ObjectRef.parse(part) for part in body.split("#")]


@dataclass
class Reply:
    code: int
    blocks: list[Block] = field(default_factory=list)

    def by_ref(self) -> dict[ObjectRef, Block]:
        return {b.ref: b for b in self.blocks}


def parse_reply(text: str) -> Reply:
    lines = _lines(text)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines or not _CODE.match(lines[0].strip()):
        raise WireError("line 1: expected a 5-digit result code")
    code = int(lines[0])
    return Reply(code, list(_iter_blocks(lines[1:], 2)))


def render_reply(code: int, blocks: Iterable[Block] = ()) -> str:
    return f"{code:05d}\r\n" + render_blocks(blocks)


# --- the 401 challenge -----------------------------------------------------------------------


class ChallengeLayout(StrEnum):
    """The two 401 layouts public evidence shows (guessed.py, "login challenge")."""

    #: `00007 / state / counter / nonce / dictionary` (the five lines S3 reads).
    COUNTER = "five-line"
    #: `00007 / state / 00000 / nonce / dictionary / 00000` (AC12G v1, S4 PoC): no counter.
    CONSTANT = "six-line"


class ChallengeVariantError(WireError):
    """A 401 login challenge in a layout no profile knows. `shape` describes it (line
    count, which lines are numbers, lengths) without quoting any content."""

    def __init__(self, shape: str) -> None:
        super().__init__(f"unknown login challenge layout: {shape}")
        self.shape = shape


@dataclass(frozen=True)
class Challenge:
    """A 401 answer: EUNAUTH, client state, failure counter (None when the layout shows
    none), nonce, dictionary."""

    state: ClientState | int
    counter: int | None
    nonce: str
    dictionary: str
    layout: ChallengeLayout = ChallengeLayout.COUNTER

    def __repr__(self) -> str:
        return f"Challenge({self.layout}, state={self.state!r}, counter={self.counter})"


def challenge_shape(lines: list[str]) -> str:
    """How a challenge looks, for an error message: never its content."""
    parts = []
    for line in lines:
        text = line.strip()
        if is_number(text) and len(text) <= 5:
            parts.append(text)
        else:
            parts.append(f"<{len(line)} chars>")
    return f"{len(lines)} lines: " + " / ".join(parts)


def _challenge_lines(text: str) -> list[str]:
    lines = _lines(text)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def parse_challenge(text: str) -> Challenge:
    lines = _challenge_lines(text)
    if not lines or not _CODE.match(lines[0].strip()) or int(lines[0]) != EUNAUTH:
        raise WireError("not a login challenge (00007 and four lines)")
    if len(lines) == 6 and lines[5].strip() == g.SIX_LINE_CONSTANT:
        layout = ChallengeLayout.CONSTANT
    elif len(lines) == 5:
        layout = ChallengeLayout.COUNTER
    else:
        raise ChallengeVariantError(challenge_shape(lines))
    state_s = lines[g.CHALLENGE_STATE_LINE].strip()
    counter_s = lines[g.CHALLENGE_COUNTER_LINE].strip()
    # Nonce and dictionary are taken verbatim: any character may be significant.
    nonce, dictionary = lines[g.CHALLENGE_NONCE_LINE], lines[g.CHALLENGE_DICTIONARY_LINE]
    if not is_number(state_s) or not is_number(counter_s):
        raise ChallengeVariantError(challenge_shape(lines))
    if layout is ChallengeLayout.CONSTANT and counter_s != g.SIX_LINE_CONSTANT:
        raise ChallengeVariantError(challenge_shape(lines))
    if not nonce or not dictionary:
        raise WireError("challenge has an empty nonce or dictionary")
    raw_state = int(state_s)
    state: ClientState | int = (
        ClientState(raw_state) if raw_state in ClientState._value2member_map_ else raw_state
    )
    counter = int(counter_s) if layout is ChallengeLayout.COUNTER else None
    return Challenge(state, counter, nonce, dictionary, layout)


def render_challenge(challenge: Challenge) -> str:
    counter = (
        g.SIX_LINE_CONSTANT
        if challenge.layout is ChallengeLayout.CONSTANT or challenge.counter is None
        else str(challenge.counter)
    )
    lines = [
        f"{EUNAUTH:05d}",
        str(int(challenge.state)),
        counter,
        challenge.nonce,
        challenge.dictionary,
    ]
    if challenge.layout is ChallengeLayout.CONSTANT:
        lines.append(g.SIX_LINE_CONSTANT)
    return "".join(line + "\r\n" for line in lines)
