"""The shared lean request path (drivers/http_lean.py) puts the same bytes on the wire as
`requests.Session.request`, keeps the jar as it does, and goes through mounted adapters
(the capture recorder's included); compared on a raw loopback socket, request by request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter

from drivers.http import make_session
from drivers.http_lean import lean_request
from tests.raw_http import RawServer

#: Extra answer headers, by request number: cookies set, changed, added, then expired.
SET_COOKIES = {
    0: [b"Set-Cookie: SID=one; Path=/"],
    3: [b"Set-Cookie: SID=two; Path=/", b"Set-Cookie: PAGE=p; Path=/sub"],
    6: [b"Set-Cookie: SID=gone; Path=/; Max-Age=0"],
}


@pytest.fixture()
def server() -> Iterator[RawServer]:
    made = RawServer(SET_COOKIES, b"ok")
    yield made
    made.close()


#: (method, path, keyword arguments) as the drivers pass them.
CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/", {"headers": {"X-Requested-With": "XMLHttpRequest"}}),  # sets SID=one
    ("GET", "/cgi", {"params": {"ajaxmethod": "get", "_": "1", "none": None}}),
    ("POST", "/cgi", {"data": {"a": "1", "b": "x y"}, "headers": {"Referer": "http://r/"}}),
    ("POST", "/raw", {"data": b"k=v&w=1", "headers": {"Content-Type": "text/plain"}}),  # SID=two
    ("GET", "/sub/page", {"headers": {"Origin": None}}),  # PAGE cookie on its path only
    ("GET", "/", {"headers": {"Cookie": "SID=mine"}}),  # an explicit Cookie wins
    ("GET", "/", {}),  # expires SID
    ("GET", "/sub/x", {}),
]


def _run(send: Any, session: requests.Session, port: int) -> list[str | None]:
    jar_after: list[str | None] = []
    for method, path, kw in CALLS:
        resp = send(
            session, method, f"http://127.0.0.1:{port}{path}", timeout=(2, 5),
            allow_redirects=False, **kw,
        )
        assert resp.status_code == 200
        assert resp.content == b"ok"
        jar_after.append(session.cookies.get("SID"))
    return jar_after


def _session() -> requests.Session:
    s = make_session()
    s.headers["Origin"] = "http://x"
    return s


def _plain(session: requests.Session, method: str, url: str, **kw: Any) -> requests.Response:
    return session.request(method, url, **kw)


def test_lean_requests_are_byte_for_byte_the_sessions(server: RawServer) -> None:
    plain = _session()
    jar_plain = _run(_plain, plain, server.port)
    plain.close()  # one connection at a time: free the server for the next session
    expected, server.seen = server.seen, []

    lean = _session()
    hooked: list[int] = []
    lean.hooks["response"].append(lambda r, *a, **k: hooked.append(r.status_code))
    jar_lean = _run(lean_request, lean, server.port)
    assert server.seen == expected
    assert jar_lean == jar_plain == ["one", "one", "one", "two", "two", "two", None, None]
    assert b"Cookie: SID=one" in expected[1]  # the jar's cookie went out
    assert b"PAGE=p" in expected[4] and b"PAGE=p" not in expected[5]  # path-scoped
    assert b"Cookie: SID=mine" in expected[5]
    assert b"SID=" not in expected[7].split(b"Cookie:")[-1]  # expired: no longer sent
    assert b"Origin:" not in expected[4]  # a None header removes the session's
    assert hooked == [200] * len(CALLS)  # the session's hooks still run


def test_a_cleared_jar_is_not_served_from_the_cache(server: RawServer) -> None:
    s = _session()
    url = f"http://127.0.0.1:{server.port}/"
    lean_request(s, "GET", url, timeout=2, allow_redirects=False)  # sets SID=one
    lean_request(s, "GET", url, timeout=2, allow_redirects=False)
    s.cookies.clear()
    lean_request(s, "GET", url, timeout=2, allow_redirects=False)
    s.cookies.set("SID", "manual", domain="127.0.0.1", path="/")
    lean_request(s, "GET", url, timeout=2, allow_redirects=False)
    assert b"Cookie: SID=one" in server.seen[1]
    assert b"Cookie:" not in server.seen[2]
    assert b"Cookie: SID=manual" in server.seen[3]


class Counting(HTTPAdapter):
    def __init__(self) -> None:
        super().__init__(max_retries=0)
        self.urls: list[str] = []

    def send(self, request: requests.PreparedRequest, *a: Any, **kw: Any) -> Any:
        self.urls.append(str(request.url))
        return super().send(request, *a, **kw)


def test_mounted_adapters_see_every_request(server: RawServer) -> None:
    s = _session()
    adapter = Counting()
    s.mount("http://", adapter)
    _run(lean_request, s, server.port)
    assert len(adapter.urls) == len(CALLS)
    assert adapter.urls[1].endswith("/cgi?ajaxmethod=get&_=1")


class Caching(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def request(self, method: str | bytes, url: str | bytes, *a: Any, **kw: Any) -> Any:
        self.calls += 1
        return super().request(method, url, *a, **kw)


def test_sessions_that_need_the_long_way_get_it(server: RawServer) -> None:
    url = f"http://127.0.0.1:{server.port}/"
    sub = Caching()
    sub.trust_env = False
    lean_request(sub, "GET", url, timeout=2, allow_redirects=False)
    sub.close()  # the server takes one connection at a time
    assert sub.calls == 1  # an overridden request() is honoured
    env = make_session()
    env.trust_env = True  # proxies and netrc from the environment: Session.request's job
    seen = len(server.seen)
    lean_request(env, "GET", url, timeout=2, allow_redirects=False)
    env.close()
    follow = make_session()
    lean_request(follow, "GET", url, timeout=2)  # follows redirects: the long way
    follow.close()
    assert len(server.seen) == seen + 2
