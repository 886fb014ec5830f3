"""A message whose turn was lost (its holder died after storing it as being answered, before
its assistant message existed) is answered once the claim is recovered: exactly once, in its
place before later messages. A message that has an answer is never answered again, and a
holder whose lease was taken over begins no answer."""

from __future__ import annotations

import subprocess
import sys

import pytest
from channels.db import database_sync_to_async

from sessions_app import turns
from sessions_app.agent import runner
from sessions_app.models import ChatSession, Message
from sessions_app.tests.agent_support import (
    _close_chat_db_threads,  # noqa: F401
    _finish_background_turns,  # noqa: F401
    make_browser,
    open_socket,
    receive_until,
)
from sessions_app.tests.test_turn_claim import hold, identity_of

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


def dead_identity() -> str:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    holder = identity_of(child.pid)
    child.wait()
    return holder


def chat_left_by_a_dead_turn(browser, answered: bool = False) -> tuple[ChatSession, Message]:
    """A session whose dead holder stored "question" as being answered (status "")."""
    chat = browser.new_chat()
    hold(chat, dead_identity())
    question, _ = turns.store_incoming(
        chat, "user", "question", {"status": "", "network": "testnet"}
    )
    if answered:
        reply = {"status": "", "reply_to": question.pk, "network": "testnet"}
        chat.add_message("assistant", "the complete answer", reply)
    return chat, question


def replies_to(message: Message) -> list[Message]:
    assistants = Message.objects.filter(chat_session_id=message.chat_session_id, role="assistant")
    return [reply for reply in assistants if reply.metadata.get("reply_to") == message.pk]


@database_sync_to_async
def recover_then_store_and_drain(browser) -> tuple[list[Message], Message, Message]:
    chat, question = chat_left_by_a_dead_turn(browser)
    later, created, claimed = turns.claim_and_store(chat, "user", "later", {}, "later-1")
    assert created and claimed
    assert later.metadata["status"] == turns.QUEUED  # the lost message goes first
    drained = [turns.take_next_queued(chat.pk), turns.take_next_queued(chat.pk)]
    assert turns.take_next_queued(chat.pk) is None
    return drained, question, later


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
    assert [(r.content, r.metadata["status"]) for r in replies] == [("answer to question", "")]


@database_sync_to_async
def recover_an_answered_session(browser) -> tuple[bool, Message | None, list[Message]]:
    chat, question = chat_left_by_a_dead_turn(browser, answered=True)
    claimed = turns.try_claim(chat.pk)
    return claimed, turns.take_next_queued(chat.pk), replies_to(question)


async def test_answered_message_is_not_answered_again_on_recovery(alice):
    claimed, next_message, replies = await recover_an_answered_session(alice)
    assert claimed and next_message is None
    assert [r.content for r in replies] == ["the complete answer"]


@database_sync_to_async
def take_over_from_this_process(browser) -> tuple[Message | None, object]:
    chat = browser.new_chat()
    assert turns.try_claim(chat.pk)
    question, _ = turns.store_incoming(chat, "user", "question", {"status": turns.QUEUED})
    hold(chat, "elsewhere:1:1")  # our lease ran out and another process took the claim
    return turns.take_next_queued(chat.pk), runner._begin_turn(chat.pk, question)


async def test_holder_whose_claim_was_taken_over_takes_and_begins_nothing(alice):
    taken, begun = await take_over_from_this_process(alice)
    assert taken is None and begun is None
