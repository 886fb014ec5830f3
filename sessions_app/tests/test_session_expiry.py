"""Expiry after SESSION_TIMEOUT of inactivity, with the clock in the test's hands."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions_app import manager, turns
from sessions_app.models import ChatSession, WalletRequest, new_public_id
from sessions_app.owner import Owner

pytestmark = pytest.mark.django_db

ALICE = Owner(session_key="alice-browser")
TIMEOUT = 1800


@pytest.fixture(autouse=True)
def timeout(settings):
    settings.SESSION_TIMEOUT = TIMEOUT


def written_chat() -> ChatSession:
    """A chat with a message: SESSION_TIMEOUT is the idle window of chats written in (one never
    written in expires sooner: test_empty_chats_expire_in_minutes.py)."""
    chat = manager.create_chat_session(ALICE)
    chat.add_message("user", "hello")
    chat.refresh_from_db()
    return chat


def later(chat_session: ChatSession, seconds: float):
    return chat_session.last_activity_at + timedelta(seconds=seconds)


def test_session_is_active_until_the_timeout():
    chat = written_chat()
    found = manager.get_active_for_owner(chat.public_id, ALICE, now=later(chat, TIMEOUT - 1))
    assert found.status == ChatSession.Status.ACTIVE


def test_session_expires_after_the_timeout():
    chat = written_chat()
    found = manager.get_for_owner(chat.public_id, ALICE, now=later(chat, TIMEOUT + 1))
    assert found.status == ChatSession.Status.EXPIRED
    assert ChatSession.objects.get(pk=chat.pk).status == ChatSession.Status.EXPIRED


def test_expired_session_refuses_what_only_an_active_chat_does_with_a_clear_error():
    # (a tool call, a wallet answer: a message reopens it, test_any_chat_can_be_continued.py)
    chat = written_chat()
    with pytest.raises(manager.ChatSessionInactive) as refused:
        manager.get_active_for_owner(chat.public_id, ALICE, now=later(chat, TIMEOUT + 1))
    response = refused.value.response()
    assert response.status_code == 410
    assert b"session_expired" in response.content


def test_touch_postpones_expiry():
    chat = written_chat()
    ChatSession.objects.filter(pk=chat.pk).update(
        last_activity_at=timezone.now() - timedelta(seconds=TIMEOUT - 10)
    )
    manager.touch(chat)
    past_the_old_deadline = timezone.now() + timedelta(seconds=20)
    found = manager.get_active_for_owner(chat.public_id, ALICE, now=past_the_old_deadline)
    assert found.is_active


def test_message_counts_as_activity():
    chat = written_chat()
    ChatSession.objects.filter(pk=chat.pk).update(
        last_activity_at=timezone.now() - timedelta(seconds=TIMEOUT + 60)
    )
    chat.add_message("user", "still here")
    assert manager.get_active_for_owner(chat.public_id, ALICE).is_active


def test_expired_session_keeps_its_history():
    chat = manager.create_chat_session(ALICE)
    chat.add_message("user", "balance of alice?")
    chat.add_message("assistant", "10000 ETH")
    manager.expire_stale(now=later(chat, TIMEOUT + 1))
    chat.refresh_from_db()
    assert chat.status == ChatSession.Status.EXPIRED
    assert list(chat.messages.order_by("seq").values_list("seq", "content")) == [
        (1, "balance of alice?"),
        (2, "10000 ETH"),
    ]
    # The owner can still read it; it is the answer to a known id, not a 404.
    assert manager.get_for_owner(chat.public_id, ALICE).status == ChatSession.Status.EXPIRED


def test_expiry_clears_processing_and_pending_wallet_request():
    chat = written_chat()
    WalletRequest.objects.create(chat_session=chat, network="polygon")
    turns.store(chat, "user", "a question whose turn runs", {"network": "testnet"})
    assert chat.processing
    manager.expire_stale(now=later(chat, TIMEOUT + 1))
    chat.refresh_from_db()
    assert (chat.status, chat.processing, chat.pending_wallet_request) == ("expired", False, None)


def test_expire_stale_leaves_recent_and_closed_sessions_alone():
    stale = written_chat()
    recent = written_chat()
    closed = written_chat()
    manager.close(closed)
    ChatSession.objects.filter(pk__in=[stale.pk, closed.pk]).update(
        last_activity_at=timezone.now() - timedelta(seconds=TIMEOUT + 1)
    )
    assert manager.expire_stale() == [stale.pk]
    statuses = dict(ChatSession.objects.values_list("pk", "status"))
    assert statuses == {stale.pk: "expired", recent.pk: "active", closed.pk: "closed"}


def test_closing_an_expired_session_keeps_it_expired():
    chat = written_chat()
    manager.expire(chat)
    manager.close(chat)
    assert chat.status == ChatSession.Status.EXPIRED


def test_expired_session_through_the_api_reads_but_is_marked_expired(client):
    created = client.post("/api/sessions", {}, content_type="application/json").json()
    public_id = created["session"]["id"]
    ChatSession.objects.filter(public_id=public_id).update(
        last_activity_at=timezone.now() - timedelta(seconds=TIMEOUT + 1)
    )
    response = client.get(f"/api/sessions/{public_id}")
    assert response.status_code == 200
    assert response.json()["session"]["status"] == "expired"
    assert client.get(f"/api/sessions/{new_public_id()}").status_code == 404
