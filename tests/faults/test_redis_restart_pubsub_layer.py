"""The Pub/Sub channel layer through a Redis restart (its own redis-server, SIGKILLed and
started again on the same port; nothing persisted, so the new server knows no subscription).

A channel that was listening is told at once (``receive()`` raises, so its consumer ends and
the page reconnects, as with the core layer), publishing while Redis is away fails at once
instead of waiting, and once Redis is back a channel joining the group hears a group_send.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from chatproject.lib.channel_layer import ChannelLayerUnavailable, ResilientPubSubChannelLayer
from testsupport.processes import RedisServer, start_redis

GROUP = "chat.restart"


@pytest.fixture
def redis_server():
    server = start_redis()
    yield server
    server.kill()


async def rejoin(layer: ResilientPubSubChannelLayer, deadline: float) -> str:
    """What a reconnecting consumer does: a new channel in the group, retried until Redis is
    back (each attempt fails at once while it is away)."""
    while True:
        try:
            channel = await layer.new_channel()
            await layer.group_add(GROUP, channel)
            return channel
        except ChannelLayerUnavailable:
            assert time.monotonic() < deadline, "the layer did not come back"
            await asyncio.sleep(0.1)


async def test_listeners_are_told_and_the_group_works_again_after_a_restart(
    redis_server: RedisServer,
):
    layer = ResilientPubSubChannelLayer(hosts=[redis_server.url])
    try:
        before = await layer.new_channel()
        await layer.group_add(GROUP, before)
        await layer.group_send(GROUP, {"type": "chat.event", "n": 1})
        assert (await asyncio.wait_for(layer.receive(before), 5))["n"] == 1
        listening = asyncio.ensure_future(layer.receive(before))
        await asyncio.sleep(0.2)

        redis_server.kill()
        with pytest.raises(ChannelLayerUnavailable):
            await asyncio.wait_for(listening, 3)
        started = time.monotonic()
        with pytest.raises(ChannelLayerUnavailable):
            await layer.group_send(GROUP, {"type": "chat.event", "n": 2})
        assert time.monotonic() - started < 1.0

        await asyncio.to_thread(redis_server.restart)
        after = await rejoin(layer, time.monotonic() + 5)
        await layer.group_send(GROUP, {"type": "chat.event", "n": 3})
        assert (await asyncio.wait_for(layer.receive(after), 5))["n"] == 3
    finally:
        await layer.flush()
