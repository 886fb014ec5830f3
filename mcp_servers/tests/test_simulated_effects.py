"""Issue 26: a prepared write's summary lists what the simulation saw it do, in the user's
terms (summary_format.md): what leaves the sender, what the recipient gets, the fee, and how
the write was checked. The card shows these; the spend policy judges them."""

from __future__ import annotations

from typing import Any

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import BOB, GUARD_DECIMALS, JUDY, call
from mcp_servers.tests.guard import CAROL, calldata, mine, same_address, summary_of

GUARD = 10**GUARD_DECIMALS


def bobs(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in summary["effects"] if same_address(e["address"], BOB)]


def assert_sends_one_and_a_half_guard_to_bob(summary: dict[str, Any], token: str) -> None:
    [sent] = mine(summary, "transfer")
    assert same_address(sent["asset"], token) and sent["standard"] == "erc20"
    assert (sent["symbol"], sent["decimals"], sent["amount"]) == ("GUARD", 18, "-1.5")
    assert sent["raw"] == str(-3 * GUARD // 2)
    assert same_address(sent["counterparty"], BOB)
    assert sent["text"].startswith("You send 1.5 GUARD to bob")
    [received] = bobs(summary)
    assert (received["kind"], received["you"], received["amount"]) == ("transfer", False, "1.5")
    assert received["symbol"] == "GUARD"


def assert_fee_in(summary: dict[str, Any], currency: str) -> None:
    assert summary["fee"]["symbol"] == currency and int(summary["fee"]["raw"]) > 0
    [fee] = mine(summary, "fee")
    assert fee["symbol"] == currency and fee["standard"] == "native"


async def test_a_token_transfer_lists_both_sides_and_the_fee(
    chain: Chain, guard_token: str
) -> None:
    result = await call(
        chain,
        "prepare_token_transfer",
        token=guard_token,
        from_address="ivan",
        to="bob",
        amount="1.5",
    )
    summary = summary_of(result)
    assert summary["checked"] == "simulated" and summary["checked_text"]
    assert summary["reverted"] is False
    assert_sends_one_and_a_half_guard_to_bob(summary, guard_token)
    assert_fee_in(summary, "ETH")
    assert summary["policy"]["verdict"] == "allowed"


async def test_raw_calldata_gets_the_same_effects_as_the_token_tool(
    chain: Chain, guard_token: str
) -> None:
    data = calldata("transfer(address,uint256)", BOB, 3 * GUARD // 2)
    result = await call(
        chain, "prepare_transaction", from_address="ivan", to=guard_token, data=data
    )
    summary = summary_of(result)
    assert summary["checked"] == "simulated"
    assert_sends_one_and_a_half_guard_to_bob(summary, guard_token)
    assert_fee_in(summary, "ETH")


async def test_on_polygon_the_fee_is_in_pol(polygon_chain: Chain, polygon_guard_token: str) -> None:
    result = await call(
        polygon_chain,
        "prepare_token_transfer",
        token=polygon_guard_token,
        from_address=JUDY,
        to=BOB,
        amount="1.5",
    )
    summary = summary_of(result)
    assert summary["checked"] == "simulated"
    [sent] = mine(summary, "transfer")
    assert (sent["amount"], sent["symbol"]) == ("-1.5", "GUARD")
    assert_fee_in(summary, "POL")


async def test_a_native_transfer_moves_ether_both_ways(chain: Chain) -> None:
    result = await call(chain, "prepare_transaction", from_address="ivan", to="bob", value="0.25")
    summary = summary_of(result)
    [sent] = mine(summary, "transfer")
    assert (sent["standard"], sent["asset"], sent["amount"]) == ("native", "native", "-0.25")
    assert [e["amount"] for e in bobs(summary)] == ["0.25"]


async def test_an_erc1155_batch_lists_each_id(chain: Chain, guard_multi: str) -> None:
    data = calldata(
        "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)",
        JUDY,
        BOB,
        [1, 2],
        [1, 2],
        b"",
    )
    result = await call(
        chain, "prepare_transaction", from_address="judy", to=guard_multi, data=data
    )
    summary = summary_of(result)
    sent = {(e["token_id"], e["raw"]) for e in mine(summary, "transfer")}
    assert sent == {("1", "-1"), ("2", "-2")}
    assert all(e["standard"] == "erc1155" for e in mine(summary, "transfer"))
    assert {(e["token_id"], e["raw"]) for e in bobs(summary)} == {("1", "1"), ("2", "2")}


async def test_permissions_are_listed_as_what_you_allow(
    chain: Chain, guard_token: str, guard_nft: str
) -> None:
    operator = calldata("setApprovalForAll(address,bool)", CAROL, True)
    result = await call(
        chain, "prepare_transaction", from_address="ivan", to=guard_nft, data=operator
    )
    [granted] = mine(summary_of(result), "operator")
    assert (granted["amount"], granted["standard"]) == ("all", "erc721")
    assert same_address(granted["counterparty"], CAROL)
    raised = calldata("increaseAllowance(address,uint256)", CAROL, 2 * GUARD)
    result = await call(
        chain, "prepare_transaction", from_address="ivan", to=guard_token, data=raised
    )
    [allowance] = mine(summary_of(result), "approval")
    assert (allowance["symbol"], allowance["unlimited"]) == ("GUARD", False)
    assert same_address(allowance["counterparty"], CAROL)
    assert int(allowance["raw"]) >= 2 * GUARD  # the allowance after: what carol may spend


async def test_a_deployment_names_the_contract_it_creates(chain: Chain) -> None:
    # Init code that deploys an empty contract (PUSH1 0 PUSH1 0 RETURN).
    result = await call(chain, "send_transaction", from_address="ivan", data="0x60006000f3")
    data = result.structured_content or {}
    assert not result.is_error, result.content
    created = [e for e in data["summary"]["effects"] if e["kind"] == "created"]
    assert [e["address"] for e in created] == [data["contract_address"]]
