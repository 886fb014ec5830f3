"""Edit and regenerate (issue 31, item 6): a chat.message with ``supersedes`` replaces that user
message and what followed only when its new turn is accepted. A refused one (a rate limit, a
turn still running, a message that is not there) leaves the question and its answer in the
chat, in the history a reload reads too, and stores nothing new."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from sessions_app import turns
from sessions_app.models import ChatSession, Message
from sessions_app.tests.agent_support import (
    ask,
    make_browser,
    of_type,
    open_socket,
    receive_until,
    say,
)
from testsupport.browsers import Browser

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alice(transactional_db, settings) -> Browser:
    settings.LIMIT_ADDRESS_FACTOR = 1000  # the test sockets share one address: owners only
    return make_browser("alice")


async def first_exchange(alice: Browser):
    """Alice's chat, a socket on it, and her question "help" with its answer."""
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    seen = await ask(socket, "help")
    question = of_type(seen, "message.created")[0]["message"]
    assert question["role"] == "user"
    return chat, socket, question


def reloaded(alice: Browser, chat: ChatSession) -> list[tuple[str, str, str]]:
    """What a reload shows: the history API's messages, as (role, content, status)."""
    body = alice.client().get(f"/api/sessions/{chat.public_id}").json()
    return [(m["role"], m["content"][:4], m["status"]) for m in body["messages"]]


async def test_a_rate_limited_regenerate_keeps_the_question_and_its_answer(alice, settings):
    settings.CHAT_MESSAGES_PER_MINUTE, settings.AGENT_TURNS_PER_MINUTE = 1, 0
    chat, socket, question = await first_exchange(alice)  # this minute's only message
    await say(socket, "help", supersedes=question["id"], client_msg_id="again")
    error = await socket.receive_json_from(timeout=10)
    await socket.disconnect()
    assert error["type"] == "error" and error["code"] == "rate_limited"
    shown = await database_sync_to_async(reloaded)(alice, chat)
    assert shown == [("user", "help", ""), ("assistant", "On *", "")]
    stored = Message.objects.filter(chat_session=chat)
    assert await stored.filter(superseded_at__isnull=False).acount() == 0
    assert not await stored.filter(client_msg_id="again").aexists()


async def test_an_edit_while_a_turn_runs_is_refused_and_stores_nothing(alice):
    chat, socket, question = await first_exchange(alice)
    # A second question whose turn runs (held by this live process, so nobody takes it over).
    await database_sync_to_async(turns.store)(chat, "user", "gas price", {"network": "testnet"})
    await say(socket, "balance of bob", supersedes=question["id"], client_msg_id="edit")
    error = await receive_until(socket, "error")
    await socket.disconnect()
    assert error[-1]["code"] == "busy"
    stored = Message.objects.filter(chat_session=chat)
    assert await stored.filter(superseded_at__isnull=False).acount() == 0
    assert not await stored.filter(client_msg_id="edit").aexists()


async def test_a_regenerate_of_a_message_not_in_the_chat_is_refused(alice):
    chat, socket, _ = await first_exchange(alice)
    bob = await database_sync_to_async(make_browser)("bob")
    bobs_chat = await database_sync_to_async(bob.new_chat)()
    bobs = await database_sync_to_async(bobs_chat.add_message)("user", "bob's question")
    await say(socket, "help", supersedes=bobs.pk)
    error = await socket.receive_json_from(timeout=10)
    await socket.disconnect()
    assert error["code"] == "message_not_found"
    shown = await database_sync_to_async(reloaded)(alice, chat)
    assert [status for _, _, status in shown] == ["", ""]


async def test_an_accepted_regenerate_replaces_the_pair_and_tells_every_tab(alice):
    chat, socket, question = await first_exchange(alice)
    second_tab, _ = await open_socket(alice, chat.public_id)
    await say(socket, "hello", supersedes=question["id"], client_msg_id="again")
    seen = await receive_until(second_tab, "session.state")
    await receive_until(socket, "turn.complete")
    await say(socket, "hello", supersedes=question["id"], client_msg_id="again")  # a resend
    await socket.disconnect()
    await second_tab.disconnect()
    statuses = {m["content"][:4]: m["status"] for m in seen[-1]["messages"]}
    assert statuses["help"] == "superseded" and statuses["On *"] == "superseded"
    shown = await database_sync_to_async(reloaded)(alice, chat)
    assert [(role, status) for role, _, status in shown][:2] == [
        ("user", "superseded"),
        ("assistant", "superseded"),
    ]
    assert shown[2][:2] == ("user", "hell") and shown[2][2] == ""
    assert await Message.objects.filter(chat_session=chat, client_msg_id="again").acount() == 1
