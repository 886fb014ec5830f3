"""channels_redis' Pub/Sub layer, made to survive a Redis restart.

Why the stock ``RedisPubSubChannelLayer`` (channels_redis 4.3) does not: its per-shard receive
task swallows every error ("Unexpected exception in receive task", retry a second later) and a
channel's ``receive()`` only waits on an in-process queue, so no consumer ever learns that
Redis went away. redis-py's PubSub does reconnect and re-subscribe once Redis is back, but
every event published during the outage is gone, and the pages, whose sockets never closed,
never reload the history: a turn in flight never shows its ``turn.complete``
(bench/faults.py --scenarios redis). Publishing meanwhile goes, one call at a time behind the
shard's lock, through a full connect attempt each.

Here a lost pub/sub connection is handled the way the core layer's failing BZPOPMIN is: every
``receive()`` of this process raises ``ChannelLayerUnavailable`` (each consumer ends, daphne
closes its socket, the page reconnects and gets ``session.state`` with the full history from
the database), the layer forgets its subscriptions, and until Redis answers a PING again
subscribing fails at once and publishing raises as soon as its connection is refused. After
that everything subscribes afresh.

It builds on channels_redis' internals (its loop layer and shard classes, their private
methods and attributes): channels-redis is pinned in requirements.txt, and
tests/faults/test_channel_layer_private_names_are_pinned.py names each one an upgrade changes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _close_redis, _wrap_close, create_pool, decode_hosts
from redis import asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

PROBE_INTERVAL = 0.2  # seconds between PINGs while Redis is away
CLOSE_TIMEOUT = 2.0  # seconds to close the dead connections; they may not answer
# How long one read waits for a message before the receive loop goes round again. A message
# ends the wait at once; only an idle process notices: upstream's 0.1 s cost a backend with 100
# idle sockets 3 of its 4 ms of CPU per second (bench/idle_sockets.py, docs/benchmarks.md).
# A lost connection ends the wait at once too. redis-py's own PubSub.run() waits 1 s.
RECEIVE_POLL_SECONDS = 1.0


class ChannelLayerUnavailable(RedisConnectionError):
    """Redis is unreachable: the message was not sent, the subscription not made, or this
    channel lost its subscription (a redis ConnectionError, so callers catching those of the
    core layer catch it too)."""


# Put in a channel's queue when its subscription died; receive() turns it into the error.
_CONNECTION_LOST = object()
_LOST_MESSAGE = "the Redis channel layer lost its connection; reconnect to catch up"


class ResilientPubSubChannelLayer(RedisPubSubChannelLayer):
    def _get_layer(self) -> RedisPubSubLoopLayer:
        # As upstream, with this module's loop layer: one per event loop.
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = _LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            self._layers[loop] = layer
            _wrap_close(self, loop)
        return layer

    def deserialize(self, message: Any) -> Any:
        if message is _CONNECTION_LOST:
            raise ChannelLayerUnavailable(_LOST_MESSAGE)
        return super().deserialize(message)


class _LoopLayer(RedisPubSubLoopLayer):
    def __init__(self, hosts: Any = None, **kwargs: Any) -> None:
        super().__init__(hosts, **kwargs)
        self._shards = [_Shard(host, self) for host in decode_hosts(hosts)]

    async def _subscribe_to_channel(self, channel: str) -> None:
        try:
            await super()._subscribe_to_channel(channel)
        except RedisConnectionError:
            self.channels.pop(channel, None)  # upstream leaves the queue behind
            raise

    async def group_add(self, group: str, channel: str) -> None:
        try:
            await super().group_add(group, channel)
        except RedisConnectionError:
            # Upstream records the membership before subscribing: undo it, or the group
            # would look subscribed to later group_adds and never be.
            group_channel = self._get_group_channel_name(group)
            self.groups.get(group_channel, set()).discard(channel)
            if not self.groups.get(group_channel, True):
                del self.groups[group_channel]
            raise

    def connection_lost(self, shard: _Shard) -> None:
        """Fail every channel that heard through ``shard``, and forget its subscriptions."""
        lost_groups = {g for g in self.groups if self._get_shard(g) is shard}
        doomed = {c for c in self.channels if self._get_shard(c) is shard}
        for group in lost_groups:
            doomed |= self.groups.pop(group)
        for members in self.groups.values():
            members -= doomed
        for channel in doomed:
            queue = self.channels.pop(channel, None)
            if queue is not None:
                queue.put_nowait(_CONNECTION_LOST)


class _Shard(RedisSingleShardConnection):
    channel_layer: _LoopLayer
    _redis: aioredis.Redis | None
    _pubsub: Any
    _subscribed_to: set[str]

    def __init__(self, host: dict[str, Any], channel_layer: _LoopLayer) -> None:
        super().__init__(host, channel_layer)
        self._down = False
        self._publisher: aioredis.Redis | None = None

    def _check_up(self) -> None:
        if self._down:
            raise ChannelLayerUnavailable("Redis is unreachable (channel layer)")

    async def publish(self, channel: str, message: bytes) -> None:
        # Tried even while this shard thinks Redis is away (a refused connection fails at
        # once): another process may already be back and have let a page reconnect, whose
        # events must not be dropped here while the PING probe has not caught up yet.
        # Upstream publishes under the shard's lock, one round trip at a time for the whole
        # process, queued behind subscriptions too; publishing needs none of the subscription
        # state, so it goes through a connection of its own.
        if self._publisher is None:
            # One connection, not a pool: redis-py's pool costs more per command (its lock,
            # a readiness check, its metrics) than the PUBLISH round trip (docs/benchmarks.md).
            self._publisher = aioredis.Redis(
                connection_pool=create_pool(self.host), single_connection_client=True
            )
        try:
            await self._publisher.publish(channel, message)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise ChannelLayerUnavailable(f"Redis is unreachable: {exc}") from exc

    async def flush(self) -> None:
        await super().flush()
        publisher, self._publisher = self._publisher, None
        await _close_quietly(publisher, None)

    async def subscribe(self, channel: str) -> None:
        self._check_up()  # a consumer refused now reconnects a moment later
        try:
            await super().subscribe(channel)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise ChannelLayerUnavailable(f"Redis is unreachable: {exc}") from exc

    async def unsubscribe(self, channel: str) -> None:
        # A consumer leaving during an outage must not fail: the lost connection has dropped
        # the subscription on the server already.
        try:
            if not self._down:
                await super().unsubscribe(channel)
        except (RedisConnectionError, RedisTimeoutError):
            log.info("unsubscribe skipped: Redis unreachable")
        self._subscribed_to.discard(channel)

    async def _do_receiving(self) -> None:
        while True:
            try:
                if self._pubsub is not None and self._pubsub.subscribed:
                    message = await self._pubsub.get_message(
                        ignore_subscribe_messages=True, timeout=RECEIVE_POLL_SECONDS
                    )
                    self._receive_message(message)
                else:
                    await asyncio.sleep(0.1)
            except (RedisConnectionError, RedisTimeoutError, OSError):
                await self._recover()
            except Exception:
                log.exception("unexpected error in the Pub/Sub receive task")
                await asyncio.sleep(1)

    async def _recover(self) -> None:
        """Drop every subscription of this shard, then wait until Redis answers again."""
        async with self._lock:
            log.warning("Redis connection lost: closing this process's channel-layer channels")
            self._down = True
            dead = (self._redis, self._pubsub)
            self._redis = self._pubsub = None
            self._subscribed_to = set()
            self.channel_layer.connection_lost(self)
        await _close_quietly(*dead)
        await self._wait_for_redis()
        self._down = False
        log.warning("Redis is reachable again: the channel layer accepts subscriptions")

    async def _wait_for_redis(self) -> None:
        probe = aioredis.Redis(connection_pool=create_pool(self.host))
        try:
            while True:
                try:
                    await probe.ping()
                    return
                except (RedisConnectionError, RedisTimeoutError, OSError):
                    await asyncio.sleep(PROBE_INTERVAL)
        finally:
            await _close_quietly(probe, None)


async def _close_quietly(redis: aioredis.Redis | None, pubsub: Any) -> None:
    """Close connections to a server that may be gone; never wait long, never raise."""
    try:
        async with asyncio.timeout(CLOSE_TIMEOUT):
            if pubsub is not None:
                await pubsub.aclose()
            if redis is not None:
                await _close_redis(redis)
    except Exception:
        log.debug("closing a dead Redis connection failed", exc_info=True)
