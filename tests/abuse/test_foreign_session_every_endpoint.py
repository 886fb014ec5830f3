"""Reaching another browser's chat session, through every endpoint at once.

The per-endpoint tests of each app check their own endpoint; this one walks the whole surface
in one place (so a new endpoint shows up here) and adds the side effects: Bob's attempts
change nothing in Alice's session, and Bob's answers are byte-identical to an unknown id's.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from sessions_app.models import ChatSession, ToolCall
from tests.abuse.helpers import assert_json_error, create_session, csrf_client

pytestmark = pytest.mark.django_db(transaction=True)


def attempts(session_id: str) -> list[tuple[str, str, dict | None]]:
    """(method, path, json body) for every endpoint that takes a chat session id."""
    return [
        ("GET", f"/api/sessions/{session_id}", None),
        ("POST", f"/api/sessions/{session_id}/close", {}),
        ("POST", "/api/chat", {"session_id": session_id, "message": "help", "network": "testnet"}),
        ("POST", "/api/interrupt", {"session_id": session_id}),
        (
            "POST",
            "/api/wallet",
            {"session_id": session_id, "request_id": "r1", "status": "rejected"},
        ),
        ("GET", f"/api/chat/stream?session_id={session_id}", None),
        ("POST", "/api/mcp/testnet", {"session_id": session_id, "tool": "get_chain_id"}),
        ("GET", f"/api/mcp/testnet/tools?session_id={session_id}", None),
    ]


def send(client: Client, token: str, method: str, path: str, body: dict | None):
    if method == "GET":
        return client.get(path)
    headers = {"X-CSRFToken": token}
    return client.post(path, json.dumps(body), "application/json", headers=headers)


def snapshot(public_id: str) -> tuple:
    chat = ChatSession.objects.get(public_id=public_id)
    messages = list(chat.messages.values_list("seq", "role", "content"))
    calls = ToolCall.objects.filter(chat_session=chat).count()
    return chat.status, chat.processing, chat.message_seq, messages, calls


def test_every_endpoint_answers_a_foreign_id_exactly_like_an_unknown_one():
    alice, alice_token = csrf_client()
    bob, bob_token = csrf_client()
    alice_id = create_session(alice, alice_token)
    create_session(bob, bob_token)  # Bob is a real user with his own session
    unknown_id = "A" * 32
    before = snapshot(alice_id)
    for (method, path, body), (_, unknown_path, unknown_body) in zip(
        attempts(alice_id), attempts(unknown_id), strict=True
    ):
        foreign = send(bob, bob_token, method, path, body)
        unknown = send(bob, bob_token, method, unknown_path, unknown_body)
        assert foreign.status_code == unknown.status_code == 404, (path, foreign.content)
        assert foreign.content == unknown.content, path
        assert_json_error(foreign)
    assert snapshot(alice_id) == before


def test_a_logged_in_stranger_gets_the_same_answers(django_user_model):
    alice, alice_token = csrf_client()
    alice_id = create_session(alice, alice_token)
    mallory = Client(enforce_csrf_checks=True)
    mallory.force_login(django_user_model.objects.create_user("mallory", password="pw-12345678"))
    token = mallory.get("/api/csrf").json()["csrf_token"]
    before = snapshot(alice_id)
    for method, path, body in attempts(alice_id):
        answer = send(mallory, token, method, path, body)
        assert answer.status_code == 404, (path, answer.content)
        assert assert_json_error(answer)["code"] == "session_not_found"
    assert snapshot(alice_id) == before
