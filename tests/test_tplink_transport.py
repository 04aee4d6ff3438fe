"""The lean request path (drivers/tplink/transport.py) puts the same bytes on the wire as
`requests.Session.request`: compared on a raw loopback socket, request by request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from drivers.http import make_session
from drivers.tplink.transport import LeanSession
from tests.raw_http import RawServer


@pytest.fixture()
def server() -> Iterator[RawServer]:
    made = RawServer({0: [b"Set-Cookie: JSESSIONID=abc123; Path=/"]})
    yield made
    made.close()


CALLS: list[tuple[str, str, dict[str, str], bytes | None]] = [
    ("POST", "/cgi/getGDPRParm", {"Referer": "http://x/"}, None),  # sets the cookie
    ("POST", "/cgi/getGDPRParm", {"Referer": "http://x/"}, None),  # jar cookie sent
    ("POST", "/cgi_gdpr?9", {"Cookie": "JSESSIONID=mine", "TokenID": "t"}, b"sign=ab\r\n"),
    ("GET", "/", {"Accept-Encoding": "identity"}, None),
]


def _run(session: requests.Session | LeanSession, port: int) -> None:
    for method, path, headers, body in CALLS:
        resp = session.request(
            method, f"http://127.0.0.1:{port}{path}", timeout=(2, 5),
            allow_redirects=False, headers=headers, data=body,
        )
        assert resp.status_code == 200


def test_lean_requests_are_byte_for_byte_the_sessions(server: RawServer) -> None:
    plain = make_session()
    plain.headers["Origin"] = "http://x"
    _run(plain, server.port)
    plain.close()  # one connection at a time: free the server for the next session
    expected, server.seen = server.seen, []

    lean_base = make_session()
    lean_base.headers["Origin"] = "http://x"
    hooked: list[int] = []
    lean_base.hooks["response"].append(lambda r, *a, **k: hooked.append(r.status_code))
    _run(LeanSession(lean_base), server.port)
    assert server.seen == expected
    assert b"Cookie: JSESSIONID=abc123" in expected[1]  # the jar's cookie went out
    assert b"Cookie: JSESSIONID=mine" in expected[2]  # an explicit Cookie wins
    assert hooked == [200] * len(CALLS)  # the session's hooks still run
    assert lean_base.cookies.get("JSESSIONID") == "abc123"  # answers still fill the jar
