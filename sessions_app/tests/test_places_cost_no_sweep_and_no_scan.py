"""Creating a chat and its first message's place cost the same whatever MAX_SESSIONS is, and
creation sweeps nothing: a chat idle past its timeout is expired by the claim that needs its
place, not by every new tab (a list of every free place, 1,000,000 long in the benchmarks,
cost a creation 60 ms and a first message half a second)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sessions_app import manager
from sessions_app.models import ChatSession
from sessions_app.owner import Owner

pytestmark = pytest.mark.django_db


def test_a_huge_max_sessions_lists_no_places(settings):
    settings.MAX_SESSIONS = 2_000_000_000  # a list of its places would not fit in memory
    chat_session = manager.create_chat_session(Owner(session_key="browser"))
    manager.take_place(chat_session)
    assert chat_session.place is not None and 0 <= chat_session.place < settings.MAX_SESSIONS


def test_creation_at_a_full_deployment_leaves_idle_chats_to_the_claim(settings):
    settings.MAX_SESSIONS = 1
    idle = manager.create_chat_session(Owner(session_key="idle-browser"))
    manager.take_place(idle)
    long_ago = timezone.now() - timedelta(seconds=settings.SESSION_TIMEOUT + 1)
    ChatSession.objects.filter(pk=idle.pk).update(last_activity_at=long_ago)

    created = Client().post("/api/sessions", {}, content_type="application/json")

    assert created.status_code == 201  # the idle chat's place counts as free
    idle.refresh_from_db()
    assert idle.status == ChatSession.Status.ACTIVE and idle.place is not None  # not swept
    new = ChatSession.objects.get(public_id=created.json()["session"]["id"])
    manager.take_place(new)  # its first message expires the idle chat and takes the place
    idle.refresh_from_db()
    assert idle.status == ChatSession.Status.EXPIRED and new.place is not None
