"""Django's Redis cache, with one Redis client per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` object for
every cache operation (the pool, and so the connections, are shared; the client
object is not). Building one sets up its table of response callbacks: about a
tenth of a millisecond of CPU each time, on every ``get``, ``set`` and ``incr``,
which on a cached page or a rate-limited write is a visible share of the request
(docs/benchmarks.md). A ``redis.Redis`` client is safe to share between threads
(each command takes a connection from the pool), so this backend keeps one per
pool. Selected by the settings when ``CACHE_URL`` is a ``redis://`` URL."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
