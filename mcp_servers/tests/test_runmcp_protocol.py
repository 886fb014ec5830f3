"""The protocol over HTTP against real `runmcp` processes, through the SDK's client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from testsupport import local_http
from testsupport.processes import Anvil, McpServer, start_runmcp

TOKEN = "s3cret-bearer-token"
JSON_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}


def text_of(result) -> str:
    return result.content[0].text


async def test_testnet_lists_every_tool_including_send_transaction(mcp_testnet: McpServer) -> None:
    async with Client(mcp_testnet.url) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert "send_transaction" in tools and "set_network" not in tools
    assert len(tools) == 42
    balance = tools["get_balance"]
    assert balance.input_schema["properties"]["address"]["description"]
    assert balance.annotations.read_only_hint is True
    assert tools["send_transaction"].annotations.destructive_hint is True


async def test_polygon_does_not_offer_send_transaction(mcp_polygon: McpServer) -> None:
    async with Client(mcp_polygon.url) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
    assert "send_transaction" not in names and "prepare_transaction" in names


async def test_tool_call_gives_structured_content_and_a_sentence(mcp_testnet: McpServer) -> None:
    async with Client(mcp_testnet.url) as client:
        result = await client.call_tool("get_balance", {"address": "alice"})
        error = await client.call_tool("get_balance", {"address": "0x12"})
    assert result.is_error is False
    assert result.structured_content["address"] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert isinstance(result.structured_content["balance_wei"], str)
    assert text_of(result).startswith("alice (0xf39F…2266) holds ")
    assert error.is_error is True
    assert "is not a valid address" in text_of(error) and "Traceback" not in text_of(error)


async def test_two_servers_answer_with_their_own_chain(
    mcp_testnet: McpServer, mcp_polygon: McpServer
) -> None:
    async with Client(mcp_testnet.url) as testnet, Client(mcp_polygon.url) as polygon:
        a = await testnet.call_tool("get_network_info", {})
        b = await polygon.call_tool("get_network_info", {})
        sent = await testnet.call_tool(
            "send_transaction", {"from_address": "judy", "to": "ivan", "value": "3"}
        )
        ivan = sent.structured_content["to"]
        on_testnet = await testnet.call_tool("get_balance", {"address": ivan})
        on_polygon = await polygon.call_tool("get_balance", {"address": ivan})
    assert (a.structured_content["chain_id"], b.structured_content["chain_id"]) == (31337, 137)
    assert sent.structured_content["status"] == "success"
    assert (
        on_testnet.structured_content["balance_wei"] != on_polygon.structured_content["balance_wei"]
    )
    assert on_polygon.structured_content["balance"] == "10000"
    assert "POL" in text_of(on_polygon)


async def test_health_reports_chain_rpc_and_tools(mcp_testnet: McpServer) -> None:
    async with local_http.async_client() as http:
        report = (await http.get(mcp_testnet.health_url)).json()
    assert report["network"] == "testnet"
    assert report["expected_chain_id"] == report["chain_id"] == 31337
    assert report["rpc_ok"] is True and report["status"] == "ok"
    assert isinstance(report["latest_block"], int)
    assert "send_transaction" in report["tools"]
    assert "127.0.0.1:" not in str(report)  # no RPC URL


async def test_foreign_host_and_origin_are_refused(mcp_testnet: McpServer) -> None:
    async with local_http.async_client() as http:
        host = await http.post(
            mcp_testnet.url, json=PING, headers={**JSON_HEADERS, "Host": "evil.example"}
        )
        origin = await http.post(
            mcp_testnet.url, json=PING, headers={**JSON_HEADERS, "Origin": "http://evil.example"}
        )
        local = await http.post(
            mcp_testnet.url, json=PING, headers={**JSON_HEADERS, "Origin": "http://localhost:8000"}
        )
    assert host.status_code == 421
    assert origin.status_code == 403
    assert local.status_code == 200


async def test_oversized_body_is_refused(mcp_testnet: McpServer) -> None:
    padding = "x" * (300 * 1024)
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "get_block_number", "arguments": {"pad": padding}}}  # fmt: skip
    async with local_http.async_client() as http:
        response = await http.post(mcp_testnet.url, json=body, headers=JSON_HEADERS)
    assert response.status_code == 413


@pytest.fixture(scope="module")
def mcp_with_token(anvil_testnet: Anvil) -> Iterator[McpServer]:
    server = start_runmcp("testnet", anvil_testnet.url, env={"MCP_AUTH_TOKEN": TOKEN})
    yield server
    server.stop()


async def test_bearer_token_is_required_and_accepted(mcp_with_token: McpServer) -> None:
    async with local_http.async_client() as http:
        missing = await http.post(mcp_with_token.url, json=PING, headers=JSON_HEADERS)
        wrong = await http.post(
            mcp_with_token.url, json=PING, headers={**JSON_HEADERS, "Authorization": "Bearer nope"}
        )
        health = await http.get(mcp_with_token.health_url)
    assert (missing.status_code, wrong.status_code, health.status_code) == (401, 401, 401)
    assert missing.json()["error"]["code"] == "unauthorized"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx2.AsyncClient(headers=headers) as http_client:
        async with Client(
            streamable_http_client(mcp_with_token.url, http_client=http_client)
        ) as client:
            result = await client.call_tool("get_block_number", {})
    assert result.is_error is False
    assert "The latest block on testnet is" in text_of(result)
