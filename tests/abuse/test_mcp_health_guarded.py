"""An MCP server's /health gets the checks of its /mcp: a foreign Host (DNS rebinding) or
Origin is refused, and with MCP_AUTH_TOKEN set the token is needed (item 9 of the review)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from testsupport import local_http
from testsupport.processes import Anvil, McpServer, start_runmcp

TOKEN = secrets.token_urlsafe(24)
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def guarded(anvil_testnet: Anvil) -> Iterator[McpServer]:
    server = start_runmcp("testnet", anvil_testnet.url, env={"MCP_AUTH_TOKEN": TOKEN})
    yield server
    server.stop()


@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "attacker.test:80"])
def test_a_foreign_host_is_refused_on_health_as_on_mcp(guarded, host):
    for path in ("/health", "/mcp"):
        response = local_http.get(
            f"http://127.0.0.1:{guarded.port}{path}", headers={**AUTH, "Host": host}, timeout=10
        )
        assert response.status_code == 421, (path, response.status_code, response.text)
        assert "chain_id" not in response.text


def test_a_foreign_origin_is_refused_on_health(guarded):
    headers = {**AUTH, "Origin": "http://evil.example"}
    response = local_http.get(guarded.health_url, headers=headers, timeout=10)
    assert response.status_code == 403


def test_health_without_the_token_is_refused(guarded):
    assert local_http.get(guarded.health_url, timeout=10).status_code == 401


def test_health_with_the_token_and_a_local_host_answers(guarded):
    response = local_http.get(guarded.health_url, headers=AUTH, timeout=10)
    assert response.status_code == 200
    assert response.json()["chain_id"] == 31337
