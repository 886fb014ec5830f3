"""A contract that answers with hostile bytes (NUL, invalid UTF-8-ish text, control
characters): the turn still completes, the session stays usable, nothing is a 500."""

from __future__ import annotations

import httpx
import pytest
from channels.db import database_sync_to_async

from sessions_app.tests.agent_support import (
    _close_chat_db_threads,  # noqa: F401
    ask,
    make_browser,
    of_type,
    open_socket,
    point_network,
)
from tests.abuse.test_xss_payloads import string_returning_code

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = "a\x00b\x01\x1b[31m\u202e\ufeff"


@pytest.fixture
def hostile_contract(anvil_testnet) -> str:
    address = "0x" + "0d" * 20
    body = {"jsonrpc": "2.0", "id": 1, "method": "anvil_setCode"}
    body["params"] = [address, string_returning_code(HOSTILE)]
    assert "error" not in httpx.post(anvil_testnet.url, json=body, timeout=10).json()
    return address


@pytest.fixture
def alice(transactional_db, settings, anvil_testnet, mcp_testnet):
    point_network(settings, "testnet", anvil_testnet.url, mcp_testnet.url)
    return make_browser("alice")


async def test_nul_in_a_tool_result_does_not_kill_the_turn(alice, hostile_contract):
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    seen = await ask(socket, f"call name() returns (string) on {hostile_contract}")
    assert of_type(seen, "turn.complete")
    again = await ask(socket, "help")
    assert of_type(again, "turn.complete")
    await socket.disconnect()
