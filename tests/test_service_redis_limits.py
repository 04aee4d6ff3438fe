"""The service's rate limits in Redis when a broker is set (issue 14 item 4): two service
instances on one Redis share one budget (API calls, logins per name, failed logins per
address); without a broker each process keeps its own buckets, as before."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cpe.coord.redis_ratelimit import RedisRateLimiter
from cpe.service.ratelimit import RateLimiter
from cpe.service.store import UserStore
from cpe.settings import Settings
from tests.redis_server import RedisServer, redis_server  # noqa: F401
from tests.service_support import PASSWORDS, World, add_users, app_for, bearer, ixc_world

redis = pytest.importorskip("redis")
pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with ixc_world(tmp_path_factory.mktemp("limites") / "home") as w:
        yield w


@pytest.fixture(scope="module")
def store(world: World) -> UserStore:
    return add_users(world.settings)


@pytest.fixture
def brokered(world: World, redis_server: RedisServer) -> Settings:  # noqa: F811
    redis.Redis.from_url(redis_server.url).flushdb()
    return world.settings.model_copy(update={"broker_url": redis_server.url})


def _post_login(c: TestClient, name: str, password: str) -> int:
    token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
    assert token
    resp = c.post(
        "/login",
        data={"usuario": name, "senha": password, "csrf": token.group(1)},
        follow_redirects=False,
    )
    return resp.status_code


def test_without_a_broker_each_process_has_its_own_buckets(world: World) -> None:
    assert not world.settings.broker_url
    state = app_for(world.settings).state.service
    for limiter in (state.limiter, state.login_limiter, state.login_ip_limiter):
        assert type(limiter) is RateLimiter
    one = app_for(world.settings, rate_burst=1, rate_per_s=0.0).state.service.limiter
    two = app_for(world.settings, rate_burst=1, rate_per_s=0.0).state.service.limiter
    assert one.take("tec") == 0.0 and one.take("tec") > 0
    assert two.take("tec") == 0.0, "another process's bucket is its own"


def test_two_services_share_the_api_budget(brokered: Settings, store: UserStore) -> None:
    apps = [app_for(brokered, rate_burst=3, rate_per_s=0.0) for _ in range(2)]
    for app in apps:
        state = app.state.service
        for limiter in (state.limiter, state.login_limiter, state.login_ip_limiter):
            assert isinstance(limiter, RedisRateLimiter)
    tec = bearer(store, "tec")
    with TestClient(apps[0]) as a, TestClient(apps[1]) as b:
        codes = [c.get("/api/me", headers=tec).status_code for c in (a, b, a, b)]
        assert codes == [200, 200, 200, 429]
        limited = a.get("/api/me", headers=tec)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert "Aguarde" in limited.json()["erro"]["mensagem"]
        # per user: another technician still has the whole budget
        assert b.get("/api/me", headers=bearer(store, "adm")).status_code == 200


def test_two_services_share_the_login_limits(brokered: Settings, store: UserStore) -> None:
    per_name = dict(login_burst=2, login_per_s=0.0)
    with (
        TestClient(app_for(brokered, **per_name)) as a,
        TestClient(app_for(brokered, **per_name)) as b,
    ):
        assert [_post_login(c, "ana", "errada-errada") for c in (a, b, a)] == [401, 401, 429]
    per_address = dict(login_ip_burst=3, login_ip_per_s=0.0)
    with (
        TestClient(app_for(brokered, **per_address)) as a,
        TestClient(app_for(brokered, **per_address)) as b,
    ):
        # successes cost the address nothing, on either service
        assert _post_login(a, "tec", PASSWORDS["tec"]) == 303
        assert _post_login(b, "adm", PASSWORDS["adm"]) == 303
        codes = [_post_login(c, f"chute{i}", "errada-errada") for i, c in enumerate((a, b) * 3)]
        assert codes == [401, 401, 401, 429, 429, 429]


def test_wait_reads_the_shared_bucket_without_spending(
    brokered: Settings,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    assert brokered.broker_url
    one = RedisRateLimiter(redis.Redis.from_url(brokered.broker_url), 2, 0.5, name="t")
    other = RedisRateLimiter(redis.Redis.from_url(redis_server.url), 2, 0.5, name="t")
    assert other.wait("k") == 0.0  # nothing spent yet
    assert one.take("k") == 0.0 and one.take("k") == 0.0
    waited = other.wait("k")
    assert 0 < waited <= 2.0
    assert other.wait("k") == pytest.approx(waited, abs=0.5), "wait spends nothing"
    other.reset("k")
    assert one.wait("k") == 0.0
