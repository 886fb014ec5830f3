"""Turns: one at a time per session, queued messages answered in order, idempotent resend,
interrupt within 1 s, several sockets and sessions without cross-talk.

A gated provider stands in for a slow LLM, so the test decides when each turn may end."""

from __future__ import annotations

import asyncio
import time

import pytest
from channels.db import database_sync_to_async

from sessions_app.agent import runner
from sessions_app.models import ChatSession, Message
from sessions_app.tests.agent_support import (
    answer_text,
    ask,
    make_browser,
    of_type,
    open_socket,
    receive_until,
    say,
    shown_status,
    stored_message,
)

pytestmark = pytest.mark.django_db(transaction=True)


class GatedProvider:
    """Says it started, waits for the test to open the gate, then echoes the message."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.order: list[str] = []

    async def respond(self, ctx) -> None:
        self.order.append(ctx.trigger.content)
        await ctx.say(f"working on {ctx.trigger.content}. ")
        await self.gate.wait()
        await ctx.say(f"done with {ctx.trigger.content}.")


async def until_released(chat, timeout: float = 30) -> None:
    """The claim is released just after turn.complete; poll for it (no fixed sleep)."""
    deadline = time.monotonic() + timeout
    while await database_sync_to_async(lambda: ChatSession.objects.get(pk=chat.pk).processing)():
        assert time.monotonic() < deadline, "the turn claim was never released"
        await asyncio.sleep(0.02)


@pytest.fixture
def provider(monkeypatch):
    gated = GatedProvider()
    monkeypatch.setattr(runner, "get_provider", lambda: gated)
    return gated


@pytest.fixture
def alice(transactional_db):
    return make_browser("alice")


async def new_chat(browser):
    return await database_sync_to_async(browser.new_chat)()


async def test_message_during_turn_is_queued_then_answered_in_order(alice, provider):
    chat = await new_chat(alice)
    socket, _ = await open_socket(alice, chat.public_id)
    await say(socket, "first", client_msg_id="m1")
    await receive_until(socket, "assistant.delta")
    await say(socket, "second", client_msg_id="m2")
    created = await receive_until(socket, "message.created")
    assert created[-1]["message"]["content"] == "second"
    assert created[-1]["message"]["status"] == "queued"
    provider.gate.set()
    first = await receive_until(socket, "turn.complete")
    second = await receive_until(socket, "turn.complete")
    assert "done with first" in answer_text(first)
    assert "done with second" in answer_text(second)
    assert provider.order == ["first", "second"]
    await socket.disconnect()


async def test_resend_with_same_client_msg_id_is_harmless(alice, provider):
    provider.gate.set()
    chat = await new_chat(alice)
    socket, _ = await open_socket(alice, chat.public_id)
    await say(socket, "once", client_msg_id="same")
    await receive_until(socket, "turn.complete")
    await say(socket, "once", client_msg_id="same")
    await say(socket, "next", client_msg_id="other")
    seen = await receive_until(socket, "turn.complete")
    users = await database_sync_to_async(
        lambda: list(
            Message.objects.filter(chat_session=chat, role="user").values_list("content", flat=True)
        )
    )()
    assert users == ["once", "next"]
    assert provider.order == ["once", "next"]
    assert "done with next" in answer_text(seen)
    await socket.disconnect()


async def test_interrupt_ends_turn_within_a_second_and_keeps_what_was_said(alice, provider):
    chat = await new_chat(alice)
    socket, _ = await open_socket(alice, chat.public_id)
    await say(socket, "long job")
    await receive_until(socket, "assistant.delta")
    started = time.monotonic()
    await socket.send_json_to({"type": "chat.interrupt"})
    seen = await receive_until(socket, "turn.complete", timeout=5)
    assert time.monotonic() - started < 1.0
    message = await stored_message(seen[-1]["message_id"])
    assert shown_status(message) == "interrupted"
    assert message.content.startswith("working on long job.")
    await until_released(chat)
    provider.gate.set()
    assert "done with again" in answer_text(await ask(socket, "again"))
    await socket.disconnect()


async def test_interrupt_from_another_socket_reaches_the_turn(alice, provider):
    chat = await new_chat(alice)
    first, _ = await open_socket(alice, chat.public_id)
    second, _ = await open_socket(alice, chat.public_id)
    await say(first, "stop me")
    await receive_until(first, "assistant.delta")
    await second.send_json_to({"type": "chat.interrupt"})
    seen = await receive_until(first, "turn.complete", timeout=5)
    assert "Interrupted" in seen[-1]["html"]
    await first.disconnect()
    await second.disconnect()


async def test_two_sockets_on_one_session_both_get_every_event(alice, provider):
    provider.gate.set()
    chat = await new_chat(alice)
    first, _ = await open_socket(alice, chat.public_id)
    second, _ = await open_socket(alice, chat.public_id)
    seen_first = await ask(first, "hello")
    seen_second = await receive_until(second, "turn.complete")
    assert [e["type"] for e in seen_first] == [e["type"] for e in seen_second]
    assert answer_text(seen_first) == answer_text(seen_second)
    await first.disconnect()
    await second.disconnect()


async def test_two_sessions_run_turns_at_once_without_cross_talk(alice, provider):
    bob = await database_sync_to_async(make_browser)("bob")
    chat_a, chat_b = await new_chat(alice), await new_chat(bob)
    socket_a, _ = await open_socket(alice, chat_a.public_id)
    socket_b, _ = await open_socket(bob, chat_b.public_id)
    await say(socket_a, "apples")
    await say(socket_b, "bananas")
    await receive_until(socket_a, "assistant.delta")
    await receive_until(socket_b, "assistant.delta")
    provider.gate.set()
    seen_a = await receive_until(socket_a, "turn.complete")
    seen_b = await receive_until(socket_b, "turn.complete")
    assert "bananas" not in str(seen_a) and "apples" not in str(seen_b)
    assert "done with apples" in answer_text(seen_a)
    assert "done with bananas" in answer_text(seen_b)
    assert await socket_a.receive_nothing(timeout=0.2)
    await socket_a.disconnect()
    await socket_b.disconnect()


async def test_reconnect_sees_history_with_tool_calls_and_status(alice, provider):
    chat = await new_chat(alice)
    socket, _ = await open_socket(alice, chat.public_id)
    await say(socket, "remember me")
    await receive_until(socket, "assistant.delta")
    await socket.disconnect()
    again, state = await open_socket(alice, chat.public_id)
    statuses = [(m["role"], m["status"]) for m in state["messages"]]
    assert statuses == [("user", ""), ("assistant", "streaming")]
    assert state["messages"][1]["content"] == "working on remember me. "
    assert state["messages"][1]["tool_calls"] == []
    provider.gate.set()
    await receive_until(again, "turn.complete")
    await again.disconnect()


async def test_failing_provider_ends_with_error_event_and_recorded_message(alice, monkeypatch):
    class Broken:
        async def respond(self, ctx):
            await ctx.say("partial ")
            raise RuntimeError("boom")

    monkeypatch.setattr(runner, "get_provider", lambda: Broken())
    chat = await new_chat(alice)
    socket, _ = await open_socket(alice, chat.public_id)
    seen = await ask(socket, "break")
    assert of_type(seen, "error")[0]["code"] == "agent_failed"
    assert "boom" not in str(seen)
    message = await stored_message(seen[-1]["message_id"])
    assert shown_status(message) == "error" and message.content.startswith("partial")
    healthy = GatedProvider()
    healthy.gate.set()
    monkeypatch.setattr(runner, "get_provider", lambda: healthy)
    assert "done with still usable" in answer_text(await ask(socket, "still usable"))
    await socket.disconnect()
