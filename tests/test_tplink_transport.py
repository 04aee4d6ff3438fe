"""The lean request path (drivers/tplink/transport.py) puts the same bytes on the wire as
`requests.Session.request`: compared on a raw loopback socket, request by request."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
import requests

from drivers.http import make_session
from drivers.tplink.transport import LeanSession


class RawServer:
    """Answers every request with an empty 200 (and a cookie once) and keeps its bytes."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.seen: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    while self._one(conn):
                        pass
                except OSError:
                    continue

    def _one(self, conn: socket.socket) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            body += conn.recv(65536)
        self.seen.append(head + b"\r\n\r\n" + body)
        cookie = b"Set-Cookie: JSESSIONID=abc123; Path=/\r\n" if len(self.seen) == 1 else b""
        conn.sendall(b"HTTP/1.1 200 OK\r\n" + cookie + b"Content-Length: 0\r\n\r\n")
        return True

    def close(self) -> None:
        self.sock.close()


@pytest.fixture()
def server() -> Iterator[RawServer]:
    made = RawServer()
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
