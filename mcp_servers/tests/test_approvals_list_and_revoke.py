"""get_approvals lists the approvals an owner has granted that still hold (re-checked on chain:
what was revoked or spent is gone or shows what is left), and the revoke tools take one back:
sent by a dev account on testnet, prepared as approve(spender, 0) for a wallet on polygon.

grace and eve are the owners here (no other test approves from them), and each test deploys
its own token and NFT, so the tests hold in any order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import eth_abi
import pytest
from eth_utils import keccak
from web3 import HTTPProvider, Web3

from chatproject.lib.networks import DEV_ACCOUNT_NAMES
from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import (
    ALICE,
    TOKEN_SUPPLY,
    call,
    contract_at,
    deploy,
    error_of,
    transact,
)
from mcp_servers.tools import specs_for
from testsupport.processes import Anvil
from testsupport.solidity import Artifact, compile_sources

CONTRACTS = Path(__file__).parent / "contracts"
MAX_UINT256 = 2**256 - 1
DEAD = "0x000000000000000000000000000000000000dEaD"


@pytest.fixture(scope="module")
def compiled_here() -> dict[str, Artifact]:
    """The token, the NFT and Multicall3 only: solcjs's output for every test contract at once
    is large enough to come back cut short through a pipe."""
    return compile_sources(
        CONTRACTS / "TestToken.sol",
        CONTRACTS / "TestNFT.sol",
        CONTRACTS.parent.parent / "contracts" / "Multicall3.sol",
    )


def named(w3: Web3) -> dict[str, str]:
    return dict(zip(DEV_ACCOUNT_NAMES, w3.eth.accounts, strict=False))


def token_for(w3: Web3, compiled_here: dict[str, Artifact], holder: str, symbol: str) -> Any:
    """A fresh 6-decimal TestToken; ``holder`` gets 1000 of it from alice."""
    artifact = compiled_here["TestToken"]
    address = deploy(w3, artifact, ALICE, f"{symbol} Dollar", symbol, 6, TOKEN_SUPPLY)
    token = contract_at(w3, artifact, address)
    transact(w3, token.functions.transfer(holder, 1000 * 10**6), ALICE)
    return token


def cats_for(w3: Web3, compiled_here: dict[str, Artifact], holder: str, *ids: int) -> Any:
    artifact = compiled_here["TestNFT"]
    nft = contract_at(w3, artifact, deploy(w3, artifact, ALICE, "Grace Cats", "GCATS"))
    for token_id in ids:
        transact(w3, nft.functions.mint(holder, token_id, "data:,cat"), ALICE)
    return nft


async def approvals_of(chain: Chain, owner: str, **extra: Any) -> tuple[list[dict], str]:
    result = await call(chain, "get_approvals", owner=owner, **extra)
    assert not result.is_error, result.content
    data = result.structured_content or {}
    return data["approvals"], result.content[0].text  # type: ignore[union-attr]


def on(entries: list[dict], contract: str) -> dict[tuple[str, str], dict]:
    """The entries of one contract by (kind, spender)."""
    return {(e["kind"], e["spender"]): e for e in entries if e["token"] == contract}


async def test_an_allowance_and_an_nft_operator_show_their_spender_and_amount(
    chain: Chain, sync_w3: Web3, compiled_here: dict[str, Artifact]
) -> None:
    who = named(sync_w3)
    grace = who["grace"]
    gusd = token_for(sync_w3, compiled_here, grace, "GUSD")
    transact(sync_w3, gusd.functions.approve(who["bob"], MAX_UINT256), grace)
    transact(sync_w3, gusd.functions.approve(who["carol"], 12_500_000), grace)
    transact(sync_w3, gusd.functions.approve(who["frank"], TOKEN_SUPPLY + 1), grace)
    cats = cats_for(sync_w3, compiled_here, grace, 5)
    transact(sync_w3, cats.functions.setApprovalForAll(who["dave"], True), grace)
    transact(sync_w3, cats.functions.approve(who["eve"], 5), grace)

    entries, text = await approvals_of(chain, "grace")

    tokens = on(entries, gusd.address)
    bob = tokens[("allowance", who["bob"])]
    assert bob["amount"] == "unlimited" and bob["unlimited"] is True
    assert bob["symbol"] == "GUSD" and bob["standard"] == "erc20"
    assert bob["spender_label"].startswith("bob (0x")
    assert tokens[("allowance", who["carol"])]["amount"] == "12.5"
    assert tokens[("allowance", who["frank"])]["amount"] == "unlimited"  # above the supply
    nfts = on(entries, cats.address)
    operator = nfts[("operator", who["dave"])]
    assert operator["standard"] == "erc721" and operator["symbol"] == "GCATS"
    assert nfts[("token", who["eve"])]["token_id"] == "5"
    assert "bob (0x" in text and "may spend an unlimited amount of GUSD" in text
    assert "may spend 12.5 GUSD" in text
    assert "may move every GCATS token" in text and "may move GCATS token #5" in text
    assert "the whole chain" in text


async def test_revoked_approvals_disappear_from_the_list(
    chain: Chain, sync_w3: Web3, compiled_here: dict[str, Artifact]
) -> None:
    who = named(sync_w3)
    grace = who["grace"]
    hush = token_for(sync_w3, compiled_here, grace, "HUSH")
    transact(sync_w3, hush.functions.approve(who["bob"], MAX_UINT256), grace)
    cats = cats_for(sync_w3, compiled_here, grace, 9)
    transact(sync_w3, cats.functions.setApprovalForAll(who["dave"], True), grace)
    transact(sync_w3, cats.functions.approve(who["eve"], 9), grace)
    assert len(on((await approvals_of(chain, "grace"))[0], hush.address)) == 1

    revoked = await call(
        chain, "send_revoke_approval", token=hush.address, from_address="grace", spender="bob"
    )
    assert not revoked.is_error, revoked.content
    summary = (revoked.structured_content or {})["summary"]
    assert summary["kind"] == "revoke_approval"
    assert summary["action"].startswith("Take back bob (0x")
    assert summary["action"].endswith("'s permission to spend HUSH")
    operator = await call(
        chain, "send_revoke_approval", token=cats.address, from_address="grace", spender="dave"
    )
    assert not operator.is_error, operator.content
    single = await call(
        chain,
        "send_revoke_approval",
        token=cats.address,
        from_address="grace",
        spender="eve",
        token_id=9,
    )
    assert not single.is_error, single.content

    assert hush.functions.allowance(grace, who["bob"]).call() == 0
    assert cats.functions.isApprovedForAll(grace, who["dave"]).call() is False
    entries, _ = await approvals_of(chain, "grace")
    assert on(entries, hush.address) == {} and on(entries, cats.address) == {}
    again = await error_of(
        chain, "send_revoke_approval", token=hush.address, from_address="grace", spender="bob"
    )
    assert "nothing to take back" in again


async def test_a_spent_down_allowance_shows_what_is_left(
    chain: Chain, sync_w3: Web3, compiled_here: dict[str, Artifact]
) -> None:
    who = named(sync_w3)
    eve = who["eve"]
    spent = token_for(sync_w3, compiled_here, eve, "SPNT")
    transact(sync_w3, spent.functions.approve(who["carol"], 10 * 10**6), eve)
    transact(sync_w3, spent.functions.transferFrom(eve, who["carol"], 4 * 10**6), who["carol"])

    entries, text = await approvals_of(chain, "eve", token=spent.address)

    assert [(e["spender"], e["amount"]) for e in entries] == [(who["carol"], "6")]
    assert "may spend 6 SPNT" in text


async def test_a_short_range_says_what_it_did_not_search(
    chain: Chain, sync_w3: Web3, compiled_here: dict[str, Artifact]
) -> None:
    who = named(sync_w3)
    old = token_for(sync_w3, compiled_here, who["eve"], "OLD")
    transact(sync_w3, old.functions.approve(who["bob"], 1), who["eve"])
    sync_w3.provider.make_request("anvil_mine", [3])  # type: ignore[arg-type]

    entries, text = await approvals_of(chain, "eve", token=old.address, blocks=2)

    latest = sync_w3.eth.block_number
    assert entries == []
    assert f"Searched 2 blocks ({latest - 1} to {latest})" in text
    assert f"approvals granted before block {latest - 1} are not seen" in text


async def test_prepare_revoke_on_polygon_is_an_unsigned_approve_of_zero(
    polygon_chain: Chain, anvil_polygon: Anvil, compiled_here: dict[str, Artifact]
) -> None:
    w3 = Web3(HTTPProvider(anvil_polygon.url))
    accounts = list(w3.eth.accounts)
    grace, bob = accounts[6], accounts[1]
    artifact = compiled_here["TestToken"]
    token = contract_at(w3, artifact, deploy(w3, artifact, grace, "Poly", "PUSD", 6, 10**12))
    transact(w3, token.functions.approve(bob, MAX_UINT256), grace)

    result = await call(
        polygon_chain, "prepare_revoke_approval", token=token.address, from_address=grace,
        spender=bob,
    )  # fmt: skip

    assert not result.is_error, result.content
    data = result.structured_content or {}
    approve_zero = keccak(text="approve(address,uint256)")[:4] + eth_abi.encode(
        ["address", "uint256"], [bob, 0]
    )
    assert data["transaction"]["data"] == "0x" + approve_zero.hex()
    assert data["transaction"]["to"] == token.address and data["transaction"]["from"] == grace
    assert "tx_hash" not in data
    assert token.functions.allowance(grace, bob).call() == MAX_UINT256  # nothing was sent
    assert data["summary"]["kind"] == "revoke_approval"
    assert "send_revoke_approval" not in {s.name for s in specs_for(polygon_chain.network)}


async def test_bad_input_gets_a_clear_sentence(
    chain: Chain,
    sync_w3: Web3,
    compiled_here: dict[str, Artifact],
) -> None:
    usd = token_for(sync_w3, compiled_here, ALICE, "BADU").address
    no_code = await error_of(
        chain, "send_revoke_approval", token=DEAD, from_address="grace", spender="bob"
    )
    assert "has no contract code" in no_code
    multicall = deploy(sync_w3, compiled_here["Multicall3"], ALICE)
    not_a_token = await error_of(
        chain, "send_revoke_approval", token=multicall, from_address="grace", spender="bob"
    )
    assert "is not an ERC-20" in not_a_token
    token_id_on_erc20 = await error_of(
        chain, "send_revoke_approval", token=usd, from_address="grace", spender="bob", token_id=1
    )
    assert "token_id is for an ERC-721" in token_id_on_erc20
    too_far = await error_of(chain, "get_approvals", owner="grace", blocks=10**9)
    assert "blocks" in too_far
    future = await error_of(chain, "get_approvals", owner="grace", to_block=10**9)
    assert "does not exist yet" in future
