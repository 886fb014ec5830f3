"""MCP_AUTH_TOKEN travels as a bearer token on every call (and health probe)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mcp_proxy.tests.conftest import call, point_network
from testsupport import local_http
from testsupport.processes import McpServer, start_runmcp

TOKEN = "proxy-test-token-3f9a"


@pytest.fixture
def guarded_server(anvil_testnet) -> Iterator[McpServer]:
    server = start_runmcp("testnet", anvil_testnet.url, env={"MCP_AUTH_TOKEN": TOKEN}, wait=False)
    try:
        yield server
    finally:
        server.stop()


def wait_for_guarded(server: McpServer) -> None:

    from testsupport.processes import wait_until

    headers = {"authorization": f"Bearer {TOKEN}"}
    wait_until(
        lambda: local_http.get(server.health_url, headers=headers, timeout=1).status_code == 200,
        30,
        "guarded runmcp",
    )


@pytest.mark.django_db(transaction=True)
def test_token_is_forwarded_on_calls_and_health_probes(
    settings, anvil_testnet, guarded_server, alice
):
    wait_for_guarded(guarded_server)
    point_network(settings, "testnet", guarded_server.url)
    settings.MCP_AUTH_TOKEN = TOKEN
    chat, browser = alice.new_chat(), alice.client()
    response = call(browser, "testnet", chat.public_id, "get_network_info")
    assert response.status_code == 200, response.content
    assert response.json()["result"]["chain_id"] == 31337
    assert browser.get("/api/mcp/health").json()["networks"]["testnet"]["state"] == "up"


@pytest.mark.django_db(transaction=True)
def test_wrong_token_gets_a_clear_error_without_the_token(
    settings, anvil_testnet, guarded_server, alice
):
    wait_for_guarded(guarded_server)
    point_network(settings, "testnet", guarded_server.url)
    settings.MCP_AUTH_TOKEN = "wrong-token"
    chat = alice.new_chat()
    response = call(alice.client(), "testnet", chat.public_id, "get_block_number")
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "unreachable"
    assert "MCP_AUTH_TOKEN" in error["message"] and "wrong-token" not in error["message"]
