"""A network named in the message wins over the page's selector for that turn: its tool calls
run there and say so, and the answer names it. An unavailable network is said, and nothing runs."""

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

DEAD = "0x000000000000000000000000000000000000dEaD"
ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


@pytest.fixture
async def socket(
    transactional_db, settings, anvil_testnet, mcp_testnet, anvil_polygon, mcp_polygon
):
    point_network(settings, "testnet", mcp_testnet.url)
    point_network(settings, "polygon", mcp_polygon.url)
    point_network(settings, "mainnet")  # no MCP server: not configured
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    yield socket
    await socket.disconnect()


async def test_named_network_wins_over_the_selector(socket):
    seen = await ask(socket, f"what is the balance of {DEAD} on polygon?", network="testnet")
    call = of_type(seen, "tool.call")[0]
    assert (call["tool"], call["network"]) == ("get_balance", "polygon")
    assert "on polygon" in answer_text(seen) and "POL" in answer_text(seen)
    row = await database_sync_to_async(ToolCall.objects.get)(call_id=call["call_id"])
    assert row.network == "polygon"


async def test_named_network_holds_for_every_request_of_the_message(socket):
    seen = await ask(socket, "block number on polygon and then the gas price", network="testnet")
    assert [c["network"] for c in of_type(seen, "tool.call")] == ["polygon", "polygon"]


async def test_unavailable_network_is_said_and_nothing_is_sent(socket, anvil_testnet):
    before = (
        anvil_testnet.rpc("eth_blockNumber"),
        anvil_testnet.rpc("eth_getBalance", ALICE, "latest"),
    )
    seen = await ask(socket, "send 1 eth from alice to bob on mainnet", network="testnet")
    assert not of_type(seen, "tool.call")
    assert "mainnet is not available" in answer_text(seen)
    after = (
        anvil_testnet.rpc("eth_blockNumber"),
        anvil_testnet.rpc("eth_getBalance", ALICE, "latest"),
    )
    assert after == before
