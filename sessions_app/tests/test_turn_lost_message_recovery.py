"""A message whose turn was lost (its holder died after claiming it, before its answer
existed) is answered once the turn is recovered: exactly once, in its place before later
messages. A message that has an answer is never answered again, and a holder whose turn was
taken over begins no answer."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from sessions_app import turns
from sessions_app.agent import runner
from sessions_app.models import ChatSession, Message, Turn
from sessions_app.tests.agent_support import (
    make_browser,
    open_socket,
    receive_until,
)
from sessions_app.tests.test_turn_claim import dead_identity, hold

pytestmark = pytest.mark.django_db(transaction=True)


class EchoProvider:
    async def respond(self, ctx) -> None:
        await ctx.say(f"answer to {ctx.trigger.content}")


@pytest.fixture
def provider(monkeypatch):
    echo = EchoProvider()
    monkeypatch.setattr(runner, "get_provider", lambda: echo)
    return echo


@pytest.fixture
def alice(transactional_db):
    return make_browser("alice")


def chat_left_by_a_dead_turn(browser, answered: bool = False) -> tuple[ChatSession, Message]:
    """A session whose dead holder claimed the turn of "question" (its answer not begun, or
    complete when ``answered``)."""
    chat = browser.new_chat()
    intake = turns.store(chat, "user", "question", {"network": "testnet"})
    turn = intake.turn
    if answered:
        Message.objects.filter(pk=turn.answer_id).update(content="the complete answer")
    else:
        Message.objects.filter(pk=turn.answer_id).delete()  # SET NULL: no answer begun
    hold(turn, dead_identity())
    if answered:
        turns.finish(Turn.objects.get(pk=turn.pk), Turn.Status.DONE, None)
    return chat, intake.message


def replies_to(message: Message) -> list[Message]:
    return [t.answer for t in Turn.objects.filter(request=message, answer__isnull=False)]


@database_sync_to_async
def recover_then_store_and_drain(browser) -> tuple[list[Message], Message, Message]:
    chat, question = chat_left_by_a_dead_turn(browser)
    later = turns.store(chat, "user", "later", {"network": "testnet"}, "later-1")
    assert later.created and later.turn is None  # queued behind the lost turn
    first = turns.claim(chat.pk)
    turns.finish(first, Turn.Status.DONE, None)
    second = turns.claim_next(chat.pk)
    turns.finish(second, Turn.Status.DONE, None)
    assert turns.claim_next(chat.pk) is None
    return [first.request, second.request], question, later.message


async def test_lost_message_is_requeued_before_later_messages(alice):
    drained, question, later = await recover_then_store_and_drain(alice)
    assert drained == [question, later]


async def test_lost_message_is_answered_exactly_once_when_a_socket_connects(alice, provider):
    chat, question = await database_sync_to_async(chat_left_by_a_dead_turn)(alice)
    socket, _ = await open_socket(alice, chat.public_id)  # connecting kicks the session
    seen = await receive_until(socket, "turn.complete")
    await socket.disconnect()
    created = [event["message"] for event in seen if event["type"] == "message.created"]
    assert [(m["role"], m["metadata"]["reply_to"]) for m in created] == [("assistant", question.pk)]
    replies = await database_sync_to_async(replies_to)(question)
    assert [r.content for r in replies] == ["answer to question"]
    turn = await database_sync_to_async(Turn.objects.get)(request=question)
    assert turn.status == Turn.Status.DONE


@database_sync_to_async
def recover_an_answered_session(browser) -> tuple[Turn | None, list[Message]]:
    chat, question = chat_left_by_a_dead_turn(browser, answered=True)
    return turns.claim(chat.pk), replies_to(question)


async def test_answered_message_is_not_answered_again_on_recovery(alice):
    claimed, replies = await recover_an_answered_session(alice)
    assert claimed is None
    assert [r.content for r in replies] == ["the complete answer"]


@database_sync_to_async
def take_over_from_this_process(browser) -> tuple[bool, Turn]:
    chat = browser.new_chat()
    turn = turns.store(chat, "user", "question", {"network": "testnet"}).turn
    hold(turn, "elsewhere:1:1")  # our lease ran out and another process took the turn
    return turns.finish(turn, Turn.Status.DONE, "late words"), Turn.objects.get(pk=turn.pk)


async def test_holder_whose_turn_was_taken_over_ends_nothing(alice):
    finished, turn = await take_over_from_this_process(alice)
    assert not finished and turn.status == Turn.Status.RUNNING
