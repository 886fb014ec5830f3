"""Each network's calls reach that network's server: testnet is chain 31337, polygon 137."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from mcp_proxy import client as proxy
from mcp_proxy.tests.conftest import call
from sessions_app.models import ToolCall


@pytest.mark.django_db(transaction=True)
def test_endpoint_routes_each_network_to_its_own_chain(networks, alice):
    chat = alice.new_chat()
    browser = alice.client()
    testnet = call(browser, "testnet", chat.public_id, "get_network_info")
    polygon = call(browser, "polygon", chat.public_id, "get_network_info")
    assert testnet.status_code == 200, testnet.json()
    assert testnet.json()["ok"] is True
    assert testnet.json()["result"]["chain_id"] == 31337
    assert polygon.json()["result"]["chain_id"] == 137
    rows = list(ToolCall.objects.filter(chat_session=chat).order_by("pk"))
    assert [(r.network, r.tool, r.is_error) for r in rows] == [
        ("testnet", "get_network_info", False),
        ("polygon", "get_network_info", False),
    ]
    assert rows[1].result["chain_id"] == 137


@pytest.mark.django_db(transaction=True)
def test_agent_interface_routes_each_network_to_its_own_chain(networks):
    testnet = async_to_sync(proxy.call_tool)("testnet", "get_network_info", {})
    polygon = async_to_sync(proxy.call_tool)("polygon", "get_network_info", {})
    assert testnet.structured is not None and testnet.structured["chain_id"] == 31337
    assert polygon.structured is not None and polygon.structured["chain_id"] == 137
    assert "31337" in testnet.text
    assert testnet.duration_ms >= 0


async def test_agent_interface_lists_tools_with_schemas_and_hints(networks):
    tools = {spec.name: spec for spec in await proxy.list_tools("testnet")}
    assert {"get_network_info", "get_block_number", "get_balance"} <= set(tools)
    balance = tools["get_balance"]
    assert "address" in balance.input_schema["properties"]
    assert balance.read_only and not balance.destructive
