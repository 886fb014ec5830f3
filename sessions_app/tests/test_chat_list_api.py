"""The sidebar's API: this owner's chats with messages, newest first, searchable by title and
message text; rename and delete are owner-checked like every other endpoint."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sessions_app.models import ChatSession

pytestmark = pytest.mark.django_db


def new_chat(browser: Client, first_message: str = "", title: str = "") -> ChatSession:
    response = browser.post("/api/sessions", {}, content_type="application/json")
    chat = ChatSession.objects.get(public_id=response.json()["session"]["id"])
    if first_message:
        chat.add_message("user", first_message)
        chat.add_message("assistant", f"answer to {first_message}")
    if title:
        ChatSession.objects.filter(pk=chat.pk).update(title=title)
    return chat


def listed(browser: Client, query: str = "") -> list[str]:
    response = browser.get("/api/chats", {"q": query} if query else {})
    assert response.status_code == 200
    return [chat["title"] for chat in response.json()["chats"]]


def test_the_list_has_this_owners_chats_with_messages_newest_first():
    alice, bob = Client(), Client()
    older = new_chat(alice, "gas price", title="Gas")
    new_chat(alice, "latest block", title="Blocks")
    new_chat(alice)  # a tab that never sent anything: not a chat yet
    new_chat(bob, "balance of bob", title="Bob's")
    ChatSession.objects.filter(pk=older.pk).update(
        last_activity_at=timezone.now() - timedelta(hours=1)
    )
    assert listed(alice) == ["Blocks", "Gas"]
    assert listed(bob) == ["Bob's"]


def test_search_finds_titles_and_message_text_of_this_owner_only():
    alice, bob = Client(), Client()
    new_chat(alice, "balance of alice", title="Money")
    new_chat(alice, "gas price", title="Fees on testnet")
    new_chat(bob, "balance of carol", title="Carol")
    assert listed(alice, "fees") == ["Fees on testnet"]
    assert listed(alice, "BALANCE") == ["Money"]  # in a message, any case
    assert listed(alice, "answer to gas") == ["Fees on testnet"]  # in an answer
    assert listed(alice, "carol") == []


def test_rename_sets_a_trimmed_title_and_refuses_an_empty_one():
    alice = Client()
    chat = new_chat(alice, "gas price")
    url = f"/api/sessions/{chat.public_id}/rename"
    response = alice.post(url, {"title": "  Fees   today "}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["session"]["title"] == "Fees today"
    refused = alice.post(url, {"title": "   "}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "bad_title"
    chat.refresh_from_db()
    assert chat.title == "Fees today"


def test_mallory_can_neither_rename_nor_delete_alices_chat():
    alice, mallory = Client(), Client()
    chat = new_chat(alice, "gas price", title="Alice's")
    base = f"/api/sessions/{chat.public_id}"
    renamed = mallory.post(f"{base}/rename", {"title": "pwned"}, content_type="application/json")
    deleted = mallory.post(f"{base}/delete", {}, content_type="application/json")
    assert renamed.status_code == deleted.status_code == 404
    chat.refresh_from_db()
    assert chat.title == "Alice's"


def test_delete_removes_the_chat_and_its_messages():
    alice = Client()
    chat = new_chat(alice, "gas price")
    response = alice.post(
        f"/api/sessions/{chat.public_id}/delete", {}, content_type="application/json"
    )
    assert response.status_code == 200
    assert not ChatSession.objects.filter(pk=chat.pk).exists()
    assert alice.get(f"/api/sessions/{chat.public_id}").status_code == 404
    assert listed(alice) == []
