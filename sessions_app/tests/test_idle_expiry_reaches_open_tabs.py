"""A chat that idles past SESSION_TIMEOUT while open: every socket of it hears session_expired
within a second of the deadline (no cleanup process needed), activity from anywhere moves the
deadline, and a message after the expiry continues the chat, whose deadline is watched again."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from sessions_app.models import ChatSession
from sessions_app.tests.agent_support import (
    make_browser,
    open_socket,
    say,
)

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 2  # seconds of SESSION_TIMEOUT
PROMPTLY = 1.0  # how soon after the deadline a tab must know


@pytest.fixture
def alice(transactional_db, settings):
    settings.SESSION_TIMEOUT = TIMEOUT
    return make_browser("alice")


async def idle_deadline(chat: ChatSession) -> datetime:
    stored = await database_sync_to_async(ChatSession.objects.get)(pk=chat.pk)
    return stored.last_activity_at + timedelta(seconds=TIMEOUT)


async def stored_status(chat: ChatSession) -> str:
    stored = await database_sync_to_async(ChatSession.objects.get)(pk=chat.pk)
    return stored.status


async def test_every_open_tab_hears_session_expired_within_a_second_of_the_deadline(alice):
    chat = await database_sync_to_async(alice.new_chat)()
    tabs = [(await open_socket(alice, chat.public_id))[0] for _ in range(2)]
    deadline = await idle_deadline(chat)
    for tab in tabs:
        event = await tab.receive_json_from(timeout=TIMEOUT + PROMPTLY + 1)
        heard_at = timezone.now()
        assert (event["type"], event["code"]) == ("error", "session_expired")
        assert "expired" in event["message"]
        assert deadline <= heard_at < deadline + timedelta(seconds=PROMPTLY)
    assert await stored_status(chat) == ChatSession.Status.EXPIRED
    for tab in tabs:
        await tab.disconnect()


async def test_a_message_after_the_expiry_continues_the_chat_and_its_watch(alice):
    chat = await database_sync_to_async(alice.new_chat)()
    tab, _ = await open_socket(alice, chat.public_id)
    expired = await tab.receive_json_from(timeout=TIMEOUT + PROMPTLY + 1)
    assert expired["code"] == "session_expired"
    assert "continue" in expired["message"]
    await say(tab, "help")
    taken = await tab.receive_json_from(timeout=10)
    assert (taken["type"], taken["message"]["role"]) == ("message.created", "user")
    assert await stored_status(chat) == ChatSession.Status.ACTIVE
    # Continued, it expires again when idle, and the same tab hears it.
    deadline = (await idle_deadline(chat)).timestamp()
    while (event := await tab.receive_json_from(timeout=TIMEOUT + PROMPTLY + 1))["type"] != "error":
        pass
    assert event["code"] == "session_expired"
    assert timezone.now().timestamp() < deadline + PROMPTLY
    assert await stored_status(chat) == ChatSession.Status.EXPIRED
    await tab.disconnect()


async def test_activity_from_another_backend_moves_the_deadline(alice):
    chat = await database_sync_to_async(alice.new_chat)()
    tab, _ = await open_socket(alice, chat.public_id)
    first_deadline = await idle_deadline(chat)
    # Half way, a message stored elsewhere (another tab on another backend): no event here.
    assert await tab.receive_nothing(timeout=TIMEOUT / 2)
    await database_sync_to_async(chat.add_message)("user", "still here")
    moved = await idle_deadline(chat)
    assert moved > first_deadline
    wait_past_first = (first_deadline - timezone.now()).total_seconds() + PROMPTLY / 2
    assert await tab.receive_nothing(timeout=wait_past_first)
    assert await stored_status(chat) == ChatSession.Status.ACTIVE
    event = await tab.receive_json_from(timeout=TIMEOUT + PROMPTLY)
    assert event["code"] == "session_expired"
    assert moved <= timezone.now() < moved + timedelta(seconds=PROMPTLY)
    await tab.disconnect()
