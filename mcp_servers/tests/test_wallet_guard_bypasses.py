"""Issue 26: every write the spend policy once let through as "allowed" because it judged the
calldata's shape. The policy now judges what the simulation says the write does: each of
these is refused by a named rule, or prepared with a warning, never plainly "allowed".

ivan holds GUARD (conftest.py: guard_token, claimer, router, guard_nft), judy holds the
ERC-1155 (guard_multi) and GUARD on polygon; mallory is on the deny list."""

from __future__ import annotations

from typing import Any

import pytest
from web3 import Web3

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import BOB, GUARD_DECIMALS, IVAN, JUDY, call, contract_at
from mcp_servers.tests.guard import (
    CAROL,
    MALLORY,
    assert_refused,
    assert_warned,
    calldata,
    mine,
    same_address,
    summary_of,
)
from mcp_servers.units import format_units
from testsupport.solidity import Artifact

GUARD = 10**GUARD_DECIMALS
# Both ways a raw write reaches the chain: prepared for a wallet, or sent by a dev account.
WRITE_TOOLS = pytest.mark.parametrize("tool", ["prepare_transaction", "send_transaction"])


@pytest.fixture
def mallory_denied(settings: Any) -> None:
    settings.SPEND_DENIED_RECIPIENTS = [MALLORY.lower()]


@pytest.fixture
def guard_capped_at_10(settings: Any, guard_token: str) -> None:
    settings.SPEND_TOKEN_LIMITS = [f"{guard_token}:10:"]


@WRITE_TOOLS
@pytest.mark.usefixtures("mallory_denied")
async def test_transfer_from_yourself_to_a_denied_address_is_refused(
    chain: Chain, guard_token: str, tool: str
) -> None:
    data = calldata("transferFrom(address,address,uint256)", IVAN, MALLORY, 1 * GUARD)
    result = await call(chain, tool, from_address="ivan", to=guard_token, data=data)
    assert_refused(result, "deny list")


@WRITE_TOOLS
@pytest.mark.usefixtures("mallory_denied")
async def test_increasing_the_allowance_of_a_denied_spender_is_refused(
    chain: Chain, guard_token: str, tool: str
) -> None:
    data = calldata("increaseAllowance(address,uint256)", MALLORY, 1 * GUARD)
    result = await call(chain, tool, from_address="ivan", to=guard_token, data=data)
    assert_refused(result, "deny list")


@WRITE_TOOLS
@pytest.mark.usefixtures("mallory_denied")
async def test_making_a_denied_address_operator_of_an_nft_collection_is_refused(
    chain: Chain, guard_nft: str, tool: str
) -> None:
    data = calldata("setApprovalForAll(address,bool)", MALLORY, True)
    result = await call(chain, tool, from_address="ivan", to=guard_nft, data=data)
    assert_refused(result, "deny list")


@WRITE_TOOLS
@pytest.mark.usefixtures("mallory_denied")
async def test_approving_a_denied_address_for_one_nft_is_refused(
    chain: Chain, guard_nft: str, tool: str
) -> None:
    data = calldata("approve(address,uint256)", MALLORY, 7)
    result = await call(chain, tool, from_address="ivan", to=guard_nft, data=data)
    assert_refused(result, "deny list")


@WRITE_TOOLS
@pytest.mark.usefixtures("mallory_denied")
async def test_an_erc1155_batch_transfer_to_a_denied_address_is_refused(
    chain: Chain, guard_multi: str, tool: str
) -> None:
    data = calldata(
        "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)",
        JUDY,
        MALLORY,
        [1, 2],
        [1, 1],
        b"",
    )
    result = await call(chain, tool, from_address="judy", to=guard_multi, data=data)
    assert_refused(result, "deny list")


@WRITE_TOOLS
@pytest.mark.usefixtures("mallory_denied")
async def test_a_router_swap_paying_a_denied_address_is_refused(
    chain: Chain, guard_token: str, router: str, tool: str
) -> None:
    data = calldata("swapExactTokens(address,uint256,address)", guard_token, 5 * GUARD, MALLORY)
    result = await call(chain, tool, from_address="ivan", to=router, data=data)
    assert_refused(result, "deny list")


@pytest.mark.usefixtures("guard_capped_at_10")
async def test_a_router_swap_counts_against_the_token_cap(
    chain: Chain, guard_token: str, router: str
) -> None:
    swap = "swapExactTokens(address,uint256,address)"
    above = calldata(swap, guard_token, 50 * GUARD, BOB)
    refused = await call(chain, "prepare_transaction", from_address="ivan", to=router, data=above)
    assert_refused(refused, "50 GUARD", "10 GUARD")
    below = calldata(swap, guard_token, 5 * GUARD, BOB)
    result = await call(chain, "prepare_transaction", from_address="ivan", to=router, data=below)
    assert not result.is_error, result.content
    sent = mine((result.structured_content or {})["summary"], "transfer")
    assert [(e["amount"], e["symbol"]) for e in sent if e["standard"] == "erc20"] == [
        ("-5", "GUARD")
    ]


@pytest.mark.usefixtures("guard_capped_at_10")
async def test_a_claim_that_pulls_your_tokens_counts_against_the_token_cap(
    chain: Chain, claimer: str
) -> None:
    data = calldata("claim()")
    result = await call(chain, "prepare_transaction", from_address="ivan", to=claimer, data=data)
    assert_refused(result, "GUARD", "10 GUARD")


async def test_a_claim_that_pulls_your_tokens_shows_the_whole_balance_leaving(
    chain: Chain, sync_w3: Web3, compiled: dict[str, Artifact], guard_token: str, claimer: str
) -> None:
    balance = (
        contract_at(sync_w3, compiled["GuardToken"], guard_token).functions.balanceOf(IVAN).call()
    )
    assert balance > 0
    data = calldata("claim()")
    result = await call(chain, "prepare_transaction", from_address="ivan", to=claimer, data=data)
    summary = summary_of(result)
    [pulled] = [e for e in mine(summary, "transfer") if e["standard"] == "erc20"]
    assert same_address(pulled["asset"], guard_token) and pulled["symbol"] == "GUARD"
    assert same_address(pulled["counterparty"], claimer)
    assert pulled["raw"] == str(-balance)
    assert pulled["text"].startswith(f"You send {format_units(balance, GUARD_DECIMALS)} GUARD")
    assert assert_warned(result)["policy"]["verdict"] == "warning"


async def test_an_approval_above_the_supply_or_the_balance_counts_as_unlimited(
    chain: Chain, settings: Any, guard_token: str
) -> None:
    huge = calldata("approve(address,uint256)", CAROL, 10**58 * GUARD)  # below 2**255
    warned = await call(
        chain, "prepare_transaction", from_address="ivan", to=guard_token, data=huge
    )
    [allowance] = mine(assert_warned(warned), "approval")
    assert allowance["unlimited"] is True and allowance["amount"] == "unlimited"
    settings.SPEND_REFUSE_UNLIMITED_APPROVALS = True
    refused = await call(
        chain, "prepare_transaction", from_address="ivan", to=guard_token, data=huge
    )
    assert_refused(refused, "unlimited")
    above_balance = calldata("approve(address,uint256)", CAROL, 2_000 * GUARD)  # ivan has 1000
    assert_refused(
        await call(
            chain, "prepare_transaction", from_address="ivan", to=guard_token, data=above_balance
        ),
        "unlimited",
    )
    by_tool = await call(
        chain,
        "prepare_token_approval",
        token=guard_token,
        from_address="ivan",
        spender="carol",
        amount="1" + "0" * 58,
    )
    assert_refused(by_tool, "unlimited")
    limited = calldata("approve(address,uint256)", CAROL, 10 * GUARD)
    allowed = await call(
        chain, "prepare_transaction", from_address="ivan", to=guard_token, data=limited
    )
    assert not allowed.is_error, allowed.content


async def test_on_a_wallet_network_the_same_writes_are_judged_before_they_are_prepared(
    polygon_chain: Chain, settings: Any, polygon_guard_token: str
) -> None:
    settings.SPEND_DENIED_RECIPIENTS = [MALLORY.lower()]
    raise_allowance = calldata("increaseAllowance(address,uint256)", MALLORY, 1 * GUARD)
    args = {"from_address": JUDY, "to": polygon_guard_token}
    denied = await call(polygon_chain, "prepare_transaction", **args, data=raise_allowance)
    assert_refused(denied, "deny list")
    settings.SPEND_REFUSE_UNLIMITED_APPROVALS = True
    huge = calldata("approve(address,uint256)", CAROL, 10**58 * GUARD)
    assert_refused(await call(polygon_chain, "prepare_transaction", **args, data=huge), "unlimited")
