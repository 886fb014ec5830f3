"""ERC-20 allowance, transfers and approvals in token units, against a 6-decimal token compiled
from TestToken.sol in this session: sent by dev accounts on testnet, prepared on polygon."""

from __future__ import annotations

from web3 import Web3

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import call, contract_at, deploy, error_of
from mcp_servers.tools import specs_for
from testsupport.solidity import Artifact

DEAD = "0x000000000000000000000000000000000000dEaD"


async def test_send_token_transfer_moves_the_amount_in_token_units(
    chain: Chain, usd: str, sync_w3: Web3, compiled: dict[str, Artifact]
) -> None:
    token = contract_at(sync_w3, compiled["TestToken"], usd)
    carol = sync_w3.eth.accounts[2]
    before = token.functions.balanceOf(carol).call()
    result = await call(
        chain, "send_token_transfer", token=usd, from_address="alice", to="carol", amount="1.5"
    )
    assert not result.is_error, result.content
    data = result.structured_content or {}
    assert data["status"] == "success"
    assert token.functions.balanceOf(carol).call() == before + 1_500_000
    assert data["summary"]["kind"] == "token_transfer"
    assert data["summary"]["amount"] == "1.5" and data["summary"]["symbol"] == "TUSD"
    assert data["summary"]["recipient"] == carol
    assert "send 1.5 TUSD to carol" in result.content[0].text  # type: ignore[union-attr]


async def test_allowance_is_shown_in_token_units_and_unlimited_is_named(
    chain: Chain, usd: str
) -> None:
    sent = await call(
        chain,
        "send_token_approval",
        token=usd,
        from_address="alice",
        spender="dave",
        amount="250.25",
    )
    assert not sent.is_error, sent.content
    allowance = await call(chain, "get_token_allowance", token=usd, owner="alice", spender="dave")
    assert (allowance.structured_content or {})["allowance_formatted"] == "250.25"
    assert "may spend 250.25 TUSD for alice" in allowance.content[0].text  # type: ignore[union-attr]

    unlimited = await call(
        chain,
        "send_token_approval",
        token=usd,
        from_address="alice",
        spender="dave",
        amount="unlimited",
    )
    summary = (unlimited.structured_content or {})["summary"]
    assert summary["unlimited"] is True and summary["amount"] == "unlimited"
    assert summary["policy"]["verdict"] == "warning"
    assert "Unlimited approval" in unlimited.content[0].text  # type: ignore[union-attr]
    allowance = await call(chain, "get_token_allowance", token=usd, owner="alice", spender="dave")
    assert (allowance.structured_content or {})["unlimited"] is True


async def test_a_transfer_beyond_the_balance_is_refused_before_anything_is_sent(
    chain: Chain, usd: str
) -> None:
    message = await error_of(
        chain, "send_token_transfer", token=usd, from_address="eve", to="bob", amount="1"
    )
    assert message.startswith("eve (0x")
    assert message.endswith(") holds 0 TUSD, less than the amount to send.")
    too_precise = await error_of(
        chain, "send_token_transfer", token=usd, from_address="alice", to="bob", amount="0.0000001"
    )
    assert "more than 6 decimal places" in too_precise


async def test_bad_addresses_non_contracts_and_other_standards_are_explained(
    chain: Chain, usd: str, nft: str
) -> None:
    assert "not a token" in await error_of(
        chain, "get_token_allowance", token="carol", owner="alice", spender="bob"
    )
    assert "spender address" in await error_of(
        chain, "get_token_allowance", token=usd, owner="alice", spender="0x12"
    )
    assert "like an ERC-20 token" in await error_of(
        chain, "send_token_transfer", token=nft, from_address="alice", to="bob", amount="1"
    )
    assert "recipient address" in await error_of(
        chain, "send_token_transfer", token=usd, from_address="alice", to="nobody", amount="1"
    )
    assert "not a number" in await error_of(
        chain, "send_token_approval", token=usd, from_address="alice", spender="bob", amount="lots"
    )


async def test_on_polygon_transfers_and_approvals_are_prepared_for_the_wallet(
    polygon_chain: Chain, anvil_polygon, compiled: dict[str, Artifact]
) -> None:
    w3 = Web3(Web3.HTTPProvider(anvil_polygon.url))
    owner = w3.eth.accounts[0]
    token = deploy(w3, compiled["TestToken"], owner, "Polygon Dollar", "PUSD", 6, 10**12)
    result = await call(polygon_chain, "prepare_token_transfer", token=token, from_address=owner,
                        to=DEAD, amount="12.5")  # fmt: skip
    assert not result.is_error, result.content
    data = result.structured_content or {}
    tx = data["transaction"]
    assert tx["to"] == token and tx["chainId"] == "0x89" and tx["value"] == "0x0"
    assert tx["data"].startswith("0xa9059cbb")
    assert data["summary"]["amount"] == "12.5" and data["summary"]["symbol"] == "PUSD"
    assert "needs the sender's signature" in result.content[0].text  # type: ignore[union-attr]
    approval = await call(polygon_chain, "prepare_token_approval", token=token, from_address=owner,
                          spender=DEAD, amount="unlimited")  # fmt: skip
    summary = (approval.structured_content or {})["summary"]
    assert summary["unlimited"] is True and summary["policy"]["warnings"]
    offered = {spec.name for spec in specs_for(polygon_chain.network)}
    assert {"prepare_token_transfer", "prepare_token_approval"} <= offered
    assert not {"send_token_transfer", "send_token_approval"} & offered


async def test_prepared_transfers_and_approvals_refuse_bad_input_too(
    polygon_chain: Chain, anvil_polygon, compiled: dict[str, Artifact]
) -> None:
    w3 = Web3(Web3.HTTPProvider(anvil_polygon.url))
    owner, stranger = w3.eth.accounts[0], w3.eth.accounts[5]
    token = deploy(w3, compiled["TestToken"], owner, "Polygon Dollar", "PUSD", 6, 10**6)
    beyond = await error_of(
        polygon_chain,
        "prepare_token_transfer",
        token=token,
        from_address=stranger,
        to=DEAD,
        amount="1",
    )
    assert "holds 0 PUSD, less than the amount to send" in beyond
    assert "Named accounts like 'bob' exist only on dev networks" in await error_of(
        polygon_chain,
        "prepare_token_transfer",
        token=token,
        from_address=owner,
        to="bob",
        amount="1",
    )
    assert "not a token" in await error_of(
        polygon_chain,
        "prepare_token_approval",
        token=DEAD,
        from_address=owner,
        spender=DEAD,
        amount="1",
    )
    assert "not a number" in await error_of(
        polygon_chain,
        "prepare_token_approval",
        token=token,
        from_address=owner,
        spender=DEAD,
        amount="-",
    )
