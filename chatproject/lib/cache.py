"""Django's Redis cache with one connection pool per process.

Django keeps a cache object per async context, so under ASGI every request (and every
websocket) builds its own RedisCache and, with it, a new connection pool: each cache read
opened a TCP connection and a RESP3 handshake, and dropped it when the request's objects were
collected (bench/bench_infra.py --piece cache: about 4,700 new Redis connections for some
4,500 requests under daphne, against 110-200 with this class). The client and its pools only
depend on the configuration, so every cache object of the process shares one. It replaces
RedisCache's private ``_cache``: Django is pinned, and
tests/faults/test_cache_private_names_are_pinned.py fails when that changes.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_clients: dict[str, RedisCacheClient] = {}
_lock = threading.Lock()


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        options = params.get("OPTIONS", {})
        self._config_key = json.dumps([server, options], sort_keys=True, default=str)
        self._client_servers = re.split("[;,]", server) if isinstance(server, str) else server
        self._client_options = options

    @property
    def _cache(self) -> RedisCacheClient:
        client = _clients.get(self._config_key)
        if client is None:
            with _lock:
                client = _clients.get(self._config_key)
                if client is None:
                    client = RedisCacheClient(self._client_servers, **self._client_options)
                    _clients[self._config_key] = client
        return client
