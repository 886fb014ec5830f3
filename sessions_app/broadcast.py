"""Every event of a chat session goes through its channel-layer group.

Each socket and SSE stream of the session joins ``events_group``; the process running the turn
joins ``control_group`` to hear interrupts sent from any process.
"""

from __future__ import annotations

import logging
from typing import Any

from channels.layers import get_channel_layer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

# What either Redis layer raises while Redis is unreachable (the Pub/Sub layer's
# ChannelLayerUnavailable is a ConnectionError).
LAYER_DOWN = (RedisConnectionError, RedisTimeoutError)

EVENT_MESSAGE_TYPE = "chat.event"
INTERRUPT_MESSAGE_TYPE = "turn.interrupt"


def events_group(chat_session_id: int) -> str:
    return f"chat.{chat_session_id}"


def control_group(chat_session_id: int) -> str:
    return f"chat.{chat_session_id}.control"


async def publish(chat_session_id: int, *events: dict[str, Any]) -> None:
    """Stream events already committed to the database, in order. Events that are ready
    together go as one channel-layer message (each is still its own frame to the browser):
    every message costs a Redis round trip here and a receive and a dispatch on each backend
    that holds a socket of the session. Redis being away does not stop the turn: the sockets
    that miss the events lost their channel too, were closed, and reload the history when they
    reconnect (tests/faults/test_redis_restart_*.py)."""
    layer = get_channel_layer()
    assert layer is not None, "CHANNEL_LAYERS must be configured"
    message = {"type": EVENT_MESSAGE_TYPE, "events": list(events)}
    try:
        await layer.group_send(events_group(chat_session_id), message)
    except LAYER_DOWN as exc:
        kinds = ", ".join(str(event.get("type")) for event in events)
        log.warning("events %s not streamed, Redis unreachable: %s", kinds, exc)


async def send_interrupt(chat_session_id: int) -> None:
    layer = get_channel_layer()
    assert layer is not None, "CHANNEL_LAYERS must be configured"
    message = {"type": INTERRUPT_MESSAGE_TYPE, "session": chat_session_id}
    await layer.group_send(control_group(chat_session_id), message)
