"""MAX_SESSIONS: chats count from their first message; past the cap a new chat is refused with
HTTP 503 and a JSON body, and so is the first message of a chat opened before the cap filled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sessions_app import manager
from sessions_app.models import ChatSession
from sessions_app.owner import Owner

pytestmark = pytest.mark.django_db


def post_session(browser: Client):
    return browser.post("/api/sessions", {}, content_type="application/json")


def written(chat_session: ChatSession) -> ChatSession:
    """What the first user message does before it is stored (sessions_app/chat.py)."""
    manager.take_place(chat_session)
    return chat_session


def test_creation_at_the_cap_is_refused_with_503_json(settings):
    settings.MAX_SESSIONS = 2
    for index in range(2):
        written(manager.create_chat_session(Owner(session_key=f"browser-{index}")))
    refused = post_session(Client())
    assert refused.status_code == 503
    assert refused["Content-Type"] == "application/json"
    error = refused.json()["error"]
    assert error["code"] == "server_full"
    assert "2 chat sessions" in error["message"]
    assert ChatSession.objects.count() == 2


def test_empty_chats_do_not_count_but_their_first_message_does(settings):
    settings.MAX_SESSIONS = 2
    opened = [manager.create_chat_session(Owner(session_key=f"tab-{i}")) for i in range(3)]
    written(opened[0])
    written(opened[1])
    with pytest.raises(manager.SessionLimitReached):
        written(opened[2])
    assert opened[2].place is None


def test_closed_and_expired_sessions_free_their_place(settings):
    settings.MAX_SESSIONS = 2
    owner = Owner(session_key="alice-browser")
    first = written(manager.create_chat_session(owner))
    second = written(manager.create_chat_session(owner))
    with pytest.raises(manager.SessionLimitReached):
        manager.create_chat_session(owner)
    manager.close(first)
    manager.expire(second)
    assert written(manager.create_chat_session(owner)).is_active


def test_a_full_deployment_expires_idle_sessions_before_refusing(settings):
    settings.MAX_SESSIONS = 1
    owner = Owner(session_key="alice-browser")
    idle = written(manager.create_chat_session(owner))
    ChatSession.objects.filter(pk=idle.pk).update(
        last_activity_at=timezone.now() - timedelta(seconds=settings.SESSION_TIMEOUT + 1)
    )
    assert written(manager.create_chat_session(owner)).place is not None
    idle.refresh_from_db()
    assert idle.status == ChatSession.Status.EXPIRED and idle.place is None
