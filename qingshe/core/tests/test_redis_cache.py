"""The Redis cache backend that keeps one client per pool (qingshe.core.redis_cache): it is the
one settings choose for a redis:// CACHE_URL, and it stores, reads, adds and deletes as Django's."""

from __future__ import annotations

import os
import socket

import pytest

from qingshe.core.redis_cache import (
    BACKEND,
    DJANGO_BACKEND,
    ReusingRedisCache,
    reusing_redis_client,
)

REDIS = ("127.0.0.1", 6379)


def _redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def redis_cache() -> ReusingRedisCache:
    if not _redis_answers():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis at 127.0.0.1:6379 does not answer (CI machines have it)")
        pytest.skip("no Redis at 127.0.0.1:6379")
    cache = ReusingRedisCache(
        f"redis://{REDIS[0]}:{REDIS[1]}/0", {"KEY_PREFIX": f"qstest{os.getpid()}"}
    )
    yield cache
    cache.delete_many(["a", "b", "c"])


def test_a_redis_cache_url_gets_the_reusing_backend_and_others_stay() -> None:
    import environ

    redis = environ.Env.cache_url_config("redis://127.0.0.1:6379/0")
    assert redis["BACKEND"] == DJANGO_BACKEND
    assert reusing_redis_client(redis) == {**redis, "BACKEND": BACKEND}
    local = environ.Env.cache_url_config("locmemcache://qingshe")
    assert reusing_redis_client(local) == local


def test_it_stores_reads_adds_and_deletes_like_djangos(redis_cache: ReusingRedisCache) -> None:
    redis_cache.set("a", {"x": 1}, timeout=30)
    assert redis_cache.get("a") == {"x": 1}
    assert redis_cache.add("a", "other") is False
    assert redis_cache.add("b", 2) is True
    assert redis_cache.get_many(["a", "b", "c"]) == {"a": {"x": 1}, "b": 2}
    redis_cache.delete("a")
    assert redis_cache.get("a") is None


def test_one_client_serves_every_command(redis_cache: ReusingRedisCache) -> None:
    client = redis_cache._cache
    redis_cache.set("a", 1)
    first = client.get_client("a", write=True)
    redis_cache.get("a")
    assert client.get_client("a", write=True) is first
    assert client.get_client("a") is client.get_client("b")


def test_keys_memcached_would_refuse_are_fine_in_redis(redis_cache: ReusingRedisCache) -> None:
    import warnings

    key = "a key with spaces and " + "x" * 300  # over memcached's 250 characters
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Django's check would warn (CacheKeyWarning)
        redis_cache.set(key, 1)
        assert redis_cache.get(key) == 1
        redis_cache.delete(key)
