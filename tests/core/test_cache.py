"""A stopped Redis empties the cache; it never answers an error (core.cache)."""

import pytest

from core.cache import ResilientRedisCache


def test_an_unreachable_redis_answers_as_an_empty_cache(closed_redis_url):
    cache = ResilientRedisCache(closed_redis_url, {})

    cache.set("clé", "valeur")
    assert cache.get("clé", "défaut") == "défaut"
    assert cache.add("clé", "valeur") is True, "as Django's DummyCache: the throttles let the action through"
    assert cache.get_or_set("clé", 1) == 1
    assert cache.get_many(["clé"]) == {}
    assert cache.has_key("clé") is False
    assert cache.delete("clé") is False
    with pytest.raises(ValueError):
        cache.incr("clé")


def test_after_a_failure_redis_is_left_alone_for_a_pause_then_tried_again(closed_redis_url, monkeypatch):
    cache = ResilientRedisCache(closed_redis_url, {})
    clock = [1000.0]
    monkeypatch.setattr("core.cache.time.monotonic", lambda: clock[0])
    tries = []
    get_client = cache._cache.get_client
    monkeypatch.setattr(
        cache._cache, "get_client", lambda *args, **kwargs: tries.append(1) or get_client(*args, **kwargs)
    )

    cache.get("a")
    cache.set("b", 1)
    cache.get("c")
    assert len(tries) == 1, "one request's later calls do not wait on a dead server"

    clock[0] += ResilientRedisCache.pause_seconds
    cache.get("a")
    assert len(tries) == 2


def test_the_cache_calls_share_one_redis_client(closed_redis_url):
    """Building a redis-py client costs more than a read: one is kept per connection pool, not built per call."""
    cache = ResilientRedisCache(closed_redis_url, {})

    assert cache._cache.get_client() is cache._cache.get_client()
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=True)
