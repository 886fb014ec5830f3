"""Fixtures of the proxy tests: the backend's network table pointed at real runmcp servers,
and browsers (alice, bob) that own chat sessions through their Django session cookie."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from testsupport.browsers import Browser, make_browser, point_network
from testsupport.processes import Anvil, McpServer, start_runmcp


@pytest.fixture
def networks(settings, anvil_testnet: Anvil, anvil_polygon: Anvil, mcp_testnet, mcp_polygon):
    """testnet and polygon served by the session's runmcp processes."""
    point_network(settings, "testnet", mcp_testnet.url)
    point_network(settings, "polygon", mcp_polygon.url)
    return settings


@pytest.fixture
def unlimited(settings):
    """Tests that make many calls on one chat session turn the rate limit off."""
    settings.PROXY_RATE_LIMIT = 0
    return settings


@pytest.fixture
def alice(transactional_db) -> Browser:
    return make_browser("alice")


@pytest.fixture
def bob(transactional_db) -> Browser:
    return make_browser("bob")


@pytest.fixture
def own_testnet_server(anvil_testnet: Anvil) -> Iterator[McpServer]:
    """A testnet runmcp this test may kill, freeze or restart."""
    server = start_runmcp("testnet", anvil_testnet.url)
    yield server
    server.stop()


def call(client: Client, network: str, session_id: str, tool: str, params=None):
    body = {"session_id": session_id, "tool": tool, "params": params or {}}
    return client.post(f"/api/mcp/{network}", body, content_type="application/json")
