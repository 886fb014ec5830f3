"""Two deployments (or two test runs) on one Redis at different database numbers never hear
each other's events: Pub/Sub channels belong to the server, so the layer's prefix carries the
database number (settings.pubsub_layer_config). One database still reaches every backend."""

from __future__ import annotations

import asyncio
from urllib.parse import urlparse

from django.conf import settings

from chatproject.lib.channel_layer import ResilientPubSubChannelLayer
from chatproject.settings import pubsub_layer_config


def layer_on(database: int) -> ResilientPubSubChannelLayer:
    server = urlparse(settings.REDIS_URL)._replace(path=f"/{database}").geturl()
    return ResilientPubSubChannelLayer(**pubsub_layer_config(server))


async def heard(listener: ResilientPubSubChannelLayer, sender: ResilientPubSubChannelLayer) -> bool:
    channel = await listener.new_channel()
    await listener.group_add("chat-1", channel)
    try:
        await sender.group_send("chat-1", {"type": "event", "text": "balance of alice"})
        try:
            async with asyncio.timeout(1.0):
                return (await listener.receive(channel))["text"] == "balance of alice"
        except TimeoutError:
            return False
    finally:
        await listener.group_discard("chat-1", channel)


async def test_events_stay_within_their_database_number():
    alice_deployment, bob_deployment, alice_other_backend = layer_on(11), layer_on(12), layer_on(11)
    try:
        assert not await heard(bob_deployment, alice_deployment)
        assert await heard(alice_other_backend, alice_deployment)
    finally:
        for layer in (alice_deployment, bob_deployment, alice_other_backend):
            await layer.flush()
