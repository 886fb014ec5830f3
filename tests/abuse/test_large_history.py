"""A long chat history stays openable and cheap (item 5 of the review: a 2,002-message session
took 1.9 s per load, re-rendering every answer, and past daphne's 1 MiB frame limit its
session.state closed every connect with 1011, so it could never be opened again)."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from sessions_app import models
from sessions_app.models import Message
from sessions_app.tests.agent_support import (
    ask,
    make_browser,
    open_socket,
)

pytestmark = pytest.mark.django_db(transaction=True)

FRAME_LIMIT = 1024 * 1024  # daphne's default websocket frame limit
LONG = "x" * 4000


def long_history(chat, count: int) -> None:
    Message.objects.bulk_create(
        Message(chat_session=chat, seq=n, role="user" if n % 2 else "assistant", content=LONG)
        for n in range(1, count + 1)
    )
    type(chat).objects.filter(pk=chat.pk).update(message_seq=count)


async def test_session_state_carries_the_latest_messages_under_the_frame_limit(settings):
    settings.MAX_MESSAGES_PER_SESSION = 5000
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    await database_sync_to_async(long_history)(chat, 2002)
    socket, state = await open_socket(alice, chat.public_id)
    await socket.disconnect()
    assert len(json.dumps(state)) < FRAME_LIMIT
    seqs = [m["seq"] for m in state["messages"]]
    assert seqs == list(range(2002 - settings.SESSION_STATE_MESSAGES + 1, 2003))
    assert state["has_more"] is True


def test_older_messages_page_in_by_a_before_cursor(settings):
    settings.SESSION_STATE_MESSAGES = 50
    alice = make_browser("alice")
    chat = alice.new_chat()
    long_history(chat, 120)
    client = alice.client()
    first = client.get(f"/api/sessions/{chat.public_id}").json()
    assert [m["seq"] for m in first["messages"]] == list(range(71, 121)) and first["has_more"]
    second = client.get(f"/api/sessions/{chat.public_id}?before=71").json()
    assert [m["seq"] for m in second["messages"]] == list(range(21, 71)) and second["has_more"]
    last = client.get(f"/api/sessions/{chat.public_id}?before=21").json()
    assert [m["seq"] for m in last["messages"]] == list(range(1, 21)) and not last["has_more"]
    bad = client.get(f"/api/sessions/{chat.public_id}?before=x")
    assert bad.status_code == 400


async def test_a_finished_answer_is_rendered_once_and_stored(alice, monkeypatch):
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    await ask(socket, "what is the current block number?")
    await socket.disconnect()
    answer = await database_sync_to_async(Message.objects.get)(role="assistant")
    assert answer.html.startswith("<p>")

    def no_rendering(text: str) -> str:
        raise AssertionError("a stored answer was rendered again")

    monkeypatch.setattr(models, "render_markdown", no_rendering)
    socket, state = await open_socket(alice, chat.public_id)
    await socket.disconnect()
    assert state["messages"][-1]["html"] == answer.html


async def test_a_full_session_refuses_new_messages_with_a_clear_error(settings):
    settings.MAX_MESSAGES_PER_SESSION = 10
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    await database_sync_to_async(long_history)(chat, 10)
    socket, _ = await open_socket(alice, chat.public_id)
    await socket.send_json_to({"type": "chat.message", "text": "one more", "network": "testnet"})
    error = await socket.receive_json_from(timeout=20)
    await socket.disconnect()
    assert error["type"] == "error" and error["code"] == "session_full"
    assert "10 messages" in error["message"]
    assert await database_sync_to_async(Message.objects.count)() == 10
