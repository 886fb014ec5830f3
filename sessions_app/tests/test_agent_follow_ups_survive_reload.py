"""Follow-ups ("that transfer", "its receipt", "his balance") refer to the session's last
transaction and address, read from its stored history: they work from a new socket (a reload)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from sessions_app.models import ToolCall
from sessions_app.tests.agent_support import (
    answer_text,
    ask,
    make_browser,
    of_type,
    open_socket,
    point_network,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alice(transactional_db, settings, anvil_testnet, mcp_testnet):
    point_network(settings, "testnet", mcp_testnet.url)
    return make_browser("alice")


async def reload(browser, chat_id, socket):
    await socket.disconnect()
    fresh, _ = await open_socket(browser, chat_id)
    return fresh


async def test_receipt_of_that_transfer_after_a_reload(alice):
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    sent = await ask(socket, "send 3 wei from alice to carol")
    tx_hash = of_type(sent, "tool.result")[0]["result"]["tx_hash"]
    socket = await reload(alice, chat.public_id, socket)

    seen = await ask(socket, "what was the receipt of that transfer?")
    call = of_type(seen, "tool.call")[0]
    assert (call["tool"], call["arguments"]) == ("get_transaction_receipt", {"tx_hash": tx_hash})
    assert of_type(seen, "tool.result")[0]["ok"] is True
    assert "testnet" in answer_text(seen)

    seen = await ask(socket, "and her balance?")
    call = of_type(seen, "tool.call")[0]
    assert (call["tool"], call["arguments"]) == ("get_balance", {"address": "carol"})
    await socket.disconnect()


async def test_compound_send_then_its_receipt_runs_in_order(alice):
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    seen = await ask(socket, "send 0.1 eth from alice to bob and then tell me his balance")
    tools = [call["tool"] for call in of_type(seen, "tool.call")]
    assert tools == ["send_transaction", "get_balance"]
    assert of_type(seen, "tool.call")[1]["arguments"] == {"address": "bob"}
    rows = await database_sync_to_async(list)(
        ToolCall.objects.filter(chat_session=chat).order_by("pk").values_list("tool", flat=True)
    )
    assert rows == tools
    await socket.disconnect()


async def test_no_transfer_yet_is_said_without_a_tool_call(alice):
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    seen = await ask(socket, "its receipt")
    assert not of_type(seen, "tool.call")
    assert "which transaction" in answer_text(seen)
    await socket.disconnect()
