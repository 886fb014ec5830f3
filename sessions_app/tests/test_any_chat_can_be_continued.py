"""Issue 31, item 4: writing in an expired or closed chat continues it, the same chat with its
history and network; the idle timeout and Close only free what the server held. The owner's
cap counts the chats active now: continuing one is refused only at that cap."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from sessions_app import manager
from sessions_app.models import ChatSession
from sessions_app.tests.agent_support import (
    answer_text,
    ask,
    make_browser,
    of_type,
    open_socket,
    point_network,
    say,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alice(transactional_db, settings, anvil_testnet, mcp_testnet):
    point_network(settings, "testnet", mcp_testnet.url)
    return make_browser("alice")


def stored(chat: ChatSession) -> ChatSession:
    return ChatSession.objects.get(pk=chat.pk)


async def sent_transfer(browser, chat: ChatSession) -> str:
    """Alice's first turn in ``chat``: a transfer; its hash."""
    socket, _ = await open_socket(browser, chat.public_id)
    seen = await ask(socket, "send 3 wei from alice to carol")
    await socket.disconnect()
    return str(of_type(seen, "tool.result")[0]["result"]["tx_hash"])


async def test_an_expired_chat_takes_a_message_and_answers_from_its_history(alice):
    chat = await database_sync_to_async(alice.new_chat)()
    tx_hash = await sent_transfer(alice, chat)
    await database_sync_to_async(manager.expire)(chat)

    socket, state = await open_socket(alice, chat.public_id)
    assert state["session"]["status"] == "expired"
    seen = await ask(socket, "what was the receipt of that transfer?")
    call = of_type(seen, "tool.call")[0]
    assert (call["tool"], call["arguments"]) == ("get_transaction_receipt", {"tx_hash": tx_hash})
    assert "testnet" in answer_text(seen)
    await socket.disconnect()

    again = await database_sync_to_async(stored)(chat)
    assert (again.status, again.network) == (ChatSession.Status.ACTIVE, "testnet")
    assert again.place is not None  # it counts among the active chats again
    assert await database_sync_to_async(again.messages.count)() == 4  # 2 turns, none lost


async def test_a_chat_closed_in_another_tab_takes_the_next_message_on_the_same_socket(alice):
    chat = await database_sync_to_async(alice.new_chat)()
    tx_hash = await sent_transfer(alice, chat)
    socket, _ = await open_socket(alice, chat.public_id)
    closing = await database_sync_to_async(alice.client)()
    response = await database_sync_to_async(closing.post)(f"/api/sessions/{chat.public_id}/close")
    assert response.json()["session"]["status"] == "closed"
    told = await socket.receive_json_from(timeout=10)
    assert told["code"] == "session_expired"
    assert "continue" in told["message"] and "no new messages" not in told["message"]

    seen = await ask(socket, "and her balance?")
    call = of_type(seen, "tool.call")[0]
    assert (call["tool"], call["arguments"]) == ("get_balance", {"address": "carol"})
    receipt = await ask(socket, "what was the receipt of that transfer?")
    assert of_type(receipt, "tool.call")[0]["arguments"] == {"tx_hash": tx_hash}
    await socket.disconnect()
    assert (await database_sync_to_async(stored)(chat)).status == ChatSession.Status.ACTIVE


async def test_the_owners_cap_counts_only_the_chats_active_now(alice, settings):
    settings.MAX_SESSIONS_PER_OWNER = 2
    old = await database_sync_to_async(alice.new_chat)()
    await sent_transfer(alice, old)
    await database_sync_to_async(manager.expire)(old)
    first, second = [await database_sync_to_async(alice.new_chat)() for _ in range(2)]
    for chat in (first, second):  # an expired chat did not count: both start
        await sent_transfer(alice, chat)

    socket, _ = await open_socket(alice, old.public_id)
    await say(socket, "and her balance?")
    refused = await socket.receive_json_from(timeout=10)
    assert (refused["type"], refused["code"]) == ("error", "too_many_sessions")
    assert "You already have 2 active chat sessions" in refused["message"]
    still = await database_sync_to_async(stored)(old)
    assert (still.status, still.message_seq) == (ChatSession.Status.EXPIRED, 2)

    await database_sync_to_async(manager.close)(first)  # now one is active: room for another
    seen = await ask(socket, "and her balance?")
    assert of_type(seen, "tool.call")[0]["arguments"] == {"address": "carol"}
    assert (await database_sync_to_async(stored)(old)).status == ChatSession.Status.ACTIVE
    await socket.disconnect()
