"""Edit and regenerate, server side: chat.supersede_from takes a user message and everything
after it out of the conversation (kept in the database, hidden from the agent's history)."""

from __future__ import annotations

import pytest
from django.test import Client

from sessions_app.agent.history import load_history
from sessions_app.models import ChatSession, Turn

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice() -> Client:
    return Client()


@pytest.fixture
def chat(alice: Client) -> ChatSession:
    response = alice.post("/api/sessions", {}, content_type="application/json")
    chat = ChatSession.objects.get(public_id=response.json()["session"]["id"])
    exchange(chat, "balance of alice", "alice has 10000 ETH")
    exchange(chat, "balance of bob", "bob has 10000 ETH")
    return chat


def exchange(chat: ChatSession, asked: str, answered: str, status: str = "done") -> Turn:
    """A user message and its answer, joined by their turn, as the turn core leaves them."""
    request = chat.add_message("user", asked)
    answer = chat.add_message("assistant", answered)
    return Turn.objects.create(chat_session=chat, request=request, answer=answer, status=status)


def supersede(browser: Client, chat: ChatSession, message_id: object):
    url = f"/api/sessions/{chat.public_id}/supersede"
    return browser.post(url, {"message_id": message_id}, content_type="application/json")


def test_editing_the_second_message_leaves_the_first_exchange_in_the_history(alice, chat):
    second = chat.messages.get(content="balance of bob")
    response = supersede(alice, chat, second.pk)
    assert response.status_code == 200
    assert response.json() == {"superseded": 2}
    cut = set(chat.messages.filter(superseded_at__isnull=False).values_list("content", flat=True))
    assert cut == {"balance of bob", "bob has 10000 ETH"}
    retry = exchange(chat, "balance of carol", "", status=Turn.Status.RUNNING)
    replayed = [entry.text for entry in load_history(retry.answer)]
    assert replayed == ["balance of alice", "alice has 10000 ETH", "balance of carol"]


def test_an_answer_or_a_foreign_message_cannot_be_the_cut(alice, chat):
    answer = chat.messages.get(content="alice has 10000 ETH")
    assert supersede(alice, chat, answer.pk).status_code == 404
    assert supersede(alice, chat, "1").status_code == 404
    mallory = Client()
    first = chat.messages.get(content="balance of alice")
    assert supersede(mallory, chat, first.pk).status_code == 404
    assert not chat.messages.filter(superseded_at__isnull=False).exists()


def test_refused_while_a_turn_runs(alice, chat):
    exchange(chat, "balance of carol", "", status=Turn.Status.RUNNING)
    response = supersede(alice, chat, chat.messages.get(content="balance of bob").pk)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "busy"
