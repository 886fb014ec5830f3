"""A dead MCP server or an unavailable network: the agent says so plainly, the turn completes
and the session stays usable."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from sessions_app.tests.agent_support import (
    answer_text,
    ask,
    make_browser,
    of_type,
    open_socket,
    point_network,
)
from testsupport.processes import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def socket(transactional_db, settings, anvil_testnet):
    nobody = f"http://127.0.0.1:{free_port()}/mcp"  # nothing listens there
    point_network(settings, "testnet", nobody)
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    yield socket
    await socket.disconnect()


async def test_dead_server_is_reported_and_session_stays_usable(socket, settings, mcp_testnet):
    seen = await ask(socket, "balance of alice")
    result = of_type(seen, "tool.result")[0]
    assert result["ok"] is False
    assert result["error"]["code"] in {"unreachable", "server_down", "timeout"}
    assert "failed" in answer_text(seen)
    assert "127.0.0.1" not in str(seen)  # no server URL leaks into what the user sees
    # Meanwhile the network counts as down (mcp_proxy/availability.py); once a server answers
    # for it again, the same chat goes on.
    point_network(settings, "testnet", mcp_testnet.url)
    assert "I understand" in answer_text(await ask(socket, "help"))


async def test_unavailable_network_is_refused_with_an_error_event(socket, settings):
    point_network(settings, "mainnet")  # no MCP server: not configured
    await socket.send_json_to({"type": "chat.message", "text": "gas price", "network": "mainnet"})
    error = await socket.receive_json_from(timeout=10)
    assert error["type"] == "error" and error["code"] == "network_unavailable"
