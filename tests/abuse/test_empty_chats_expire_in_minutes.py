"""A chat that never got a message (a tab opened and left) expires after EMPTY_SESSION_TIMEOUT,
not SESSION_TIMEOUT, and the cleanup pass then deletes it: opening tabs leaves nothing behind
(finding 3 of issue 27: empty chats held places for the 30-minute idle timeout)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from sessions_app import idle, manager
from sessions_app.models import ChatSession
from sessions_app.owner import Owner

pytestmark = pytest.mark.django_db

ALICE = Owner(session_key="alice-browser")


def idle_for(chat: ChatSession, seconds: int) -> None:
    since = timezone.now() - timedelta(seconds=seconds)
    ChatSession.objects.filter(pk=chat.pk).update(last_activity_at=since)
    chat.refresh_from_db()


def test_an_empty_chat_expires_after_minutes_and_a_written_one_does_not(settings):
    settings.EMPTY_SESSION_TIMEOUT, settings.SESSION_TIMEOUT = 300, 1800
    empty, written = manager.create_chat_session(ALICE), manager.create_chat_session(ALICE)
    written.add_message("user", "hello")
    idle_for(empty, 301)
    idle_for(written, 301)
    assert manager.get_for_owner(empty.public_id, ALICE).status == "expired"
    assert manager.get_for_owner(written.public_id, ALICE).status == "active"


def test_the_idle_watch_of_an_empty_chat_wakes_at_its_shorter_deadline(settings):
    settings.EMPTY_SESSION_TIMEOUT, settings.SESSION_TIMEOUT = 300, 1800
    empty = manager.create_chat_session(ALICE)
    assert 290 < idle.seconds_until_idle(empty) <= 300


def test_the_cleanup_pass_deletes_expired_empty_chats_and_keeps_written_ones(settings):
    settings.EMPTY_SESSION_TIMEOUT = 300
    empty, written = manager.create_chat_session(ALICE), manager.create_chat_session(ALICE)
    written.add_message("user", "hello")
    manager.close(written)
    idle_for(empty, 301)
    call_command("cleanup_sessions", stdout=StringIO())
    assert list(ChatSession.objects.values_list("pk", flat=True)) == [written.pk]
