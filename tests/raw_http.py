"""A raw loopback HTTP server for byte-for-byte comparisons of request paths: it keeps
every request's bytes as sent and answers each with a small 200, with the extra headers
(cookies set, changed, expired) its caller plans per request number."""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping


class RawServer:
    def __init__(self, headers: Mapping[int, list[bytes]], body: bytes = b"") -> None:
        self.headers = headers
        self.body = body
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
        extra = b"".join(h + b"\r\n" for h in self.headers.get(len(self.seen), []))
        self.seen.append(head + b"\r\n\r\n" + body)
        size = str(len(self.body)).encode()
        conn.sendall(
            b"HTTP/1.1 200 OK\r\n" + extra + b"Content-Length: " + size + b"\r\n\r\n" + self.body
        )
        return True

    def close(self) -> None:
        self.sock.close()
