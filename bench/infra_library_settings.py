"""The backend's settings with Django's own RedisCache in place of
chatproject.lib.cache.SharedPoolRedisCache: the library arm of
``bench/bench_infra.py --piece cache``."""

from chatproject.settings import *  # noqa: F403
from chatproject.settings import CACHES

CACHES["default"]["BACKEND"] = "django.core.cache.backends.redis.RedisCache"
