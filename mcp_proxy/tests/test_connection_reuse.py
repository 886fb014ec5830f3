"""One MCP handshake per server for the whole process, whatever loop or chat session calls."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync

from mcp_proxy import client as proxy
from mcp_proxy.tests.conftest import call, point_network


@pytest.mark.django_db(transaction=True)
def test_many_calls_from_many_sessions_and_loops_send_one_initialize(
    settings, unlimited, anvil_testnet, own_testnet_server, alice, bob
):
    point_network(settings, "testnet", own_testnet_server.url)
    chats = [alice.new_chat(), alice.new_chat(), bob.new_chat()]
    owners = [alice, alice, bob]
    for chat, owner in zip(chats, owners, strict=True):
        for _ in range(5):  # each request runs in its own async_to_sync loop
            assert (
                call(owner.client(), "testnet", chat.public_id, "get_block_number").status_code
                == 200
            )

    async def agent_turn() -> None:
        await asyncio.gather(
            *(proxy.call_tool("testnet", "get_block_number", {}) for _ in range(10))
        )

    asyncio.run(agent_turn())  # a fresh event loop, as a pytest-asyncio test or consumer has
    async_to_sync(agent_turn)()
    assert proxy.initialize_counts()[own_testnet_server.url] == 1
