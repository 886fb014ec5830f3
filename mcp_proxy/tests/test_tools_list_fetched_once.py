"""The first calls to a server, arriving together (every chat's first turn after a backend
starts), fetch its tool list once between them, not once each."""

from __future__ import annotations

import asyncio

from mcp_proxy import client as proxy
from mcp_proxy.tests.conftest import point_network


def test_thirty_first_calls_at_once_fetch_the_tool_list_once(
    settings, anvil_testnet, own_testnet_server, monkeypatch
):
    point_network(settings, "testnet", own_testnet_server.url)
    fetches = []
    fetch = proxy._catalog._fetch

    async def counted(network, deadline):
        fetches.append(network.name)
        return await fetch(network, deadline)

    monkeypatch.setattr(proxy._catalog, "_fetch", counted)

    async def first_turns() -> list[proxy.ToolResult]:
        calls = (proxy.call_tool("testnet", "get_block_number", {}) for _ in range(30))
        return await asyncio.gather(*calls)

    results = asyncio.run(first_turns())
    assert len(results) == 30 and all(isinstance(r.structured, dict) for r in results)
    assert fetches == ["testnet"]
