"""Fixtures shared by every app's tests: real Anvil chains and real runmcp servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testsupport.processes import Anvil, McpServer, start_anvil, start_runmcp


@pytest.fixture(scope="session")
def anvil_testnet() -> Iterator[Anvil]:
    """An Anvil chain with chain id 31337, served as testnet."""
    anvil = start_anvil(chain_id=31337)
    yield anvil
    anvil.stop()


@pytest.fixture(scope="session")
def anvil_polygon() -> Iterator[Anvil]:
    """A second Anvil with chain id 137, served as the (non-dev) polygon network."""
    anvil = start_anvil(chain_id=137)
    yield anvil
    anvil.stop()


@pytest.fixture(scope="session")
def mcp_testnet(anvil_testnet: Anvil) -> Iterator[McpServer]:
    server = start_runmcp("testnet", anvil_testnet.url)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mcp_polygon(anvil_polygon: Anvil) -> Iterator[McpServer]:
    server = start_runmcp("polygon", anvil_polygon.url)
    yield server
    server.stop()
