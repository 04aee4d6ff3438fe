"""Redis backends of the coordination contracts, against a real redis-server on loopback."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cpe.coord.base import Intent
from cpe.coord.busy import BUSY_WRITE_PT
from cpe.errors import SessionBusy
from tests.redis_server import RedisServer, free_port, redis_server  # noqa: F401

redis = pytest.importorskip("redis")
from redis.backoff import NoBackoff  # noqa: E402
from redis.retry import Retry  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def client(redis_server: RedisServer):  # noqa: F811
    c = redis.Redis.from_url(redis_server.url, socket_timeout=5)
    c.flushdb()
    yield c
    c.close()


def _locks(client, **kw):
    from cpe.coord.redis_backend import RedisDeviceLocks

    return RedisDeviceLocks(client, **kw)


# --- device locks --------------------------------------------------------------------------


def test_read_waits_for_a_holder_and_fences_increase(client) -> None:
    a, b = _locks(client), _locks(client)
    first_held, first_done = threading.Event(), threading.Event()
    fences: list[int] = []

    def first_reader() -> None:
        with a.hold("127.0.0.1:2389", Intent.READ, wait_s=1) as first:
            fences.append(first.fence)
            first_held.set()
            time.sleep(0.3)
        first_done.set()

    t = threading.Thread(target=first_reader)
    t.start()
    assert first_held.wait(10)
    # a second reader waits for the first, then holds with a larger fence
    with b.hold("127.0.0.1:2389", Intent.READ, wait_s=5) as second:
        assert first_done.is_set()
        assert second.fence > fences[0]
        assert b.still_held(second)
    t.join(10)
    assert not b.still_held(second)


def test_a_read_waits_bounded_then_is_busy(client) -> None:
    a, b = _locks(client), _locks(client)
    calls: list[float] = []
    with a.hold("dev:1", Intent.WRITE, wait_s=0):
        started = time.monotonic()
        with (
            pytest.raises(SessionBusy) as err,
            b.hold("dev:1", Intent.READ, wait_s=0.5, on_wait=calls.append),
        ):
            pass
        assert time.monotonic() - started >= 0.5
        said = err.value.pt()
        assert re.match(re.escape(BUSY_WRITE_PT) + r" \(\d s de espera, começou há ", said), said
        assert f"em {socket.gethostname()}, processo {os.getpid()}" in said
        assert calls and calls[0] == pytest.approx(0.0, abs=0.2)


def test_a_write_is_refused_at_once_by_another_write(client) -> None:
    a, b = _locks(client), _locks(client)
    with a.hold("dev:2", Intent.WRITE, wait_s=0):
        started = time.monotonic()
        with pytest.raises(SessionBusy) as err, b.hold("dev:2", Intent.WRITE, wait_s=30):
            pass
        assert time.monotonic() - started < 5
        assert err.value.pt().startswith(BUSY_WRITE_PT + " (começou há ")


def test_a_refused_write_says_the_same_words_with_either_backend(client, tmp_path) -> None:
    """Who holds the device and since when, in the same words whether the lock is the
    host's lock directory or Redis (cpe.coord.busy); Redis's record keeps its start."""
    from cpe.coord.local_locks import LocalDeviceLocks

    said = {}
    for name, locks in (("local", LocalDeviceLocks(tmp_path / "locks")), ("redis", _locks(client))):
        with locks.hold("dev:20", Intent.WRITE, wait_s=0):
            time.sleep(1.1)
            with pytest.raises(SessionBusy) as err, locks.hold("dev:20", Intent.WRITE, wait_s=5):
                pass
            said[name] = err.value.pt()
    where = f"em {socket.gethostname()}, processo {os.getpid()}"
    for text in said.values():
        assert re.match(re.escape(BUSY_WRITE_PT) + r" \(começou há [12] s, ", text), text
        assert where in text and "Só uma alteração por vez" in text
    assert re.sub(r"há \d+ s", "", said["local"]) == re.sub(r"há \d+ s", "", said["redis"])
    # the record Redis keeps: intent, fence, owner and start
    with _locks(client).hold("dev:21", Intent.WRITE, wait_s=0):
        record = client.get("cpe:lock:dev:21:holder").decode().split(" ")
        assert record[0] == "write" and record[2] == f"{socket.gethostname()}:{os.getpid()}"
        assert abs(int(record[3]) - int(client.time()[0])) <= 2  # its start, Redis's clock


def test_a_write_waits_for_a_read_and_keeps_new_reads_out(client) -> None:
    reader, writer, late = _locks(client), _locks(client), _locks(client)
    order: list[str] = []
    read_held = threading.Event()
    release_read = threading.Event()

    def read() -> None:
        with reader.hold("dev:3", Intent.READ, wait_s=0):
            read_held.set()
            release_read.wait(10)
            order.append("read done")

    t = threading.Thread(target=read)
    t.start()
    assert read_held.wait(10)

    def write() -> None:
        with writer.hold("dev:3", Intent.WRITE, wait_s=10):
            order.append("write")

    w = threading.Thread(target=write)
    w.start()
    # the waiting write keeps a newcomer out; a second write is refused at once
    deadline = time.monotonic() + 5
    while not client.exists("cpe:lock:dev:3:wwait") and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(SessionBusy):
        with late.hold("dev:3", Intent.WRITE, wait_s=5):
            pass
    with pytest.raises(SessionBusy):
        with late.hold("dev:3", Intent.READ, wait_s=0.2):
            pass
    release_read.set()
    t.join(10)
    w.join(10)
    assert order == ["read done", "write"]


def test_an_expired_holder_learns_it_before_writing(client) -> None:
    a, b = _locks(client, ttl_s=1), _locks(client, ttl_s=1)
    with a.hold("dev:4", Intent.WRITE, wait_s=0) as stale:
        # Simulate a pause longer than the expiry: stop renewing by dropping the key's
        # expiry to a few milliseconds, as a frozen process would let it lapse.
        client.pexpire("cpe:lock:dev:4:holder", 1)
        time.sleep(0.05)
        with b.hold("dev:4", Intent.WRITE, wait_s=0) as fresh:
            assert fresh.fence > stale.fence
            assert not a.still_held(stale)
            assert b.still_held(fresh)
        # the stale holder's release must not free the new holder's slot (already gone)
    assert client.get("cpe:lock:dev:4:holder") is None


HOLDER = """
import sys, time
import redis
from cpe.coord.redis_backend import RedisDeviceLocks
from cpe.coord.base import Intent
from cpe.coord.busy import BUSY_WRITE_PT
locks = RedisDeviceLocks(redis.Redis.from_url(sys.argv[1]), ttl_s=1)
with locks.hold(sys.argv[2], Intent.WRITE, wait_s=0):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_dead_holder_frees_the_device_within_its_expiry(redis_server, client) -> None:  # noqa: F811
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, redis_server.url, "dev:5"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        other = _locks(client)
        with pytest.raises(SessionBusy):
            with other.hold("dev:5", Intent.WRITE, wait_s=0):
                pass
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        started = time.monotonic()
        with other.hold("dev:5", Intent.READ, wait_s=5):
            assert time.monotonic() - started <= 1.5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


CONTENDER = """
import sys
import redis
from cpe.coord.redis_backend import RedisDeviceLocks
from cpe.coord.base import Intent
from cpe.coord.busy import BUSY_WRITE_PT
from cpe.errors import SessionBusy
r = redis.Redis.from_url(sys.argv[1])
locks = RedisDeviceLocks(r)
overlaps = held = busy = 0
for i in range(int(sys.argv[3])):
    intent = Intent.WRITE if i % 3 == 0 else Intent.READ
    try:
        with locks.hold(sys.argv[2], intent, wait_s=2):
            held += 1
            if r.incr("sessions") != 1:
                overlaps += 1
            r.decr("sessions")
    except SessionBusy:
        busy += 1
print(overlaps, held, busy)
"""


def test_two_workers_never_hold_two_sessions_to_one_device(redis_server, client) -> None:  # noqa: F811
    """Two processes (as two worker hosts would) hammer one device: never two sessions."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CONTENDER, redis_server.url, "dev:6", "60"],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(2)
    ]
    totals = []
    for p in procs:
        out, _ = p.communicate(timeout=120)
        totals.append([int(x) for x in out.split()])
    assert all(p.returncode == 0 for p in procs)
    assert sum(t[0] for t in totals) == 0  # no overlap, ever
    assert sum(t[1] for t in totals) >= 60  # and both really worked the device


def test_redis_unreachable_means_busy_not_a_session(client) -> None:
    dead = redis.Redis(
        host="127.0.0.1", port=free_port(), socket_connect_timeout=1, retry=Retry(NoBackoff(), 0)
    )
    with pytest.raises(SessionBusy) as err, _locks(dead).hold("dev:7", Intent.READ, wait_s=1):
        pass
    assert "Redis" in err.value.pt()


# --- failure ledger -------------------------------------------------------------------------


def test_failure_ledger_round_trip(redis_server, client) -> None:  # noqa: F811
    from cpe.coord.redis_backend import RedisFailureLedger

    ledger = RedisFailureLedger(client)
    other_host = RedisFailureLedger(redis.Redis.from_url(redis_server.url))
    now = time.time()
    ledger.record_failure("10.0.0.1:2389", "zyxel#1", at=now - 100)
    ledger.record_failure("10.0.0.1:2389", "zyxel#2", at=now - 10)
    ledger.record_failure("10.0.0.1:2389", "zyxel#2", at=now - 10)  # same instant, kept apart
    got = other_host.failures("10.0.0.1:2389", since=now - 50)
    assert [(a.candidate, round(a.at, 3)) for a in got] == [
        ("zyxel#2", round(now - 10, 3)),
        ("zyxel#2", round(now - 10, 3)),
    ]
    assert len(other_host.failures("10.0.0.1:2389", since=0)) == 3
    assert other_host.locked_until("10.0.0.1:2389") is None
    ledger.record_lock("10.0.0.1:2389", until=now + 300)
    ledger.record_lock("10.0.0.1:2389", until=now + 60)  # never shortens a known lock
    assert other_host.locked_until("10.0.0.1:2389") == pytest.approx(now + 300)
    ledger.record_lock("10.0.0.2:2389", until=now - 1)  # already over
    assert other_host.locked_until("10.0.0.2:2389") is None
    assert set(other_host.devices()) == {"10.0.0.1:2389"}
    ledger.record_success("10.0.0.1:2389", "zyxel#3", at=now)
    assert other_host.failures("10.0.0.1:2389", since=0) == []
    assert other_host.locked_until("10.0.0.1:2389") is None
    assert list(other_host.devices()) == []


# --- rate limiter ---------------------------------------------------------------------------


def test_rate_limits_are_shared_by_every_process(redis_server, client) -> None:  # noqa: F811
    from cpe.coord.redis_backend import RedisRateLimiter

    a = RedisRateLimiter(client, 3, 0.5, name="login")
    b = RedisRateLimiter(redis.Redis.from_url(redis_server.url), 3, 0.5, name="login")
    assert [a.take("maria"), b.take("maria"), a.take("maria")] == [0.0, 0.0, 0.0]
    wait = b.take("maria")
    assert 0 < wait <= 2.0  # one token back in 2 s at 0.5/s
    assert a.take("joao") == 0.0  # per key
    b.reset("maria")
    assert a.take("maria") == 0.0
    ttl = client.pttl("cpe:rate:login:maria")
    assert 0 < ttl <= 2 * 1000 + 1000  # forgotten once it would be full again


def test_rate_limiter_falls_back_in_process_without_redis() -> None:
    from cpe.coord.redis_backend import RedisRateLimiter

    dead = redis.Redis(
        host="127.0.0.1", port=free_port(), socket_connect_timeout=1, retry=Retry(NoBackoff(), 0)
    )
    limiter = RedisRateLimiter(dead, 1, 0.1)
    assert limiter.take("ana") == 0.0
    assert limiter.take("ana") > 0
    assert limiter.wait("ana") > 0
    # after a failure Redis is left alone for a while: no timeout per request
    calls: list[object] = []
    limiter._take = lambda **kw: calls.append(kw)  # type: ignore[method-assign]
    assert limiter.take("bia") == 0.0 and calls == []


def test_factories_share_one_backend_per_broker(redis_server, client) -> None:  # noqa: F811
    from cpe.coord import redis_backend
    from cpe.settings import Settings

    settings = Settings(broker_url=redis_server.url)
    locks = redis_backend.device_locks(settings)
    assert redis_backend.device_locks(settings) is locks
    assert redis_backend.failure_ledger(settings) is redis_backend.failure_ledger(settings)
    with locks.hold("dev:8", Intent.READ, wait_s=0) as held:
        assert locks.still_held(held)
    limiter = redis_backend.rate_limiter(settings, 1, 1.0, name="api")
    assert limiter.take("x") == 0.0
    with pytest.raises(Exception, match="CPE_BROKER_URL"):
        redis_backend.device_locks(Settings())
