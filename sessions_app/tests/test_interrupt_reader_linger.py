"""A backend's interrupt reader keeps its channel between turns for a while (no subscribe per
turn), still hears interrupts for the next turn, and stops once idle."""

from __future__ import annotations

import asyncio

from sessions_app.agent import interrupts
from sessions_app.broadcast import send_interrupt

SESSION = 515151


async def test_the_reader_keeps_its_channel_between_turns_and_stops_when_idle(monkeypatch):
    monkeypatch.setattr(interrupts, "IDLE_SECONDS", 0.3)
    loop_id = id(asyncio.get_running_loop())
    await interrupts.watch(SESSION)  # a turn
    channel = interrupts._listeners[loop_id].channel
    await interrupts.unwatch(SESSION)
    flag = await interrupts.watch(SESSION)  # the next turn, before the reader went idle
    try:
        assert interrupts._listeners[loop_id].channel == channel
        await send_interrupt(SESSION)
        await asyncio.wait_for(flag.wait(), 5)
    finally:
        await interrupts.unwatch(SESSION)
    await asyncio.sleep(0.6)  # idle past IDLE_SECONDS
    assert loop_id not in interrupts._listeners
    await interrupts.settle()


async def test_a_conversations_next_turn_joins_no_group_and_an_idle_session_leaves(monkeypatch):
    monkeypatch.setattr(interrupts, "IDLE_SECONDS", 0.3)
    loop_id = id(asyncio.get_running_loop())
    await interrupts.watch(SESSION)
    listener = interrupts._listeners[loop_id]
    await interrupts.unwatch(SESSION)
    assert SESSION in listener.joined  # still in the group: the next turn subscribes nothing
    joins = []
    group_add = listener.layer.group_add

    async def counted(group, channel):
        joins.append(group)
        await group_add(group, channel)

    monkeypatch.setattr(listener.layer, "group_add", counted)
    flag = await interrupts.watch(SESSION)  # the conversation's next turn
    try:
        assert joins == []
        await send_interrupt(SESSION)
        await asyncio.wait_for(flag.wait(), 5)
    finally:
        await interrupts.unwatch(SESSION)
    await asyncio.sleep(0.4)  # idle past IDLE_SECONDS: the reader stopped, the group left
    assert loop_id not in interrupts._listeners and not listener.joined
    await interrupts.settle()
