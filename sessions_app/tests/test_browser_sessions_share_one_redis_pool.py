"""Browser sessions are read from Redis through one connection pool per process, not one per
request: Django keeps a cache object per async context, and every ASGI request has its own."""

from __future__ import annotations

import contextvars

import pytest
import redis
from django.contrib.sessions.backends.cached_db import SessionStore


def _connections_received(url: str) -> int:
    return int(redis.Redis.from_url(url).info("stats")["total_connections_received"])


@pytest.mark.django_db
def test_fifty_requests_load_their_session_over_a_shared_pool(settings):
    assert settings.REDIS_URL, "the tests run against Redis (REDIS_URL)"
    assert settings.CACHES["default"]["BACKEND"] == "chatproject.lib.cache.SharedPoolRedisCache"
    store = SessionStore()
    store["seen"] = True
    store.create()
    before = _connections_received(settings.REDIS_URL)
    for _ in range(50):  # each in a fresh context, as each ASGI request runs
        loaded = contextvars.Context().run(lambda: SessionStore(store.session_key).load())
        assert loaded["seen"] is True
    assert _connections_received(settings.REDIS_URL) - before <= 2
