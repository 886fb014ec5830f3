"""A keep-alive connection the server drops as it is reused costs a read nothing, even with a
single replica; a write on it is not sent twice."""

from __future__ import annotations

import pytest

from mcp_proxy import client as proxy
from mcp_proxy.errors import ProxyError
from testsupport.browsers import point_network
from testsupport.processes import Anvil, McpServer
from testsupport.tcpproxy import TcpProxy

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def relay(settings, anvil_testnet: Anvil, own_testnet_server: McpServer):
    """testnet's only replica, reached through a relay that can drop a request's connection;
    one call has opened the keep-alive connection already."""
    port = int(own_testnet_server.url.split(":")[2].split("/")[0])
    relay = TcpProxy("127.0.0.1", port)
    await relay.start()
    point_network(settings, "testnet", f"http://127.0.0.1:{relay.port}/mcp")
    await proxy.call_tool("testnet", "get_block_number", {})
    yield relay
    await relay.stop()


async def test_a_read_on_a_dropped_connection_is_retried_on_the_only_replica(relay):
    before = await proxy.call_tool("testnet", "get_block_number", {})
    relay.drop_requests = 1
    after = await proxy.call_tool("testnet", "get_block_number", {})
    assert relay.dropped == 1  # the first try really was dropped
    assert after.payload()["block_number"] >= before.payload()["block_number"]


async def test_a_write_on_a_dropped_connection_is_refused_not_sent_again(relay):
    relay.drop_requests = 1
    transfer = {"from_address": "carol", "to": "dave", "value": "0.001"}
    with pytest.raises(ProxyError) as refused:
        await proxy.call_tool("testnet", "send_transaction", transfer)
    assert refused.value.code == "unreachable"
    assert "dropped the connection" in refused.value.message
    assert relay.dropped == 1
