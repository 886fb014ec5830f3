"""Rate limits on the `limits` library: a moving window per key (every hit of the window is
kept, so the wait told to a refused caller is exact; the library's sliding window counter only
estimates it, and a caller retrying on time could be refused again).

The per-chat-session limit of the proxy is PROXY_RATE_LIMIT calls per second with bursts of
PROXY_RATE_BURST, that is PROXY_RATE_BURST calls per PROXY_RATE_BURST / PROXY_RATE_LIMIT
seconds (whole seconds, the library's unit). PROXY_RATE_LIMIT=0 turns it off.

With REDIS_URL set the counters live in Redis (one Lua script per check): several backend
processes may serve one chat session, and a counter per process would grant each of them the
whole rate. Without Redis (the embedded one-process setup) they are kept in memory. If Redis
fails, the process falls back to its own counters rather than refuse calls. docs/benchmarks.md
("Hand-written infrastructure") has the A/B against the token bucket this replaced.

Costly tools (logs over many blocks, big portfolios, ENS fan-out: mcp_proxy/costs.py) also draw
their cost from a budget of TOOL_COST_PER_MINUTE units per owner, and LIMIT_ADDRESS_FACTOR times
that per client address (``charge``): one visitor cannot spend the operator's paid RPC.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

from mcp_proxy.errors import ProxyError

logger = logging.getLogger(__name__)

KEY_PREFIX = "mcp_proxy:rate"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0


class Limiter:
    """Redis first (shared by every backend process); this process's memory without Redis
    or while it fails."""

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


def check(chat_session_id: str) -> None:
    """Count one call of the chat session; raise ProxyError rate_limited past its limit."""
    rate, burst = float(settings.PROXY_RATE_LIMIT), int(settings.PROXY_RATE_BURST)
    if rate <= 0:
        return  # PROXY_RATE_LIMIT=0 turns the limit off
    decision = limiter_for(settings.REDIS_URL).take(chat_session_id, per_second(rate, burst))
    if not decision.allowed:
        wait = max(1, math.ceil(decision.retry_after))
        message = f"Too many tool calls: this chat session may make {rate:g} per second."
        raise ProxyError("rate_limited", message, retry_after=wait)


def charge(owner_key: str, address_key: str, cost: int) -> None:
    """Draw ``cost`` units from the owner's budget and the client address's; raise ProxyError
    rate_limited (429) when one is spent, invalid_params when one call costs more than the
    whole budget. Keys are hashes (the caller's): no owner id reaches Redis."""
    per_minute = int(settings.TOOL_COST_PER_MINUTE)
    if per_minute <= 0 or cost <= 0:
        return  # TOOL_COST_PER_MINUTE=0 turns the budgets off; cheap calls cost nothing
    if cost > per_minute:
        message = (
            "This call would cost more than a minute's budget of costly tool calls allows: "
            "narrow the block range or ask for fewer tokens or names."
        )
        raise ProxyError("invalid_params", message)
    budgets = [(f"cost:owner:{owner_key}", per_minute)] if owner_key else []
    if address_key:
        budgets.append((f"cost:addr:{address_key}", per_minute * settings.LIMIT_ADDRESS_FACTOR))
    for key, units in budgets:
        decision = limiter_for(settings.REDIS_URL).take(key, RateLimitItemPerMinute(units), cost)
        if not decision.allowed:
            wait = max(1, math.ceil(decision.retry_after))
            message = (
                "Too many costly tool calls (long block ranges, big portfolios, ENS names): "
                f"this minute's budget is spent. Try again in {wait} s."
            )
            raise ProxyError("rate_limited", message, retry_after=wait)
