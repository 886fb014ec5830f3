"""The sidebar's search (/api/chats?q=) matches what the page shows: a message an edit or a
regenerate superseded is hidden there, so it is no match either."""

from __future__ import annotations

import pytest
from django.test import Client

from sessions_app.chat import supersede_from
from sessions_app.models import ChatSession

pytestmark = pytest.mark.django_db


def new_chat(browser: Client, title: str, *messages: str) -> ChatSession:
    """A chat of ``browser`` with these user messages, each with an answer."""
    response = browser.post("/api/sessions", {}, content_type="application/json")
    chat = ChatSession.objects.get(public_id=response.json()["session"]["id"])
    ChatSession.objects.filter(pk=chat.pk).update(title=title)
    for text in messages:
        chat.add_message("user", text)
        chat.add_message("assistant", f"answer to {text}")
    return chat


def edit_first_message(chat: ChatSession, new_text: str) -> None:
    """What the page's edit does: supersede from the message, then send the new text."""
    first = chat.messages.get(seq=1)
    assert supersede_from(chat, first.pk) == 2  # the message and its answer
    chat.add_message("user", new_text)
    chat.add_message("assistant", f"answer to {new_text}")


def found(browser: Client, query: str) -> list[str]:
    response = browser.get("/api/chats", {"q": query})
    assert response.status_code == 200
    return sorted(chat["title"] for chat in response.json()["chats"])


def test_a_word_only_in_superseded_messages_finds_nothing():
    alice = Client()
    edited = new_chat(alice, "Edited", "balance of vitalik")
    edit_first_message(edited, "balance of alice")
    assert found(alice, "vitalik") == []  # neither the old question nor its answer
    assert found(alice, "balance of alice") == ["Edited"]


def test_a_word_in_a_live_message_still_finds_the_chat():
    alice = Client()
    edited = new_chat(alice, "Edited", "gas price on polygon")
    edit_first_message(edited, "gas price on testnet")
    new_chat(alice, "Asked again", "gas price on polygon")
    assert found(alice, "polygon") == ["Asked again"]
    assert found(alice, "gas price") == ["Asked again", "Edited"]


def test_bobs_chats_never_appear_in_alices_results():
    alice, bob = Client(), Client()
    edited = new_chat(alice, "Alice's", "balance of vitalik")
    edit_first_message(edited, "balance of alice")
    new_chat(bob, "Bob's", "balance of vitalik")
    assert found(alice, "vitalik") == []
    assert found(alice, "balance") == ["Alice's"]
    assert found(bob, "vitalik") == ["Bob's"]
