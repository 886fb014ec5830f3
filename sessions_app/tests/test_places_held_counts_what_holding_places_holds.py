"""The caps' count, written as SQL for the creation path, counts what the ORM's rules count:
``holding_places`` (active, placed, not idle) narrowed by the owner (a user's chats, or a
browser's anonymous ones) and by the client address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from sessions_app import manager
from sessions_app.models import ChatSession
from sessions_app.owner import Owner

ALICE_BROWSER = Owner(session_key="alice-browser")
BOB_BROWSER = Owner(session_key="bob-browser")


def chat(owner: Owner, address: str, *, placed: bool = True, **fields: object) -> ChatSession:
    chat_session = manager.create_chat_session(owner, address=address)
    if placed:
        manager.take_place(chat_session)
    if fields:
        ChatSession.objects.filter(pk=chat_session.pk).update(**fields)
        chat_session.refresh_from_db()
    return chat_session


def counted_by_the_orm(candidate: ChatSession) -> tuple[int, int, int]:
    holding = ChatSession.objects.holding_places()
    if candidate.user_id is not None:
        owned = holding.filter(user_id=candidate.user_id)
    else:
        owned = holding.filter(user__isnull=True, owner_key=candidate.owner_key)
    by_address = holding.filter(address_key=candidate.address_key)
    return owned.count(), by_address.count(), holding.count()


@pytest.mark.django_db
def test_places_held_counts_what_holding_places_holds(settings):
    settings.MAX_SESSIONS_PER_OWNER = settings.MAX_SESSIONS_PER_ADDRESS = 0  # no refusal here
    carol = get_user_model().objects.create_user("carol", password="a long passphrase 1")
    carol_owner = Owner(session_key="carol-browser", user_id=carol.pk)
    long_ago = timezone.now() - timedelta(seconds=settings.SESSION_TIMEOUT + 60)
    chat(ALICE_BROWSER, "10.0.0.1")
    chat(ALICE_BROWSER, "10.0.0.2")
    chat(ALICE_BROWSER, "10.0.0.1", placed=False)  # never written in: holds no place
    chat(ALICE_BROWSER, "10.0.0.1", last_activity_at=long_ago)  # idle: its place is not counted
    chat(BOB_BROWSER, "10.0.0.1")
    chat(BOB_BROWSER, "10.0.0.1", status=ChatSession.Status.CLOSED)
    chat(carol_owner, "10.0.0.2")
    chat(carol_owner, "10.0.0.3")
    candidates = [
        manager._unsaved(ALICE_BROWSER, "10.0.0.1"),
        manager._unsaved(BOB_BROWSER, "10.0.0.2"),
        manager._unsaved(carol_owner, "10.0.0.3"),
        manager._unsaved(Owner(session_key="dave-browser"), "10.0.0.9"),
        manager._unsaved(Owner(session_key=""), ""),  # a browser without a session yet
    ]
    counts = [tuple(manager._places_held(candidate)) for candidate in candidates]
    assert counts == [counted_by_the_orm(candidate) for candidate in candidates]
    assert counts[:3] == [(2, 2, 5), (1, 2, 5), (2, 1, 5)]  # the data above was varied enough
