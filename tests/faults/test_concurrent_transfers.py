"""Many users sending from the same dev account at once (the load generator's transfers):
every transfer is mined, none is refused as a nonce clash ("replacement transaction
underpriced" was the failure before the MCP server serialized sends per sender)."""

from __future__ import annotations

import asyncio
import secrets

from mcp import Client

from testsupport.processes import Anvil, McpServer

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
CONCURRENT = 16


def nonce(anvil: Anvil) -> int:
    return int(anvil.rpc("eth_getTransactionCount", ALICE, "latest"), 16)


async def send_one(url: str) -> tuple[bool, str]:
    to = "0x" + secrets.token_hex(20)
    arguments = {"from_address": "alice", "to": to, "value": "0.001"}
    async with Client(url) as client:
        result = await client.call_tool("send_transaction", arguments)
    return bool(result.is_error), result.content[0].text


async def test_concurrent_sends_from_one_account_are_all_mined(
    anvil_testnet: Anvil, mcp_testnet: McpServer
):
    before = nonce(anvil_testnet)
    outcomes = await asyncio.gather(*(send_one(mcp_testnet.url) for _ in range(CONCURRENT)))
    failures = [text for is_error, text in outcomes if is_error]
    assert failures == []
    assert nonce(anvil_testnet) == before + CONCURRENT
