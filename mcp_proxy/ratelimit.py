"""Per-chat-session token bucket: PROXY_RATE_LIMIT calls per second, bursts of PROXY_RATE_BURST.
(PROXY_RATE_LIMIT=0 turns it off.)

With REDIS_URL set the bucket lives in Redis (one atomic Lua script per call): several
backend processes may serve one chat session, and a bucket per process would grant each
of them the whole rate. Without Redis (the embedded one-process setup) the bucket is kept
in memory. If Redis fails, the process falls back to its own bucket rather than refuse calls.
Time comes from an injectable clock, so tests control it instead of sleeping.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import redis
from django.conf import settings

from mcp_proxy.errors import ProxyError

logger = logging.getLogger(__name__)

EPSILON = 1e-9  # a refill of exactly one token must count as one, float rounding aside

# KEYS[1]: the bucket; ARGV: rate, burst, now (seconds). Returns {allowed, seconds to wait}.
TOKEN_BUCKET_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed = 0
local wait = 0
if tokens >= 1 - 1e-9 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.max(0, 1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, tostring(wait)}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0


class Bucket(Protocol):
    def take(self, key: str, rate: float, burst: int) -> Decision: ...


class MemoryBucket:
    """One process's buckets; thread-safe (views take tokens from sync_to_async threads)."""

    MAX_KEYS = 10_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: str, rate: float, burst: int) -> Decision:
        now = self._clock()
        with self._lock:
            tokens, at = self._state.get(key, (float(burst), now))
            tokens = min(float(burst), tokens + max(0.0, now - at) * rate)
            if tokens >= 1 - EPSILON:
                self._state[key] = (tokens - 1, now)
                self._forget_full_buckets(now, rate, burst)
                return Decision(True)
            self._state[key] = (tokens, now)
            return Decision(False, max(0.0, 1 - tokens) / rate)

    def _forget_full_buckets(self, now: float, rate: float, burst: int) -> None:
        if len(self._state) > self.MAX_KEYS:
            refill = burst / rate
            self._state = {k: v for k, v in self._state.items() if now - v[1] < refill}


class RedisBucket:
    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock  # wall time: shared by every backend process
        self._redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._script = self._redis.register_script(TOKEN_BUCKET_LUA)

    def take(self, key: str, rate: float, burst: int) -> Decision:
        allowed, wait = self._script(
            keys=[f"mcp_proxy:rate:{key}"], args=[rate, burst, self._clock()]
        )
        return Decision(bool(int(allowed)), float(wait))


class FallbackBucket:
    """Redis first; this process's own bucket while Redis is failing."""

    def __init__(self, primary: Bucket, fallback: Bucket) -> None:
        self._primary = primary
        self._fallback = fallback

    def take(self, key: str, rate: float, burst: int) -> Decision:
        try:
            return self._primary.take(key, rate, burst)
        except redis.RedisError as exc:
            logger.warning(
                "rate limit: Redis failed (%s); using this process's bucket", type(exc).__name__
            )
            return self._fallback.take(key, rate, burst)


@lru_cache(maxsize=4)
def bucket_for(redis_url: str) -> Bucket:
    if redis_url:
        return FallbackBucket(RedisBucket(redis_url), MemoryBucket())
    return MemoryBucket()


def check(chat_session_id: str) -> None:
    """Take one token for the chat session; raise ProxyError rate_limited when there is none."""
    rate, burst = float(settings.PROXY_RATE_LIMIT), int(settings.PROXY_RATE_BURST)
    if rate <= 0:
        return  # PROXY_RATE_LIMIT=0 turns the limit off
    decision = bucket_for(settings.REDIS_URL).take(chat_session_id, rate, burst)
    if not decision.allowed:
        wait = max(1, math.ceil(decision.retry_after))
        message = f"Too many tool calls: this chat session may make {rate:g} per second."
        raise ProxyError("rate_limited", message, retry_after=wait)
