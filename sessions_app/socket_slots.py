"""How many chat sockets and event streams each owner and each client address holds open.

Each open socket (or SSE stream) holds a slot under its owner's key and its address's key
(limits.owner_keys): at most MAX_SOCKETS_PER_OWNER per owner, that times LIMIT_ADDRESS_FACTOR
per address. Without a cap one browser held thousands of sockets, each a task, a channel-layer
subscription and an idle watch of its backend (issue 27, finding 10).

The slots are a sorted set per key in Redis (member: the socket's channel name, score: when
the slot lapses), so every backend process counts the same sockets. A socket renews its slot
every HEARTBEAT_SECONDS and gives it back on disconnect; the slot of a socket whose process
died lapses after SLOT_TTL_SECONDS, so the count heals itself. While Redis fails, this
process's memory counts (as chatproject/lib/ratelimit.py does).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

import redis
from django.conf import settings

log = logging.getLogger(__name__)

SLOT_TTL_SECONDS = 90
HEARTBEAT_SECONDS = 30.0
KEY_PREFIX = "evmchat:sockets:"

# KEYS: one sorted set per owner/address key. ARGV: now, lapse time, member, ttl, then a cap
# per key. Returns 0 when the member now holds a slot in every key, else the 1-based index of
# the first full key. One script: two sockets connecting at once cannot both take the last slot.
ACQUIRE = """
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  local held = redis.call('ZSCORE', key, ARGV[3])
  if not held and redis.call('ZCARD', key) >= tonumber(ARGV[4 + i]) then
    return i
  end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[2], ARGV[3])
  redis.call('EXPIRE', key, ARGV[4])
end
return 0
"""


@dataclass(frozen=True)
class Refused:
    """The key that was full (an owner's or an address's) and its cap."""

    key: str
    cap: int

    @property
    def message(self) -> str:
        who = "this network address" if self.key.startswith("addr:") else "this browser or account"
        return (
            f"Too many open chat tabs: {self.cap} at most at once from {who}. "
            "Close some tabs, then reload this one."
        )


def caps(keys: list[str]) -> list[int]:
    per_owner = int(settings.MAX_SOCKETS_PER_OWNER)
    factor = int(settings.LIMIT_ADDRESS_FACTOR)
    return [per_owner * factor if key.startswith("addr:") else per_owner for key in keys]


def acquire(keys: list[str], member: str) -> Refused | None:
    """Take a slot for ``member`` under every key, or none and say which key was full."""
    if int(settings.MAX_SOCKETS_PER_OWNER) <= 0 or not keys:
        return None  # 0 turns the cap off
    limits = caps(keys)
    full = _registry().acquire(keys, member, limits)
    return None if full is None else Refused(keys[full], limits[full])


def renew(keys: list[str], member: str) -> None:
    if keys:
        _registry().renew(keys, member)


def release(keys: list[str], member: str) -> None:
    if keys:
        _registry().release(keys, member)


class MemorySlots:
    """This process's slots (while Redis fails): key -> member -> when it lapses."""

    def __init__(self) -> None:
        self._slots: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, keys: list[str], member: str, limits: list[int]) -> int | None:
        now = time.time()
        with self._lock:
            for index, (key, cap) in enumerate(zip(keys, limits, strict=True)):
                held = self._live(key, now)
                if member not in held and len(held) >= cap:
                    return index
            for key in keys:
                self._slots.setdefault(key, {})[member] = now + SLOT_TTL_SECONDS
        return None

    def _live(self, key: str, now: float) -> dict[str, float]:
        held = self._slots.get(key, {})
        for member in [m for m, lapses in held.items() if lapses <= now]:
            del held[member]
        return held

    def renew(self, keys: list[str], member: str) -> None:
        with self._lock:
            for key in keys:
                if member in self._slots.get(key, {}):
                    self._slots[key][member] = time.time() + SLOT_TTL_SECONDS

    def release(self, keys: list[str], member: str) -> None:
        with self._lock:
            for key in keys:
                held = self._slots.get(key, {})
                held.pop(member, None)
                if not held:
                    self._slots.pop(key, None)


class RedisSlots:
    """Slots in Redis, shared by every backend process; this process's memory while it fails."""

    def __init__(self, url: str) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._acquire = self._client.register_script(ACQUIRE)
        self._memory = MemorySlots()

    def acquire(self, keys: list[str], member: str, limits: list[int]) -> int | None:
        now = time.time()
        args: list[str | float] = [now, now + SLOT_TTL_SECONDS, member, SLOT_TTL_SECONDS]
        args += limits
        try:
            full = int(self._acquire(keys=[KEY_PREFIX + key for key in keys], args=args))
        except redis.RedisError as exc:
            log.warning("socket slots: Redis failed (%s); counting here", type(exc).__name__)
            return self._memory.acquire(keys, member, limits)
        return None if full == 0 else full - 1

    def renew(self, keys: list[str], member: str) -> None:
        lapses = time.time() + SLOT_TTL_SECONDS
        self._memory.renew(keys, member)
        try:
            pipe = self._client.pipeline(transaction=False)
            for key in keys:
                pipe.zadd(KEY_PREFIX + key, {member: lapses}, xx=True)
                pipe.expire(KEY_PREFIX + key, SLOT_TTL_SECONDS)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("socket slots: Redis failed to renew (%s)", type(exc).__name__)

    def release(self, keys: list[str], member: str) -> None:
        self._memory.release(keys, member)
        try:
            pipe = self._client.pipeline(transaction=False)
            for key in keys:
                pipe.zrem(KEY_PREFIX + key, member)
            pipe.execute()
        except redis.RedisError as exc:
            # The slot lapses by itself after SLOT_TTL_SECONDS.
            log.warning("socket slots: Redis failed to release (%s)", type(exc).__name__)


def _registry() -> RedisSlots:
    return _registry_for(settings.REDIS_URL)


@lru_cache(maxsize=4)
def _registry_for(redis_url: str) -> RedisSlots:
    return RedisSlots(redis_url)
