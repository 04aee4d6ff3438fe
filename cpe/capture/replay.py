"""Replay seams: serve recorded answers, in order, to an unmodified driver.

Each request must match the next recorded one by method, path and query (query values
that were scrubbed, and the family's cache-busters, match anything): a driver that asks
for something else fails loudly with `ReplayMismatch` instead of reading a wrong page.
Request bodies are not compared: they carry nonce-derived hashes and fresh ciphertexts.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from http.client import HTTPMessage
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3 import HTTPHeaderDict, HTTPResponse

from cpe.capture.fixture import CliExchange, HttpExchange, ReplayMismatch

__all__ = ["PLACEHOLDER", "ReplayAdapter", "ReplayChannelFactory"]

PLACEHOLDER = re.compile(r"scrubbed[A-Z][A-Za-z]*\d+")


class _Original:
    """What requests' cookie code reads from http.client's response: `.msg`."""

    def __init__(self, headers: Iterable[tuple[str, str]]) -> None:
        self.msg = HTTPMessage()
        for key, value in headers:
            self.msg[key] = value

    def isclosed(self) -> bool:
        return True


def _query_matches(
    recorded: list[tuple[str, str]], live: list[tuple[str, str]], volatile: frozenset[str]
) -> bool:
    rec = [(k, v) for k, v in recorded if k not in volatile]
    got = [(k, v) for k, v in live if k not in volatile]
    if [k for k, _ in rec] != [k for k, _ in got]:
        return False
    pairs = zip(rec, got, strict=True)
    return all(PLACEHOLDER.search(rv) or rv == gv for (_, rv), (_, gv) in pairs)


class ReplayAdapter(BaseAdapter):
    def __init__(self, exchanges: list[HttpExchange], volatile: frozenset[str] = frozenset()):
        super().__init__()
        self.exchanges = exchanges
        self.volatile = volatile
        self.position = 0
        self._builder = HTTPAdapter()

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        if self.position >= len(self.exchanges):
            raise ReplayMismatch(
                f"request #{self.position + 1} ({request.method} {urlsplit(request.path_url).path})"
                " was not recorded"
            )
        ex = self.exchanges[self.position]
        self.position += 1
        self._check(ex, request)
        status, _, reason = ex.response.target.partition(" ")
        raw = HTTPResponse(
            body=io.BytesIO(ex.response.raw_body),
            headers=HTTPHeaderDict(ex.response.headers),
            status=int(status),
            reason=reason,
            preload_content=False,
            decode_content=False,
            original_response=_Original(ex.response.headers),  # type: ignore[arg-type]
        )
        return self._builder.build_response(request, raw)

    def _check(self, ex: HttpExchange, request: requests.PreparedRequest) -> None:
        want, got = urlsplit(ex.url), urlsplit(request.path_url)
        same = (
            ex.method == request.method
            and want.path == got.path
            and _query_matches(
                parse_qsl(want.query, keep_blank_values=True),
                parse_qsl(got.query, keep_blank_values=True),
                self.volatile,
            )
        )
        if not same:
            raise ReplayMismatch(
                f"request #{self.position}: expected {ex.method} {want.path}, "
                f"got {request.method} {got.path}"
            )

    def close(self) -> None:
        self._builder.close()

    def assert_exhausted(self) -> None:
        left = len(self.exchanges) - self.position
        if left:
            raise ReplayMismatch(f"{left} recorded request(s) were never sent by the driver")


class _ReplayChannel:
    def __init__(self, owner: ReplayChannelFactory) -> None:
        self.owner = owner

    def run(self, command: str, operation: str) -> list[str]:
        return self.owner.next(command)

    def close(self) -> None:
        return None


class ReplayChannelFactory:
    """Stands in for a CLI driver's channel factory: login always succeeds (the recorded
    session did), each command gets its recorded output."""

    def __init__(self, exchanges: list[CliExchange]) -> None:
        self.exchanges = exchanges
        self.position = 0

    def __call__(self, params: Any, password: Any) -> _ReplayChannel:
        return _ReplayChannel(self)

    def next(self, command: str) -> list[str]:
        if self.position >= len(self.exchanges):
            raise ReplayMismatch(f"command #{self.position + 1} was not recorded")
        ex = self.exchanges[self.position]
        self.position += 1
        if ex.command != command:
            raise ReplayMismatch(
                f"command #{self.position}: expected {ex.command.split()[:2]}, "
                f"got {command.split()[:2]}"
            )
        return list(ex.output)

    def assert_exhausted(self) -> None:
        left = len(self.exchanges) - self.position
        if left:
            raise ReplayMismatch(f"{left} recorded command(s) were never sent by the driver")
