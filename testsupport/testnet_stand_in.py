"""A pytest plugin: testnet is a configured network in every test that does not point it at a
server of its own.

The backend lets people use a network while its MCP servers' /health says its chain is
reachable (mcp_proxy/availability.py). A test that chats on testnet without starting a runmcp
gets, through MCP_TESTNET_URL, a stand-in whose /health is fine and whose every call fails at
once (HTTP 503): the chat takes the message and a tool call fails, as with any server that
cannot serve a call. Tests that need the tools point testnet at a real runmcp.

Loaded with `-p testsupport.testnet_stand_in` (pyproject's addopts), before pytest-django reads
the settings; the URL goes into os.environ, so every process a test starts inherits it. An
MCP_TESTNET_URL already set is left alone.
"""

from __future__ import annotations

import os

import pytest

from testsupport.stand_in_mcp import start_stand_in


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    if "MCP_TESTNET_URL" in os.environ or {"--help", "-h", "--version", "-V"} & set(args):
        return
    stand_in = start_stand_in(calls_fail=True)
    os.environ["MCP_TESTNET_URL"] = stand_in.url
    early_config.add_cleanup(stand_in.stop)
