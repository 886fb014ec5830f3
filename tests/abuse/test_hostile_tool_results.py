"""A contract that answers with hostile bytes (NUL, invalid UTF-8-ish text, control
characters): the turn still completes, the session stays usable, nothing is a 500."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from sessions_app.tests.agent_support import (
    ask,
    of_type,
    open_socket,
)
from tests.abuse.helpers import install_string_contract

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = "a\x00b\x01\x1b[31m\u202e\ufeff"


@pytest.fixture
def hostile_contract(anvil_testnet) -> str:
    return install_string_contract(anvil_testnet, "0x" + "0d" * 20, HOSTILE)


async def test_nul_in_a_tool_result_does_not_kill_the_turn(alice, hostile_contract):
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    seen = await ask(socket, f"call name() returns (string) on {hostile_contract}")
    assert of_type(seen, "turn.complete")
    again = await ask(socket, "help")
    assert of_type(again, "turn.complete")
    await socket.disconnect()
