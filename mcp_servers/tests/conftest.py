"""Fixtures for the MCP server tests: a Chain over the session's Anvil, a deployed token."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from mcp_types import CallToolResult
from web3 import HTTPProvider, Web3

from chatproject.networks import Network
from mcp_servers.chain import Chain
from mcp_servers.server import run_tool
from mcp_servers.tools import TOOL_SPECS
from testsupport.processes import Anvil

CONTRACTS = Path(__file__).parent / "contracts"
TOKEN_DECIMALS = 6
TOKEN_SUPPLY = 1_000_000 * 10**TOKEN_DECIMALS
# Anvil's well-known dev key 0 (public test data of every Foundry install): alice.
ALICE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def network_for(name: str, rpc_url: str) -> Network:
    return replace(settings.NETWORKS[name], rpc_url=rpc_url)


@pytest.fixture
async def chain(anvil_testnet: Anvil) -> AsyncIterator[Chain]:
    """A testnet Chain over the session's Anvil (one per test: aiohttp sessions are per loop)."""
    chain = Chain(network_for("testnet", anvil_testnet.url), timeout=10)
    yield chain
    await chain.w3.provider.disconnect()  # type: ignore[attr-defined]


@pytest.fixture
async def polygon_chain(anvil_polygon: Anvil) -> AsyncIterator[Chain]:
    chain = Chain(network_for("polygon", anvil_polygon.url), timeout=10)
    yield chain
    await chain.w3.provider.disconnect()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def sync_w3(anvil_testnet: Anvil) -> Web3:
    return Web3(HTTPProvider(anvil_testnet.url))


def deploy_token(w3: Web3, deployer: str, name: str = "Test Token", symbol: str = "TT") -> str:
    artifact = json.loads((CONTRACTS / "TestToken.json").read_text())
    contract = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    tx_hash = contract.constructor(name, symbol, TOKEN_DECIMALS, TOKEN_SUPPLY).transact(
        {"from": deployer}
    )
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    assert receipt["status"] == 1
    return str(receipt["contractAddress"])


@pytest.fixture(scope="session")
def token(sync_w3: Web3) -> Iterator[str]:
    """A TestToken deployed by alice (account 0), who holds the whole supply at first."""
    yield deploy_token(sync_w3, ALICE)


def token_contract(w3: Web3, address: str) -> Any:
    artifact = json.loads((CONTRACTS / "TestToken.json").read_text())
    return w3.eth.contract(address=address, abi=artifact["abi"])  # type: ignore[call-overload]


async def call(chain: Chain, tool: str, **arguments: Any) -> CallToolResult:
    """Run a tool exactly as the server does (validation, errors), without the protocol."""
    spec = next(spec for spec in TOOL_SPECS if spec.name == tool)
    return await run_tool(spec, chain, arguments)


async def error_of(chain: Chain, tool: str, **arguments: Any) -> str:
    """The sentence a failing tool call shows the user."""
    result = await call(chain, tool, **arguments)
    assert result.is_error, f"expected an error, got {result.structured_content}"
    text = result.content[0].text  # type: ignore[union-attr]
    assert "Traceback" not in text
    return str(text)
