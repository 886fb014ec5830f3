"""Every event of a chat session goes through its channel-layer group.

Each socket and SSE stream of the session joins ``events_group``; the process running the turn
joins ``control_group`` to hear interrupts sent from any process.
"""

from __future__ import annotations

from typing import Any

from channels.layers import get_channel_layer

EVENT_MESSAGE_TYPE = "chat.event"
INTERRUPT_MESSAGE_TYPE = "turn.interrupt"


def events_group(chat_session_id: int) -> str:
    return f"chat.{chat_session_id}"


def control_group(chat_session_id: int) -> str:
    return f"chat.{chat_session_id}.control"


async def publish(chat_session_id: int, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    assert layer is not None, "CHANNEL_LAYERS must be configured"
    await layer.group_send(
        events_group(chat_session_id), {"type": EVENT_MESSAGE_TYPE, "event": event}
    )


async def send_interrupt(chat_session_id: int) -> None:
    layer = get_channel_layer()
    assert layer is not None, "CHANNEL_LAYERS must be configured"
    message = {"type": INTERRUPT_MESSAGE_TYPE, "session": chat_session_id}
    await layer.group_send(control_group(chat_session_id), message)
