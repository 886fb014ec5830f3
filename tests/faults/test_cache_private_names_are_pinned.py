"""chatproject/lib/cache.py replaces RedisCache's private ``_cache`` (Django 5.2) so that
every cache object of a process shares one client and its connection pools. Django is pinned
(requirements.txt); this test fails, naming what changed, when an upgrade reshapes it."""

from __future__ import annotations

import inspect
from importlib.metadata import version
from pathlib import Path

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

from chatproject.lib.cache import SharedPoolRedisCache

PINNED = "5.2.19"
REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"
# RedisCache's methods that reach Redis through ``self._cache``.
READ_THROUGH_CACHE = ["add", "get", "set", "touch", "delete", "get_many", "has_key", "incr",
                      "set_many", "delete_many", "clear"]  # fmt: skip


def test_django_is_pinned_to_the_version_the_cache_was_written_for():
    assert version("django") == PINNED
    assert f"Django=={PINNED}" in REQUIREMENTS.read_text().splitlines()


def test_redis_cache_still_reaches_redis_through_its_private_client():
    assert isinstance(RedisCache.__dict__.get("_cache"), cached_property), (
        "RedisCache._cache is no longer a cached_property: SharedPoolRedisCache overrides it"
    )
    bypassing = [
        name for name in READ_THROUGH_CACHE if "self._cache." not in inspect.getsource(
            getattr(RedisCache, name))
    ]  # fmt: skip
    assert not bypassing, f"RedisCache.{', '.join(bypassing)} no longer go through self._cache"
    parameters = list(inspect.signature(RedisCacheClient).parameters)
    assert parameters[0] == "servers" and parameters[-1] == "options", (
        f"RedisCacheClient takes {parameters}, not (servers, ..., **options)"
    )


def test_every_cache_object_of_the_process_shares_one_client():
    params = {"OPTIONS": {}}
    first = SharedPoolRedisCache("redis://127.0.0.1:1/0", params)
    second = SharedPoolRedisCache("redis://127.0.0.1:1/0", params)
    assert isinstance(first._cache, RedisCacheClient)
    assert first._cache is second._cache
