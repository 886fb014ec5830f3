"""read_contract by function name (ABI given or fetched from a local fake explorer), get_logs
over a bounded range with Transfer/Approval and ABI events decoded, and get_token_transfers."""

from __future__ import annotations

import json
from typing import Any

from web3 import Web3

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import ALICE, call, deploy, error_of
from mcp_servers.tests.fakes import fake_http_server
from mcp_servers.tools import logs
from testsupport.solidity import Artifact


async def test_read_contract_with_a_given_abi_names_the_outputs(
    chain: Chain, usd: str, compiled: dict[str, Artifact]
) -> None:
    abi = compiled["TestToken"].abi
    result = await call(chain, "read_contract", address=usd, function="decimals", abi=abi)
    data = result.structured_content or {}
    assert data["function"] == "decimals()" and data["result"] == [6]
    balance = await call(
        chain, "read_contract", address=usd, function="balanceOf", args=["alice"], abi=abi
    )
    assert int((balance.structured_content or {})["result"][0]) > 0


async def test_read_contract_fetches_the_verified_abi(
    chain: Chain, usd: str, compiled: dict[str, Artifact], settings: Any
) -> None:
    body = {"status": "1", "message": "OK", "result": json.dumps(compiled["TestToken"].abi)}
    with fake_http_server(lambda query: (200, body)) as (url, seen):
        settings.ETHERSCAN_API_KEY, settings.ETHERSCAN_API_URL = "test-key", url
        result = await call(chain, "read_contract", address=usd, function="symbol")
        again = await call(chain, "read_contract", address=usd, function="name")
    assert (result.structured_content or {})["result"] == ["TUSD"]
    assert (again.structured_content or {})["result"] == ["Test Dollar"]
    assert len(seen) == 1  # the ABI is fetched once per process


async def test_read_contract_refusals(
    chain: Chain, usd: str, compiled: dict[str, Artifact], settings: Any
) -> None:
    abi = compiled["TestToken"].abi
    settings.ETHERSCAN_API_KEY = ""
    assert "No ABI was given" in await error_of(
        chain, "read_contract", address=usd, function="name"
    )
    unknown = await error_of(chain, "read_contract", address=usd, function="owner", abi=abi)
    assert unknown.startswith("The ABI has no such function; it has: allowance, approve")
    assert "owner" not in unknown.split(";")[0]
    overloaded = [
        {"type": "function", "name": "f", "inputs": [{"type": "uint256"}], "outputs": []},
        {"type": "function", "name": "f", "inputs": [{"type": "address"}], "outputs": []},
    ]
    assert "That function is overloaded (f(uint256), f(address))" in await error_of(
        chain, "read_contract", address=usd, function="f", args=[1], abi=overloaded
    )
    assert "no contract code" in await error_of(
        chain, "read_contract", address="bob", function="decimals", abi=abi
    )
    assert "contract address" in await error_of(
        chain, "read_contract", address="0x1", function="x", abi=abi
    )
    assert "takes 1 argument" in await error_of(
        chain, "read_contract", address=usd, function="balanceOf", abi=abi
    )


async def test_get_logs_decodes_erc20_and_erc721_transfers_and_abi_events(
    chain: Chain, sync_w3: Web3, compiled: dict[str, Artifact], nft: str, multi: str
) -> None:
    token = deploy(sync_w3, compiled["TestToken"], ALICE, "Log Token", "LOG", 6, 7_250_000)
    erc20 = await call(chain, "get_logs", address=token, event="Transfer")
    (minted,) = (erc20.structured_content or {})["logs"]
    assert minted["event"] == "Transfer" and minted["standard"] == "erc20"
    assert minted["to"] == ALICE and minted["amount_formatted"] == "7.25"
    erc721 = await call(chain, "get_logs", address=nft, event="Transfer(address,address,uint256)")
    ids = {log["token_id"] for log in (erc721.structured_content or {})["logs"]}
    assert {"1", "2"} <= ids
    abi = compiled["TestMultiToken"].abi
    batch = await call(chain, "get_logs", address=multi, event="TransferBatch", abi=abi)
    (created,) = (batch.structured_content or {})["logs"][:1]
    assert created["event"] == "TransferBatch" and created["args"]["ids"] == [1, 2, 3]


async def test_get_logs_bounds_the_range(
    chain: Chain, usd: str, nft: str, multi: str, monkeypatch: Any
) -> None:
    future = await error_of(chain, "get_logs", from_block=0, to_block=10**9)
    assert "does not exist yet" in future
    latest = (await call(chain, "get_block_number")).structured_content or {}
    assert "after to_block" in await error_of(
        chain, "get_logs", from_block=latest["block_number"], to_block=0
    )
    unknown_event = await error_of(chain, "get_logs", event="Swap")
    assert "That event is not known" in unknown_event and "Swap" not in unknown_event
    assert "contract address" in await error_of(chain, "get_logs", address="0xnope")
    # The bound is 10,000 blocks; a test chain has a few dozen, so the bound is lowered here.
    monkeypatch.setattr(logs, "MAX_BLOCK_RANGE", 3)
    too_wide = await error_of(chain, "get_logs", from_block=0, to_block=3)
    assert too_wide == (
        "That is 4 blocks; logs are read over at most 3 blocks at a time. Narrow the range."
    )


async def test_recent_token_transfers_in_and_out(
    chain: Chain, sync_w3: Web3, compiled: dict[str, Artifact]
) -> None:
    token = deploy(sync_w3, compiled["TestToken"], ALICE, "Walk Token", "WLK", 6, 10**9)
    assert not (
        await call(
            chain, "send_token_transfer", token=token, from_address="alice", to="grace", amount="3"
        )
    ).is_error
    assert not (
        await call(
            chain,
            "send_token_transfer",
            token=token,
            from_address="grace",
            to="heidi",
            amount="1.25",
        )
    ).is_error
    result = await call(chain, "get_token_transfers", address="grace", token=token)
    rows = (result.structured_content or {})["transfers"]
    assert [(r["direction"], r["amount_formatted"], r["symbol"]) for r in rows] == [
        ("out", "1.25", "WLK"),
        ("in", "3", "WLK"),
    ]
    assert "(1 in, 1 out); the latest: 1.25 WLK out" in result.content[0].text  # type: ignore[union-attr]
    assert "address" in await error_of(chain, "get_token_transfers", address="nobody")
    assert "blocks: Input should be less than or equal to 10000" in await error_of(
        chain, "get_token_transfers", address="grace", blocks=20_000
    )
