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


async def publish(chat_session_id: int, event: dict[str, Any]) -> None:
    """Stream an event already committed to the database. Redis being away does not stop the
    turn: the sockets that miss the event lost their channel too, were closed, and reload the
    history when they reconnect (tests/faults/test_redis_restart_*.py)."""
    layer = get_channel_layer()
    assert layer is not None, "CHANNEL_LAYERS must be configured"
    message = {"type": EVENT_MESSAGE_TYPE, "event": event}
    try:
        await layer.group_send(events_group(chat_session_id), message)
    except LAYER_DOWN as exc:
        log.warning("event %s not streamed, Redis unreachable: %s", event.get("type"), exc)


async def send_interrupt(chat_session_id: int) -> None:
    layer = get_channel_layer()
    assert layer is not None, "CHANNEL_LAYERS must be configured"
    message = {"type": INTERRUPT_MESSAGE_TYPE, "session": chat_session_id}
    await layer.group_send(control_group(chat_session_id), message)
