"""Fixtures for the MCP server tests: a Chain over the session's Anvil, a deployed token."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from mcp_types import CallToolResult
from web3 import HTTPProvider, Web3

from chatproject.lib.networks import Network
from mcp_servers.chain import Chain
from mcp_servers.server import run_tool
from mcp_servers.tools import TOOL_SPECS
from testsupport.processes import Anvil
from testsupport.solidity import Artifact, compile_sources

CONTRACTS = Path(__file__).parent / "contracts"
TOKEN_DECIMALS = 6
TOKEN_SUPPLY = 1_000_000 * 10**TOKEN_DECIMALS
# Anvil's well-known dev key 0 (public test data of every Foundry install): alice.
ALICE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
# Anvil's dev accounts 8 and 9: the spend-policy bypass tests hold their tokens (few other
# tests touch them, and those only move ETH).
IVAN = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"
JUDY = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"
GUARD_DECIMALS = 18
GUARD_SUPPLY = 1_000_000 * 10**GUARD_DECIMALS
IVAN_GUARD = 1_000 * 10**GUARD_DECIMALS  # ivan's GUARD at the start of the session
MAX_UINT256 = 2**256 - 1


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


# Contracts compiled from their Solidity sources in this session (testsupport/solidity.py) ------

SOURCES = (
    CONTRACTS / "TestToken.sol",
    CONTRACTS / "TestNFT.sol",
    CONTRACTS / "TestMultiToken.sol",
    CONTRACTS / "GuardToken.sol",
    CONTRACTS / "Claimer.sol",
    CONTRACTS / "Router.sol",
    Path(__file__).resolve().parent.parent / "contracts" / "Multicall3.sol",
)
NFT_DATA_URI = (
    "data:application/json;base64,"
    + base64.b64encode(b'{"name": "Alice\'s cat", "image": "data:,cat"}').decode()
)


@pytest.fixture(scope="session")
def compiled() -> dict[str, Artifact]:
    return compile_sources(*SOURCES)


def deploy(w3: Web3, artifact: Artifact, deployer: str, *args: Any) -> str:
    contract = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    tx_hash = contract.constructor(*args).transact({"from": deployer})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    assert receipt["status"] == 1
    return str(receipt["contractAddress"])


def contract_at(w3: Web3, artifact: Artifact, address: str) -> Any:
    return w3.eth.contract(address=address, abi=artifact.abi)  # type: ignore[call-overload]


def transact(w3: Web3, call: Any, sender: str) -> None:
    receipt = w3.eth.wait_for_transaction_receipt(call.transact({"from": sender}), timeout=30)
    assert receipt["status"] == 1


@pytest.fixture(scope="session")
def usd(sync_w3: Web3, compiled: dict[str, Artifact]) -> str:
    """A 6-decimal ERC-20 ("Test Dollar", TUSD) compiled here; alice holds the whole supply."""
    return deploy(sync_w3, compiled["TestToken"], ALICE, "Test Dollar", "TUSD", 6, TOKEN_SUPPLY)


@pytest.fixture(scope="session")
def nft(sync_w3: Web3, compiled: dict[str, Artifact]) -> str:
    """An ERC-721: alice owns #1 (metadata in a data: URI) and #2 (an internet URL)."""
    address = deploy(sync_w3, compiled["TestNFT"], ALICE, "Test Cats", "CAT")
    contract = contract_at(sync_w3, compiled["TestNFT"], address)
    transact(sync_w3, contract.functions.mint(ALICE, 1, NFT_DATA_URI), ALICE)
    transact(sync_w3, contract.functions.mint(ALICE, 2, "https://example.com/cat/2.json"), ALICE)
    return address


@pytest.fixture(scope="session")
def multi(sync_w3: Web3, compiled: dict[str, Artifact]) -> str:
    """An ERC-1155: alice holds 10 of id 1, 20 of id 2 and 30 of id 3."""
    uri = "data:application/json,%7B%22name%22%3A%22Item%20{id}%22%7D"
    return deploy(sync_w3, compiled["TestMultiToken"], ALICE, uri, [1, 2, 3], [10, 20, 30])


# The contracts of the spend-policy bypass tests (issue 26): judy deploys, ivan holds ---------


@pytest.fixture(scope="session")
def guard_token(sync_w3: Web3, compiled: dict[str, Artifact]) -> str:
    """An OpenZeppelin-5-shaped ERC-20 (GUARD, 18 decimals, increaseAllowance, custom errors):
    ivan holds 1000 GUARD and has approved himself for 100 (so that his own
    transferFrom(ivan, …) works), judy holds the rest."""
    artifact = compiled["GuardToken"]
    address = deploy(sync_w3, artifact, JUDY, "Guard Token", "GUARD", GUARD_DECIMALS, GUARD_SUPPLY)
    contract = contract_at(sync_w3, artifact, address)
    transact(sync_w3, contract.functions.transfer(IVAN, IVAN_GUARD), JUDY)
    transact(sync_w3, contract.functions.approve(IVAN, 100 * 10**GUARD_DECIMALS), IVAN)
    return address


@pytest.fixture(scope="session")
def claimer(sync_w3: Web3, compiled: dict[str, Artifact], guard_token: str) -> str:
    """A hostile airdrop whose claim() pulls all of the caller's GUARD; ivan approved it
    (without limit) earlier, as a dapp once asked him to."""
    address = deploy(sync_w3, compiled["Claimer"], JUDY, guard_token)
    token = contract_at(sync_w3, compiled["GuardToken"], guard_token)
    transact(sync_w3, token.functions.approve(address, MAX_UINT256), IVAN)
    return address


@pytest.fixture(scope="session")
def router(sync_w3: Web3, compiled: dict[str, Artifact], guard_token: str) -> str:
    """A router whose swapExactTokens moves the caller's tokens to any `to`; ivan approved it
    for all his GUARD."""
    address = deploy(sync_w3, compiled["Router"], JUDY)
    token = contract_at(sync_w3, compiled["GuardToken"], guard_token)
    transact(sync_w3, token.functions.approve(address, MAX_UINT256), IVAN)
    return address


@pytest.fixture(scope="session")
def guard_nft(sync_w3: Web3, compiled: dict[str, Artifact]) -> str:
    """An ERC-721 (GCAT) of its own: ivan owns #7."""
    address = deploy(sync_w3, compiled["TestNFT"], JUDY, "Guard Cats", "GCAT")
    contract = contract_at(sync_w3, compiled["TestNFT"], address)
    transact(sync_w3, contract.functions.mint(IVAN, 7, "data:,seven"), JUDY)
    return address


@pytest.fixture(scope="session")
def guard_multi(sync_w3: Web3, compiled: dict[str, Artifact]) -> str:
    """An ERC-1155 of its own: judy holds 5 of id 1 and 8 of id 2."""
    uri = "data:application/json,%7B%22name%22%3A%22Guard%20{id}%22%7D"
    return deploy(sync_w3, compiled["TestMultiToken"], JUDY, uri, [1, 2], [5, 8])


@pytest.fixture(scope="session")
def polygon_w3(anvil_polygon: Anvil) -> Web3:
    return Web3(HTTPProvider(anvil_polygon.url))


@pytest.fixture(scope="session")
def polygon_guard_token(polygon_w3: Web3, compiled: dict[str, Artifact]) -> str:
    """GUARD on the polygon Anvil (a network where writes are prepared for a wallet): judy
    holds the whole supply."""
    artifact = compiled["GuardToken"]
    return deploy(polygon_w3, artifact, JUDY, "Guard Token", "GUARD", GUARD_DECIMALS, GUARD_SUPPLY)
