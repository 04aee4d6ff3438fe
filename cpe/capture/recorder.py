"""Recording seams: a requests transport adapter and a CLI channel factory wrapper.

Both sit below the driver, so what they record is exactly what went over the wire (and
the driver's code is not touched). Each request is first shown to the family's read-only
guard: anything that could change the device is refused before it is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from cpe.capture.fixture import CliExchange, HttpExchange, HttpMessage, ReadOnlyViolation

__all__ = ["CliGuard", "HttpGuard", "RecordingAdapter", "RecordingChannelFactory"]

#: Guards answer None (allowed) or why the request is refused.
HttpGuard = Callable[[HttpMessage], "str | None"]
CliGuard = Callable[[str], "str | None"]

#: Request headers not kept: the management address (customer's WAN IP) and noise.
_DROP_REQUEST = frozenset(
    {"host", "referer", "origin", "user-agent", "accept-encoding", "connection", "content-length"}
)
#: Response headers not kept: the body is stored decoded, and replay sizes it itself.
_DROP_RESPONSE = frozenset({"content-encoding", "transfer-encoding", "content-length"})


def request_message(request: requests.PreparedRequest) -> HttpMessage:
    body = request.body or b""
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    msg = HttpMessage(
        f"{request.method} {request.path_url}",
        [(k, v) for k, v in request.headers.items() if k.lower() not in _DROP_REQUEST],
    )
    msg.set_raw_body(raw)
    return msg


def response_message(resp: requests.Response) -> HttpMessage:
    raw_headers = getattr(resp.raw, "headers", None) or resp.headers
    msg = HttpMessage(
        f"{resp.status_code} {resp.reason or ''}".rstrip(),
        [(k, v) for k, v in raw_headers.items() if k.lower() not in _DROP_RESPONSE],
    )
    msg.set_raw_body(resp.content)
    return msg


class RecordingAdapter(HTTPAdapter):
    """Mounted on the driver's session: sends for real, keeps each request/response."""

    def __init__(self, guard: HttpGuard) -> None:
        super().__init__(max_retries=0)
        self.guard = guard
        self.exchanges: list[HttpExchange] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        msg = request_message(request)
        refusal = self.guard(msg)
        if refusal is not None:
            raise ReadOnlyViolation(refusal, operation="capture")
        resp = super().send(request, *args, **kwargs)
        self.exchanges.append(HttpExchange(msg, response_message(resp)))
        return resp


class _RecordingChannel:
    def __init__(self, inner: Any, owner: RecordingChannelFactory) -> None:
        self.inner = inner
        self.owner = owner

    def run(self, command: str, operation: str) -> list[str]:
        refusal = self.owner.guard(command)
        if refusal is not None:
            raise ReadOnlyViolation(refusal, operation="capture")
        lines: list[str] = self.inner.run(command, operation)
        self.owner.exchanges.append(CliExchange(command, list(lines)))
        return lines

    def close(self) -> None:
        self.inner.close()


class RecordingChannelFactory:
    """Wraps a CLI driver's channel factory (`zysh.connect`): same login, recorded runs."""

    def __init__(self, inner: Callable[..., Any], guard: CliGuard) -> None:
        self.inner = inner
        self.guard = guard
        self.exchanges: list[CliExchange] = []

    def __call__(self, params: Any, password: Any) -> _RecordingChannel:
        return _RecordingChannel(self.inner(params, password), self)
