"""An MCP server started with MCP_AUTH_TOKEN refuses everything that lacks the exact token.

mcp_servers' own test checks a missing and a wrong token on one call; this one fuzzes the
Authorization header, walks other paths and methods, tries a websocket upgrade, and proves a
refused write did nothing on the chain (alice's nonce is unchanged).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from testsupport import local_http
from testsupport.processes import Anvil, McpServer, start_runmcp

TOKEN = secrets.token_urlsafe(24)
ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
JSON_HEADERS = {"Accept": "application/json, text/event-stream"}
SEND = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "tools/call",
    "params": {
        "name": "send_transaction",
        "arguments": {"from_address": "alice", "to": "bob", "value": "1", "unit": "ether"},
    },
}


@pytest.fixture(scope="module")
def guarded(anvil_testnet: Anvil) -> Iterator[McpServer]:
    server = start_runmcp("testnet", anvil_testnet.url, env={"MCP_AUTH_TOKEN": TOKEN})
    yield server
    server.stop()


def nonce(anvil: Anvil) -> int:
    return int(anvil.rpc("eth_getTransactionCount", ALICE, "latest"), 16)


def wrong_authorizations() -> st.SearchStrategy[str]:
    near = [
        f"bearer {TOKEN}",
        f"Bearer  {TOKEN}",
        f"Bearer {TOKEN[:-1]}",
        f"Bearer {TOKEN}x",
        f"Basic {TOKEN}",
        TOKEN,
        "Bearer",
        f"Bearer {TOKEN.upper()}",
    ]
    printable = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
    values = st.sampled_from(near) | printable.map(lambda t: f"Bearer {t}") | printable
    # HTTP header values carry no surrounding whitespace.
    return values.map(str.strip).filter(lambda v: v != f"Bearer {TOKEN}")


@settings(max_examples=50, deadline=None)
@given(authorization=wrong_authorizations())
def test_any_other_authorization_is_refused_and_writes_nothing(
    guarded, anvil_testnet, authorization
):
    before = nonce(anvil_testnet)
    headers = {**JSON_HEADERS, "Authorization": authorization}
    response = local_http.post(guarded.url, json=SEND, headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert TOKEN not in response.text
    assert nonce(anvil_testnet) == before


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("path", ["/mcp", "/mcp/", "/health", "/", "/metrics", "/mcp?x=1"])
def test_every_path_and_method_needs_the_token(guarded, method, path):
    url = f"http://127.0.0.1:{guarded.port}{path}"
    response = local_http.request(method, url, headers=JSON_HEADERS, timeout=10)
    assert response.status_code == 401, (method, path, response.status_code)


def test_websocket_upgrade_without_token_gets_nothing(guarded):
    headers = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }
    url = f"http://127.0.0.1:{guarded.port}/mcp"
    try:
        response = local_http.get(url, headers=headers, timeout=10)
    except httpx.HTTPError:
        return  # the connection was refused or dropped: nothing was served
    assert response.status_code != 101
    assert response.status_code >= 400


def test_the_exact_token_is_accepted(guarded):
    headers = {**JSON_HEADERS, "Authorization": f"Bearer {TOKEN}"}
    response = local_http.get(
        f"http://127.0.0.1:{guarded.port}/health", headers=headers, timeout=10
    )
    assert response.status_code == 200
