"""The daily cap is kept per owner and sender in the database every replica shares: alice's
two chats on two runmcp replicas of one network spend from one day's budget, a restarted
replica still knows it, and bob's budget is his own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from mcp.client.client import Client

from testsupport.processes import Anvil, McpServer, postgres_url, start_runmcp, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

DAILY_CAP = {"SPEND_MAX_NATIVE_PER_DAY": "1", "SPEND_MAX_NATIVE_PER_TX": ""}


@pytest.fixture
def replicas(anvil_testnet: Anvil) -> Iterator[list[McpServer]]:
    """Two runmcp replicas of testnet, on the test database, with a 1 ETH daily cap."""
    env = {"DATABASE_URL": postgres_url(settings.DATABASES["default"]), **DAILY_CAP}
    servers = [start_runmcp("testnet", anvil_testnet.url, env=env) for _ in range(2)]
    yield servers
    for server in servers:
        server.stop()


async def send(server: McpServer, owner: str, session: str, value: str) -> Any:
    """A send as the proxy makes it: the owner's and the chat's hashes in _meta."""
    meta = {"evmchat/owner": owner, "evmchat/session": session}
    async with Client(server.url) as client:
        return await client.call_tool(
            "send_transaction", {"from_address": "grace", "to": "bob", "value": value}, meta=meta
        )


def text(result: Any) -> str:
    return str(result.content[0].text)


async def test_one_owner_spends_one_budget_on_every_replica_and_after_a_restart(
    replicas: list[McpServer],
) -> None:
    first, second = replicas
    assert not (await send(first, "alice-owner", "alice-chat-1", "0.6")).is_error
    refused = await send(second, "alice-owner", "alice-chat-2", "0.6")
    assert refused.is_error
    assert "has already sent or prepared 0.6 ETH today, so 0.4 ETH are left" in text(refused)
    first.stop()
    first.start()
    wait_until(first.ready, 30, "the restarted runmcp")
    after_restart = await send(first, "alice-owner", "alice-chat-3", "0.6")
    assert after_restart.is_error and "so 0.4 ETH are left" in text(after_restart)
    assert not (await send(second, "alice-owner", "alice-chat-2", "0.4")).is_error
    # Bob's chats have a budget of their own, on the same sender and replicas.
    assert not (await send(second, "bob-owner", "bob-chat", "0.6")).is_error
