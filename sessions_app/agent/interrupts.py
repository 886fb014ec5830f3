"""Interrupts reach the process running a turn, whichever process received them.

Each process (per event loop) has one channel-layer channel and one reader task while it drains
turns. While the process drains a session's turns, that channel is in the session's control
group; an interrupt sent to the group (from any process) sets the session's asyncio.Event here.
The channel stays in a session's group for IDLE_SECONDS after its last turn, so that the next
turn of a conversation subscribes nothing. The reader stops when no session has been drained
for IDLE_SECONDS. When the channel layer
fails (Redis restarted), the reader takes a new channel and joins every watched session's
group again once Redis is back, so turns that outlive the outage can still be interrupted.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from channels.layers import get_channel_layer

from sessions_app.broadcast import INTERRUPT_MESSAGE_TYPE, LAYER_DOWN, control_group

log = logging.getLogger(__name__)

REJOIN_SECONDS = 1.0  # between attempts to rejoin the groups while Redis is away
# An idle reader keeps its channel, and a session's group keeps the channel, this long: every
# turn would otherwise subscribe and unsubscribe again, two Redis round trips on the shard's
# lock per turn (docs/benchmarks.md).
IDLE_SECONDS = 30.0


@dataclass
class _Listener:
    loop: asyncio.AbstractEventLoop
    layer: Any
    channel: str = ""  # set by join(); emptied only by the reader when its receive fails
    flags: dict[int, asyncio.Event] = field(default_factory=dict)
    # Drains of this process watching each session: two overlap when a turn claim is handed
    # over within the process, and the old drain's unwatch must not deafen the new one.
    watchers: Counter[int] = field(default_factory=Counter)
    # Sessions whose control group holds the channel -> when their last drain ended (0: now
    # draining); left IDLE_SECONDS after that.
    joined: dict[int, float] = field(default_factory=dict)
    swept_at: float = 0.0
    task: asyncio.Task[None] | None = None
    joining: asyncio.Lock = field(default_factory=asyncio.Lock)
    idle_stop: asyncio.TimerHandle | None = None

    @property
    def current(self) -> bool:
        return _listeners.get(id(self.loop)) is self

    async def join(self, *sessions: int) -> None:
        """Put the channel in these sessions' control groups (all of them if it is new)."""
        async with self.joining:
            if not self.channel:
                self.channel = await self.layer.new_channel()
                self.joined.clear()
                sessions = tuple(self.flags)
            for chat_session_id in sessions:
                if chat_session_id not in self.joined:
                    await self.layer.group_add(control_group(chat_session_id), self.channel)
                self.joined[chat_session_id] = 0.0

    async def leave_idle(self) -> None:
        """Take the channel out of the groups of sessions idle for IDLE_SECONDS (looked for
        at most once a second)."""
        now = self.loop.time()
        if now - self.swept_at < min(1.0, IDLE_SECONDS):
            return
        self.swept_at = now
        idle = [s for s, ended in self.joined.items() if ended and now - ended >= IDLE_SECONDS]
        await self.leave(idle)

    async def leave(self, sessions: list[int]) -> None:
        for chat_session_id in sessions:
            del self.joined[chat_session_id]
            try:
                if self.channel:
                    await self.layer.group_discard(control_group(chat_session_id), self.channel)
            except LAYER_DOWN:
                log.warning("leaving a control group failed: Redis unreachable")

    async def run(self) -> None:
        while True:
            try:
                if not self.channel:
                    await self.join()
                message = await self.layer.receive(self.channel)
            except Exception:  # a Redis failure (or a cancel the layer turned into an error)
                if not self.current:
                    return
                log.warning("the interrupt reader lost the channel layer; rejoining")
                self.channel = ""
                self.joined.clear()
                await asyncio.sleep(REJOIN_SECONDS)
                continue
            self.deliver(message)

    def cancel_idle_stop(self) -> None:
        """A turn starts, or the reader stops now: the pending idle stop is moot."""
        if self.idle_stop is not None:
            self.idle_stop.cancel()
            self.idle_stop = None

    def deliver(self, message: dict[str, Any]) -> None:
        if message.get("type") == INTERRUPT_MESSAGE_TYPE:
            flag = self.flags.get(message.get("session", -1))
            if flag is not None:
                flag.set()


_listeners: dict[int, _Listener] = {}
_stopping: set[asyncio.Task[None]] = set()  # readers cancelled, not yet finished


def _listener() -> _Listener:
    loop = asyncio.get_running_loop()
    current = _listeners.get(id(loop))
    if current is not None and current.loop is loop and current.task and not current.task.done():
        return current
    layer = get_channel_layer()
    assert layer is not None, "CHANNEL_LAYERS must be configured"
    listener = _Listener(loop, layer)
    if current is not None and current.loop is loop:  # its reader died: keep who watches what
        listener.flags, listener.watchers = current.flags, current.watchers
    listener.task = loop.create_task(listener.run())
    _listeners[id(loop)] = listener
    return listener


async def watch(chat_session_id: int) -> asyncio.Event:
    """Start hearing interrupts for this session; the returned flag is set by one."""
    listener = _listener()
    listener.cancel_idle_stop()
    flag = listener.flags.setdefault(chat_session_id, asyncio.Event())
    listener.watchers[chat_session_id] += 1
    if listener.channel and chat_session_id in listener.joined:
        listener.joined[chat_session_id] = 0.0  # still in the group since its last turn
        return flag
    try:
        await listener.join(chat_session_id)
    except LAYER_DOWN:
        # The turn runs anyway; the reader joins the group once Redis answers again.
        log.warning("interrupts from other processes not heard until Redis is back")
    return flag


async def unwatch(chat_session_id: int) -> None:
    listener = _listeners.get(id(asyncio.get_running_loop()))
    if listener is None:
        return
    listener.watchers[chat_session_id] -= 1
    if listener.watchers[chat_session_id] > 0:
        return  # another drain of this process still watches the session
    del listener.watchers[chat_session_id]
    listener.flags.pop(chat_session_id, None)
    if chat_session_id in listener.joined:
        listener.joined[chat_session_id] = listener.loop.time()
    await listener.leave_idle()
    if not listener.flags:
        # Idle: keep the channel a while (the next turn would subscribe a new one), then stop.
        if IDLE_SECONDS > 0:
            listener.idle_stop = listener.loop.call_later(IDLE_SECONDS, _stop_if_idle, listener)
        else:
            await _stop(listener)


def _stop_if_idle(listener: _Listener) -> None:
    if not listener.flags:
        task = listener.loop.create_task(_stop(listener))
        _stopping.add(task)
        task.add_done_callback(_stopping.discard)


async def _stop(listener: _Listener) -> None:
    # Idle: leave every group, stop reading. A pending receive() holds the layer's loop-bound
    # receive lock, which must not outlive this loop (each test, each async_to_sync call has
    # its own).
    if listener.flags:
        return  # a turn started meanwhile (the idle stop runs as a task of its own)
    listener.cancel_idle_stop()
    if _listeners.get(id(listener.loop)) is listener:
        del _listeners[id(listener.loop)]
    await listener.leave(list(listener.joined))
    if listener.task is not None:
        listener.task.cancel()
        _stopping.add(listener.task)
        listener.task.add_done_callback(_stopping.discard)


async def settle(timeout: float = 10) -> None:
    """Wait until this loop's stopped reader has really ended (its receive() released the
    layer's loop-bound lock): for code that closes the loop right after, like tests."""
    loop = asyncio.get_running_loop()
    listener = _listeners.get(id(loop))
    if listener is not None and not listener.flags:  # idle, lingering: stop it now
        await _stop(listener)
    tasks = [listener.task] if listener is not None and listener.task is not None else []
    tasks = [task for task in [*tasks, *_stopping] if task.get_loop() is loop and not task.done()]
    if tasks:
        await asyncio.wait(tasks, timeout=timeout)
