"""Browser sessions are read from Redis through one connection pool per process, not one per
request: Django keeps a cache object per async context, and every ASGI request has its own."""

from __future__ import annotations

import contextvars

import pytest
import redis
from django.contrib.sessions.backends.cached_db import SessionStore


def count_connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The Redis connections this process makes from now on (a pool makes one when none of
    its own is free). The server's count, total_connections_received, would take in every
    other client of the server too: the other test worker, the backends it starts."""
    made: list[object] = []
    make = redis.connection.AbstractConnection.__init__

    def counted(connection: redis.connection.AbstractConnection, *args, **kwargs) -> None:
        made.append(connection)
        make(connection, *args, **kwargs)

    monkeypatch.setattr(redis.connection.AbstractConnection, "__init__", counted)
    return made


@pytest.mark.django_db
def test_fifty_requests_load_their_session_over_a_shared_pool(settings, monkeypatch):
    assert settings.REDIS_URL, "the tests run against Redis (REDIS_URL)"
    assert settings.CACHES["default"]["BACKEND"] == "chatproject.lib.cache.SharedPoolRedisCache"
    store = SessionStore()
    store["seen"] = True
    store.create()
    opened = count_connections(monkeypatch)
    for _ in range(50):  # each in a fresh context, as each ASGI request runs
        loaded = contextvars.Context().run(lambda: SessionStore(store.session_key).load())
        assert loaded["seen"] is True
    assert len(opened) <= 2
