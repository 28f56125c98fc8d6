"""A Redis cache that a stopped Redis does not turn into errors: the site degrades, it does not fail.

Nothing the platform must not lose lives in the cache (contributions, reports and rate limits are in the
database), so while Redis cannot be reached the cache answers as Django's DummyCache does: every read misses,
writes are dropped, `add` succeeds. Pages are then computed afresh; the hourly throttle of moderators' emails
lets each email through rather than none.
"""

import contextvars
import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger(__name__)


# What this request has read from Redis, {(client, key): the stored bytes or None}, while a request is served
# (ReadOncePerRequestMiddleware); None outside a request (tasks, commands).
_request_reads = contextvars.ContextVar("cache_request_reads", default=None)


class OneClientPerPool(RedisCacheClient):
    """Django's Redis client, which builds a redis-py client once per pool and reads a key once per request.

    Django builds a redis-py client for every cache call, and each build fills a table of ≈ 170 response
    callbacks: a tenth of a millisecond, a dozen times a request. A client is safe to share between threads (it
    takes a connection from its pool for each command): one per pool, kept.

    A request asks the same keys several times (the tree's generation and facts, the active communes, the legal
    texts in force: ≈ 19 reads of 7 keys for a contribution POST): within a request, a key is read from Redis
    once, and its bytes unpickled afresh each time (no object is shared between callers). Any write forgets
    what was read, so that a request reads what it wrote.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client

    def get(self, key, default):
        reads = _request_reads.get()
        if reads is None:
            return super().get(key, default)
        if (self, key) not in reads:
            reads[self, key] = self.get_client(key).get(key)
        value = reads[self, key]
        return default if value is None else self._serializer.loads(value)

    def _forget_reads(self):
        reads = _request_reads.get()
        if reads:
            reads.clear()

    def add(self, *args, **kwargs):
        self._forget_reads()
        return super().add(*args, **kwargs)

    def set(self, *args, **kwargs):
        self._forget_reads()
        return super().set(*args, **kwargs)

    def touch(self, *args, **kwargs):
        self._forget_reads()
        return super().touch(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._forget_reads()
        return super().delete(*args, **kwargs)

    def incr(self, *args, **kwargs):
        self._forget_reads()
        return super().incr(*args, **kwargs)

    def set_many(self, *args, **kwargs):
        self._forget_reads()
        return super().set_many(*args, **kwargs)

    def delete_many(self, *args, **kwargs):
        self._forget_reads()
        return super().delete_many(*args, **kwargs)

    def clear(self, *args, **kwargs):
        self._forget_reads()
        return super().clear(*args, **kwargs)


class ReadOncePerRequestMiddleware:
    """While a request is served, a Redis cache key is read once (OneClientPerPool)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_reads.set({})
        try:
            return self.get_response(request)
        finally:
            _request_reads.reset(token)


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, with short timeouts, answering as an empty cache while Redis is unreachable.

    After a failure the process leaves Redis alone for `pause_seconds`, so that a request with several cache
    calls does not wait on a dead server for each of them; the next call after the pause tries again.
    """

    pause_seconds = 5
    default_options = {
        # A Redis on the local network answers in a millisecond; waiting longer only holds the request.
        "socket_connect_timeout": 0.5,
        "socket_timeout": 0.5,
        # One retry at once, not redis-py's ten with back-off (a fifth of a second for each call).
        "retry": Retry(NoBackoff(), 1),
    }

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = OneClientPerPool
        self._options = {**self.default_options, **self._options}
        self._paused_until = 0.0

    def _or_else(self, fallback, call, *args):
        if time.monotonic() < self._paused_until:
            return fallback
        try:
            return call(*args)
        except RedisError as error:
            self._paused_until = time.monotonic() + self.pause_seconds
            logger.warning(
                "Redis cache unreachable (%s): answering as an empty cache for %ss.", error, self.pause_seconds
            )
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or_else(True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._or_else(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or_else(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or_else(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._or_else(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._or_else({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._or_else(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        value = self._or_else(None, super().incr, key, delta, version)
        if value is None:
            raise ValueError(f"Key '{key}' not found: the Redis cache is unreachable.")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or_else([], super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._or_else(None, super().delete_many, keys, version)

    def clear(self):
        return self._or_else(False, super().clear)
