"""A keep-alive connection the server drops as it is reused costs a read nothing, even with a
single replica; a write on it is not sent twice."""

from __future__ import annotations

import asyncio

import pytest

from mcp_proxy import client as proxy
from mcp_proxy.errors import ProxyError
from testsupport.browsers import point_network
from testsupport.processes import Anvil, McpServer
from testsupport.tcpproxy import TcpProxy


def _port(url: str) -> int:
    return int(url.split(":")[2].split("/")[0])


@pytest.mark.django_db(transaction=True)
def test_a_read_on_a_dropped_connection_is_retried_on_the_only_replica(
    settings, anvil_testnet: Anvil, own_testnet_server: McpServer
):
    async def scenario() -> None:
        relay = TcpProxy("127.0.0.1", _port(own_testnet_server.url))
        await relay.start()
        point_network(settings, "testnet", anvil_testnet.url, f"http://127.0.0.1:{relay.port}/mcp")
        try:
            before = await proxy.call_tool("testnet", "get_block_number", {})
            relay.drop_requests = 1
            after = await proxy.call_tool("testnet", "get_block_number", {})
        finally:
            await relay.stop()
        assert relay.dropped == 1  # the first try really was dropped
        assert after.payload()["block_number"] >= before.payload()["block_number"]

    asyncio.run(scenario())


@pytest.mark.django_db(transaction=True)
def test_a_write_on_a_dropped_connection_is_refused_not_sent_again(
    settings, anvil_testnet: Anvil, own_testnet_server: McpServer
):
    async def scenario() -> None:
        relay = TcpProxy("127.0.0.1", _port(own_testnet_server.url))
        await relay.start()
        point_network(settings, "testnet", anvil_testnet.url, f"http://127.0.0.1:{relay.port}/mcp")
        transfer = {"from_address": "carol", "to": "dave", "value": "0.001"}
        try:
            await proxy.call_tool("testnet", "get_block_number", {})
            relay.drop_requests = 1
            with pytest.raises(ProxyError) as refused:
                await proxy.call_tool("testnet", "send_transaction", transfer)
        finally:
            await relay.stop()
        assert refused.value.code == "unreachable"
        assert "dropped the connection" in refused.value.message
        assert relay.dropped == 1

    asyncio.run(scenario())
