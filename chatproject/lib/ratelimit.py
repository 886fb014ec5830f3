"""Rate limits on the `limits` library: a moving window per key (every hit of the window is
kept, so the wait told to a refused caller is exact; the library's sliding window counter only
estimates it, and a caller retrying on time could be refused again).

The counters live in Redis (one Lua script per check): several backend processes may serve one
owner, and a counter per process would grant each of them the whole rate. If Redis fails, the
process falls back to its own counters in memory rather than refuse everything (a Limiter
without a Redis URL has only those). docs/benchmarks.md ("Hand-written infrastructure") has
the A/B against the token bucket this replaced.

Every limit of the project takes from here: chats, sign-ins and sign-ups (sessions_app), tool
calls and their cost budgets (mcp_proxy).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

logger = logging.getLogger(__name__)

KEY_PREFIX = "mcp_proxy:rate"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0


class Limiter:
    """Redis first (shared by every backend process); this process's memory while it fails
    (or, with no URL, always)."""

    def __init__(self, redis_url: str) -> None:
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._redis = None
        if redis_url:
            # Short timeouts: a Redis that hangs must not hold the request a second longer.
            storage = RedisStorage(
                redis_url,
                key_prefix=KEY_PREFIX,
                wrap_exceptions=True,
                socket_timeout=1,
                socket_connect_timeout=1,
            )
            self._redis = MovingWindowRateLimiter(storage)

    def take(self, key: str, limit: RateLimitItem, cost: int = 1) -> Decision:
        if self._redis is not None:
            try:
                return _take(self._redis, key, limit, cost)
            except StorageError as exc:
                logger.warning(
                    "rate limit: Redis failed (%s); using this process's counters",
                    type(exc.storage_error).__name__,
                )
        return _take(self._memory, key, limit, cost)


def _take(
    limiter: MovingWindowRateLimiter, key: str, limit: RateLimitItem, cost: int = 1
) -> Decision:
    if limiter.hit(limit, key, cost=cost):
        return Decision(True)
    # A second round trip, only for a refusal: the wait the caller is told.
    reset_at = limiter.get_window_stats(limit, key).reset_time
    return Decision(False, max(0.0, reset_at - time.time()))


@lru_cache(maxsize=4)
def limiter_for(redis_url: str) -> Limiter:
    return Limiter(redis_url)


def per_second(rate: float, burst: int) -> RateLimitItem:
    """`burst` calls per burst/rate seconds; a rate above the burst widens the window's count,
    so the limit is never below `rate` per second."""
    seconds = max(1, round(burst / rate))
    return RateLimitItemPerSecond(max(burst, math.ceil(rate * seconds)), seconds)
