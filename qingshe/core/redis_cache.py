"""Django's Redis cache, with one client object per connection pool instead of one per command.

Django's RedisCacheClient.get_client() builds a new redis.Redis for every cache call, and each
one fills a table of about 170 response callbacks: on a kept page (qingshe.core.page_cache:
two cache calls) that was a fifth of the request's CPU. A redis.Redis over a pool is safe to
share, and Django already gives each thread its own cache object (django.core.cache.caches), so
reusing it changes nothing else. After a fork (gunicorn --preload) redis-py's pool notices the
new process id and opens its own connections.

settings.CACHES swaps Django's backend for this one whenever CACHE_URL names Redis
(reusing_redis_client).
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

DJANGO_BACKEND = "django.core.cache.backends.redis.RedisCache"
BACKEND = "qingshe.core.redis_cache.ReusingRedisCache"


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def validate_key(self, key: str) -> None:
        """Django checks every key, character by character, for what memcached would refuse
        (length, spaces, control characters) and only warns; Redis takes any key. Skipped: on a
        kept page's one get_many of ~15 keys it was a tenth of the cache call."""


def reusing_redis_client(config: dict[str, Any]) -> dict[str, Any]:
    """A cache's settings with Django's Redis backend replaced by this one; others unchanged."""
    if config.get("BACKEND") == DJANGO_BACKEND:
        return {**config, "BACKEND": BACKEND}
    return config
