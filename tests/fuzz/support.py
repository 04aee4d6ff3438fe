"""What every fuzz test shares: the property, the counters, and a socket-free fake device.

The property: whatever a device (or IXC) answers, only errors from the project's root
(`CpeError`) leave the toolkit, each naming the device and the operation; never a raw
KeyError/ValueError/TypeError/IndexError/OverflowError/UnicodeDecodeError/RecursionError
or parser error. Pure parsing functions are held to their documented contract instead
(e.g. "raises ValueError", which the driver maps to ParseError).

Bugs found in code this fuzzing work may not touch (Mercusys, Zyxel: being written by
others) are listed in KNOWN_BUGS: such a hit is counted and tolerated, so the fuzzers keep
looking for new bugs; an entry no run hits any more can be deleted.
"""

from __future__ import annotations

import os
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import requests
from hypothesis import settings
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from cpe.errors import CpeError
from drivers.http import make_session

PROJECT = Path(__file__).resolve().parents[2]

#: Examples per target: the CI default, or `CPE_FUZZ_EXAMPLES` (make fuzz: 10000).
CI_EXAMPLES = 200
LONG_EXAMPLES = int(os.environ.get("CPE_FUZZ_EXAMPLES", "0") or 0)
ACTIVE_PROFILE = "cpe-fuzz-long" if LONG_EXAMPLES else "cpe-fuzz-ci"
DEADLINE_S = 15.0 if LONG_EXAMPLES else 5.0
#: Largest "oversized" body; long runs try bigger ones.
OVERSIZE = 1_000_000 if LONG_EXAMPLES else 200_000

COUNTS: Counter[str] = Counter()
KNOWN_HITS: Counter[str] = Counter()


def fuzz_settings(**overrides: Any) -> settings:
    return settings(settings.get_profile(ACTIVE_PROFILE), **overrides)


# --- the property ------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownBug:
    """A reported bug in a file this work must not edit: (exception, innermost project
    frame) identifies it."""

    id: str
    exc: type[BaseException]
    path: str
    #: Frame names (a comprehension has its own frame before Python 3.12).
    functions: tuple[str, ...]


#: Reported to the owners of those files; delete an entry once it is fixed.
KNOWN_BUGS: tuple[KnownBug, ...] = ()


def _innermost_project_frame(exc: BaseException) -> tuple[str, str] | None:
    found: tuple[str, str] | None = None
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename)
        try:
            rel = path.resolve().relative_to(PROJECT)
        except ValueError:
            continue
        if rel.parts and rel.parts[0] in ("drivers", "inventory", "cpe"):
            found = (rel.as_posix(), frame.name)
    return found


def known_bug(exc: BaseException) -> KnownBug | None:
    where = _innermost_project_frame(exc)
    if where is None:
        return None
    for bug in KNOWN_BUGS:
        if isinstance(exc, bug.exc) and where[0] == bug.path and where[1] in bug.functions:
            return bug
    return None


def check_cpe_error(exc: CpeError, *, device_required: bool = True) -> None:
    assert exc.operation, f"{type(exc).__name__} without an operation: {exc!r}"
    if device_required:
        assert exc.device, f"{type(exc).__name__} without a device: {exc!r}"
    # What the CLI and the service do with every error must not fail either.
    assert str(exc)
    exc.as_dict()


def only_cpe_errors(
    target: str, action: Callable[[], object], *, device_required: bool = True
) -> object:
    """Run `action`; let through only well-formed CpeErrors (and tolerated known bugs)."""
    COUNTS[target] += 1
    try:
        return action()
    except CpeError as exc:
        check_cpe_error(exc, device_required=device_required)
    except Exception as exc:
        bug = known_bug(exc)
        if bug is None:
            raise
        KNOWN_HITS[bug.id] += 1
    return None


def only_contract_errors(
    target: str, action: Callable[[], object], allowed: tuple[type[BaseException], ...]
) -> object:
    """A pure function: only the exception types its caller maps to ParseError."""
    COUNTS[target] += 1
    try:
        return action()
    except allowed:
        return None
    except Exception as exc:
        bug = known_bug(exc)
        if bug is None:
            raise
        KNOWN_HITS[bug.id] += 1
    return None


# --- a fake device behind a requests adapter ---------------------------------------------


@dataclass
class Answer:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def raw(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        # Lone surrogates (hostile text) go out as the invalid bytes a device would send.
        return self.body.encode("utf-8", "surrogatepass")


@dataclass
class Fuzz:
    """Replace the answer of the call named `call`: its first occurrence, or all."""

    call: str
    answer: Answer
    every: bool = False
    used: int = 0
    #: Applied when the answer goes out (e.g. seal it with the session key).
    transform: Callable[[Answer], Answer] | None = None

    def take(self, name: str) -> Answer | None:
        if name != self.call or (self.used and not self.every):
            return None
        self.used += 1
        return self.transform(self.answer) if self.transform else self.answer


class RunawayClient(BaseException):
    """The driver kept sending requests: an unbounded retry loop is a bug. BaseException so
    no driver's `except Exception` can swallow it."""


#: A device's happy path: request -> (call name, answer).
Route = Callable[[requests.PreparedRequest], tuple[str, Answer]]


def build_response(request: requests.PreparedRequest, answer: Answer) -> requests.Response:
    """What HTTPAdapter.build_response makes of a real answer, without a socket."""
    resp = requests.Response()
    resp.status_code = answer.status
    resp.headers = CaseInsensitiveDict(answer.headers)
    resp.encoding = get_encoding_from_headers(resp.headers)
    body = answer.raw()
    resp.raw = BytesIO(body)
    resp._content = body
    resp.reason = "fuzz"
    resp.url = request.url or ""
    resp.request = request
    for name, value in answer.cookies.items():
        resp.cookies.set(name, value)
    return resp


class FakeDevice(BaseAdapter):
    """Answers every request from `route`, except the call `fuzz` replaces."""

    def __init__(self, route: Route, fuzz: Fuzz | None = None, max_calls: int = 200) -> None:
        super().__init__()
        self.route = route
        self.fuzz = fuzz
        self.max_calls = max_calls
        self.calls: list[str] = []

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: object = None,
        verify: object = True,
        cert: object = None,
        proxies: object = None,
    ) -> requests.Response:
        if len(self.calls) >= self.max_calls:
            raise RunawayClient(f"more than {self.max_calls} requests: {self.calls[-5:]}")
        name, answer = self.route(request)
        self.calls.append(name)
        fuzzed = self.fuzz.take(name) if self.fuzz else None
        return build_response(request, fuzzed or answer)

    def close(self) -> None:
        pass


def session_for(adapter: BaseAdapter) -> requests.Session:
    """A driver session whose every URL goes to `adapter` (nothing can reach a socket)."""
    session = make_session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
