"""Issue 31, item 4: every chat has its address, /c/<id>, owner-checked by the API's own lookup:
the owner gets the chat page, anyone else the same 404 page as for an id that never existed."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sessions_app.models import ChatSession, new_public_id

pytestmark = pytest.mark.django_db

CSRF_META = re.compile(rb'<meta name="csrf-token" content="[^"]*">')


def new_chat(browser: Client) -> str:
    response = browser.post("/api/sessions", {}, content_type="application/json")
    assert response.status_code == 201, response.content
    return str(response.json()["session"]["id"])


def page(browser: Client, path: str) -> tuple[int, bytes]:
    """A page's status and body, without its (per response) CSRF token."""
    response = browser.get(path)
    return response.status_code, CSRF_META.sub(b"", response.content)


def test_the_owner_opens_the_chat_page_at_its_address():
    alice = Client()
    chat_id = new_chat(alice)
    status, body = page(alice, f"/c/{chat_id}")
    assert status == 200
    assert b'id="composer"' in body and b'id="chat-list"' in body


def test_another_browser_and_an_unknown_id_get_the_same_404_page():
    alice, bob = Client(), Client()
    chat_id = new_chat(alice)
    new_chat(bob)  # bob owns chats too: his own browser session, not an anonymous one
    foreign = page(bob, f"/c/{chat_id}")
    unknown = page(bob, f"/c/{new_public_id()}")
    assert foreign[0] == unknown[0] == 404
    assert foreign[1] == unknown[1]
    assert b"This chat was not found" in foreign[1]
    assert b'id="composer"' not in foreign[1] and chat_id.encode() not in foreign[1]


def test_a_browser_without_a_session_gets_the_404_page_too():
    chat_id = new_chat(Client())
    assert page(Client(), f"/c/{chat_id}")[0] == 404


def test_the_sessions_page_links_each_chat_to_its_address_with_the_chat_lists_verbs():
    alice = Client()
    chat_id = new_chat(alice)
    ChatSession.objects.filter(public_id=chat_id).update(message_seq=2, title="gas price")
    _, body = page(alice, "/sessions/")
    assert f'href="/c/{chat_id}"'.encode() in body
    for verb in (b"Share", b"Rename", b"Delete"):
        assert b">" + verb + b"</button>" in body
    assert b"Close</button>" not in body and b"Resume" not in body
