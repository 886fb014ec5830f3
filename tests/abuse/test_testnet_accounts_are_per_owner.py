"""One visitor cannot drain another's testnet accounts (issue 27, finding 6).

The review sent 9,999.99 ETH from alice to 0xdead, and every other visitor's alice then had
dust: the testnet's named accounts were Anvil's, shared by all. With TESTNET_ACCOUNTS=per_owner
(the default) each owner's alice … judy are accounts of their own, derived from the server's
secret and the owner, funded with 10,000 ETH on first use and sent for by impersonation. This
replays the attack through the real stack: two browsers, the backend's ASGI app, a real
runmcp on Anvil, PostgreSQL and Redis.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async

from sessions_app.tests.agent_support import ask, make_browser, of_type, open_socket, point_network
from testsupport.browsers import Browser
from testsupport.processes import Anvil, McpServer, start_runmcp

pytestmark = pytest.mark.django_db(transaction=True)

ANVIL_ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
DEAD = "0x000000000000000000000000000000000000dEaD"
TEN_THOUSAND_ETH = 10_000 * 10**18


@pytest.fixture(scope="module")
def per_owner_testnet(anvil_testnet: Anvil) -> Iterator[McpServer]:
    server = start_runmcp("testnet", anvil_testnet.url, env={"TESTNET_ACCOUNTS": "per_owner"})
    yield server
    server.stop()


@pytest.fixture
def visitors(
    settings: Any, anvil_testnet: Anvil, per_owner_testnet: McpServer
) -> tuple[Browser, Browser]:
    point_network(settings, "testnet", per_owner_testnet.url)
    return make_browser("mallory"), make_browser("alice-the-visitor")


def balance(anvil: Anvil, address: str) -> int:
    return int(anvil.rpc("eth_getBalance", address, "latest"), 16)


async def turn(browser: Browser, text: str) -> dict[str, Any]:
    """One builtin-agent turn in a new chat of ``browser``: its only tool result."""
    chat = await database_sync_to_async(browser.new_chat)()
    socket, _ = await open_socket(browser, chat.public_id)
    try:
        seen = await ask(socket, text)
    finally:
        await socket.disconnect()
    results = of_type(seen, "tool.result")
    assert len(results) == 1 and results[0]["ok"], seen
    return dict(results[0]["result"])


async def test_draining_your_alice_leaves_everyone_elses_alice_whole(
    visitors: tuple[Browser, Browser], anvil_testnet: Anvil
) -> None:
    mallory, visitor = visitors
    anvil_alice_before = balance(anvil_testnet, ANVIL_ALICE)
    sent = await turn(mallory, f"send 9999.99 ETH from alice to {DEAD}")
    assert sent["status"] == "success"
    mallorys_alice = sent["from"]
    assert balance(anvil_testnet, mallorys_alice) < 10**16  # dust left: the attack "worked"
    theirs = await turn(visitor, "balance of alice")
    assert theirs["address"] != mallorys_alice and theirs["address"] != ANVIL_ALICE
    assert int(theirs["balance_wei"]) == TEN_THOUSAND_ETH
    assert balance(anvil_testnet, ANVIL_ALICE) == anvil_alice_before  # the shared one untouched


async def test_an_owner_keeps_the_same_accounts_in_every_chat(
    visitors: tuple[Browser, Browser],
) -> None:
    mallory, _ = visitors
    first = await turn(mallory, "balance of bob")
    second = await turn(mallory, "balance of bob")
    assert first["address"] == second["address"] != "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


async def test_a_visitors_own_alice_signs_and_the_signature_recovers_to_her(
    visitors: tuple[Browser, Browser],
) -> None:
    _, visitor = visitors
    signed = await turn(visitor, "sign the message 'hello' as alice")
    assert signed["valid"] is True and signed["recovered"] == signed["signer"]
    assert signed["signer"] != ANVIL_ALICE
