"""The chat endpoints: another owner's chat session is answered exactly like an unknown id."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http import HttpResponse
from django.test import Client

from sessions_app.models import ChatSession, Message, new_public_id

# The views are async: database_sync_to_async closes connections, which a test transaction
# cannot survive.
pytestmark = pytest.mark.django_db(transaction=True)


def post_chat(browser: Client, session_id: str) -> HttpResponse:
    body = {
        "session_id": session_id,
        "message": "send 1 ETH from bob to alice",
        "network": "testnet",
    }
    return browser.post("/api/chat", body, content_type="application/json")


def post_interrupt(browser: Client, session_id: str) -> HttpResponse:
    return browser.post(
        "/api/interrupt", {"session_id": session_id}, content_type="application/json"
    )


def open_stream(browser: Client, session_id: str) -> HttpResponse:
    return browser.get("/api/chat/stream", {"session_id": session_id})


@pytest.mark.parametrize("call", [post_chat, post_interrupt, open_stream])
def test_foreign_session_is_indistinguishable_from_unknown(call: Callable[..., HttpResponse]):
    alice, bob = Client(), Client()
    created = bob.post("/api/sessions", {}, content_type="application/json")
    bobs_id = created.json()["session"]["id"]
    foreign = call(alice, bobs_id)
    unknown = call(alice, new_public_id())
    assert foreign["Content-Type"] == "application/json"
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.content == unknown.content
    chat = ChatSession.objects.get(public_id=bobs_id)
    assert not Message.objects.filter(chat_session=chat).exists()
    assert not chat.processing
