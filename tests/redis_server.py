"""A real redis-server on a free loopback port, started and stopped by the tests.

`make test` installs Debian's redis-server when it is missing (the `redis-deps` target);
where it cannot be installed, the tests that need it are skipped with that reason.
The server keeps nothing on disk (`--save '' --appendonly no`) and listens on 127.0.0.1
only; `stop()` and `start()` again on the same port simulate a broker that goes away and
comes back empty.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SKIP_REASON = (
    "redis-server não está instalado e não pôde ser instalado "
    "(`make redis-deps` instala o pacote redis-server do Debian quando roda como root)"
)
#: How long a fresh server may take to answer PING (it starts in milliseconds; the bound
#: is for a loaded CI machine).
START_TIMEOUT_S = 15.0


def _die_with_parent() -> None:
    """The server outlives nothing: if the test process dies, the kernel kills it too."""
    import ctypes
    import signal

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def redis_binary() -> str | None:
    return shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if Path(p).exists()),
        None,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    def __init__(self, workdir: Path, port: int | None = None) -> None:
        binary = redis_binary()
        if binary is None:
            pytest.skip(SKIP_REASON)
        self.binary = binary
        self.workdir = workdir
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        for _ in range(3):
            self.proc = subprocess.Popen(
                [
                    self.binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.workdir),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
            if self._wait_ready():
                return
            self.stop()
            self.port = free_port()  # lost the port to someone else: take another
        raise RuntimeError("redis-server did not answer PING")

    def _wait_ready(self) -> bool:
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1)
        deadline = time.monotonic() + START_TIMEOUT_S
        try:
            while time.monotonic() < deadline:
                if self.proc is None or self.proc.poll() is not None:
                    return False
                try:
                    if client.ping():
                        return True
                except redis.RedisError:
                    time.sleep(0.05)
            return False
        finally:
            client.close()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def client(self) -> object:
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=5)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
