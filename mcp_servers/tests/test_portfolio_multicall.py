"""get_portfolio: the native balance and a token list read through Multicall3 in one eth_call;
on Anvil the server installs Multicall3 (compiled from mcp_servers/contracts/Multicall3.sol)
at the canonical address; a chain without it is read call by call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from web3 import Web3

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import call, deploy, error_of
from mcp_servers.tools.multicall import MULTICALL3
from testsupport.solidity import Artifact

EMBEDDED = Path(__file__).resolve().parent.parent / "contracts" / "multicall3.json"


def test_the_embedded_multicall3_code_is_the_compiled_source(compiled: dict[str, Artifact]) -> None:
    assert json.loads(EMBEDDED.read_text())["runtime"] == compiled["Multicall3"].runtime


def count_rpc(chain: Chain) -> list[str]:
    """Record the JSON-RPC methods the chain's client sends from now on."""
    methods: list[str] = []
    sessions: Any = chain.w3.provider._request_session_manager  # type: ignore[attr-defined]
    original = sessions.async_make_post_request

    async def counting(endpoint_uri: str, data: bytes, **kwargs: Any) -> Any:
        methods.append(json.loads(data)["method"])
        return await original(endpoint_uri, data, **kwargs)

    sessions.async_make_post_request = counting
    return methods


async def test_portfolio_reads_native_and_tokens_in_one_eth_call(
    chain: Chain, usd: str, nft: str, sync_w3: Web3
) -> None:
    first = await call(chain, "get_portfolio", address="alice", tokens=[usd, nft, "bob"])
    assert not first.is_error, first.content
    assert sync_w3.eth.get_code(MULTICALL3)  # installed with anvil_setCode
    data = first.structured_content or {}
    assert data["multicall"] is True
    assert data["native"]["balance_wei"] == str(sync_w3.eth.get_balance(sync_w3.eth.accounts[0]))
    usd_row, nft_row, bob_row = data["tokens"]
    assert usd_row["symbol"] == "TUSD" and usd_row["decimals"] == 6
    assert "error" in nft_row and "error" in bob_row  # an NFT and an account are no ERC-20s
    methods = count_rpc(chain)
    again = await call(chain, "get_portfolio", address="alice", tokens=[usd])
    assert methods == ["eth_call"], methods  # one round trip: native + token balance
    assert (again.structured_content or {})["tokens"][0]["balance_formatted"] == usd_row[
        "balance_formatted"
    ]
    assert "TUSD" in again.content[0].text  # type: ignore[union-attr]


async def test_a_chain_without_multicall3_is_read_call_by_call(
    polygon_chain: Chain, anvil_polygon: Any, compiled: dict[str, Artifact]
) -> None:
    w3 = Web3(Web3.HTTPProvider(anvil_polygon.url))
    owner = w3.eth.accounts[0]
    token = deploy(w3, compiled["TestToken"], owner, "Poly Dollar", "PD", 6, 5 * 10**6)
    result = await call(polygon_chain, "get_portfolio", address=owner, tokens=[token])
    data = result.structured_content or {}
    assert data["multicall"] is False and not w3.eth.get_code(MULTICALL3)  # never installed there
    assert data["tokens"][0]["balance_formatted"] == "5"
    assert data["native"]["symbol"] == "POL"


async def test_bad_portfolio_input_is_explained(chain: Chain) -> None:
    assert "holder address" in await error_of(chain, "get_portfolio", address="0x1234", tokens=[])
    assert "token address" in await error_of(
        chain, "get_portfolio", address="alice", tokens=["nope"]
    )
    too_many = await error_of(chain, "get_portfolio", address="alice", tokens=["bob"] * 51)
    assert "tokens" in too_many
