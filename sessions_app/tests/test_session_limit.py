"""MAX_SESSIONS: creation beyond the cap is refused with HTTP 503 and a JSON body."""

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


def test_creation_at_the_cap_is_refused_with_503_json(settings):
    settings.MAX_SESSIONS = 2
    assert post_session(Client()).status_code == 201
    assert post_session(Client()).status_code == 201
    refused = post_session(Client())
    assert refused.status_code == 503
    assert refused["Content-Type"] == "application/json"
    error = refused.json()["error"]
    assert error["code"] == "server_full"
    assert "2 chat sessions" in error["message"]
    assert ChatSession.objects.count() == 2


def test_closed_and_expired_sessions_free_their_place(settings):
    settings.MAX_SESSIONS = 2
    owner = Owner(session_key="alice-browser")
    first = manager.create_chat_session(owner)
    second = manager.create_chat_session(owner)
    with pytest.raises(manager.SessionLimitReached):
        manager.create_chat_session(owner)
    manager.close(first)
    manager.expire(second)
    assert manager.create_chat_session(owner).is_active


def test_creation_expires_stale_sessions_before_counting(settings):
    settings.MAX_SESSIONS = 1
    owner = Owner(session_key="alice-browser")
    idle = manager.create_chat_session(owner)
    ChatSession.objects.filter(pk=idle.pk).update(
        last_activity_at=timezone.now() - timedelta(seconds=settings.SESSION_TIMEOUT + 1)
    )
    assert manager.create_chat_session(owner).is_active
    idle.refresh_from_db()
    assert idle.status == ChatSession.Status.EXPIRED
