"""Interrupts reach the process running a turn, whichever process received them.

Each process (per event loop) has one channel-layer channel and one reader task while it drains
turns. While the process drains a session's turns, that channel is in the session's control
group; an interrupt sent to the group (from any process) sets the session's asyncio.Event here.
The reader stops when no session is being drained.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from channels.layers import get_channel_layer

from sessions_app.broadcast import INTERRUPT_MESSAGE_TYPE, control_group


@dataclass
class _Listener:
    loop: asyncio.AbstractEventLoop
    layer: Any
    channel: str
    flags: dict[int, asyncio.Event] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        try:
            while True:
                message = await self.layer.receive(self.channel)
                if message.get("type") != INTERRUPT_MESSAGE_TYPE:
                    continue
                flag = self.flags.get(message.get("session", -1))
                if flag is not None:
                    flag.set()
        except Exception:  # a Redis failure (or a cancel it turned into a timeout)
            log.warning("the interrupt reader stopped; the next turn starts a new one")
            if _listeners.get(id(self.loop)) is self:
                _listeners.pop(id(self.loop), None)


log = logging.getLogger(__name__)

_listeners: dict[int, _Listener] = {}
_stopping: set[asyncio.Task[None]] = set()  # readers cancelled, not yet finished


async def _listener() -> _Listener:
    loop = asyncio.get_running_loop()
    current = _listeners.get(id(loop))
    if current is not None and current.loop is loop and current.task and not current.task.done():
        return current
    layer = get_channel_layer()
    assert layer is not None, "CHANNEL_LAYERS must be configured"
    listener = _Listener(loop, layer, await layer.new_channel())
    listener.task = loop.create_task(listener.run())
    _listeners[id(loop)] = listener
    return listener


async def watch(chat_session_id: int) -> asyncio.Event:
    """Start hearing interrupts for this session; the returned flag is set by one."""
    listener = await _listener()
    flag = listener.flags.setdefault(chat_session_id, asyncio.Event())
    await listener.layer.group_add(control_group(chat_session_id), listener.channel)
    return flag


async def unwatch(chat_session_id: int) -> None:
    listener = await _listener()
    listener.flags.pop(chat_session_id, None)
    await listener.layer.group_discard(control_group(chat_session_id), listener.channel)
    if not listener.flags and listener.task is not None:
        # Idle: stop reading. A pending receive() holds the layer's loop-bound receive lock,
        # which must not outlive this loop (each test, each async_to_sync call has its own).
        listener.task.cancel()
        _stopping.add(listener.task)
        listener.task.add_done_callback(_stopping.discard)
        _listeners.pop(id(listener.loop), None)


async def settle(timeout: float = 10) -> None:
    """Wait until this loop's stopped reader has really ended (its receive() released the
    layer's loop-bound lock): for code that closes the loop right after, like tests."""
    loop = asyncio.get_running_loop()
    listener = _listeners.get(id(loop))
    tasks = [listener.task] if listener is not None and listener.task is not None else []
    tasks = [task for task in [*tasks, *_stopping] if task.get_loop() is loop and not task.done()]
    if tasks:
        await asyncio.wait(tasks, timeout=timeout)
