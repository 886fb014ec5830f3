"""Transactions, receipts (ERC-20 logs decoded) and gas estimates."""

from __future__ import annotations

from web3 import Web3

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import ALICE, BOB, error_of, token_contract
from mcp_servers.tools import transactions


async def test_transaction_is_described_by_sender_value_and_block(
    chain: Chain, sync_w3: Web3
) -> None:
    tx_hash = sync_w3.eth.send_transaction(
        {"from": ALICE, "to": BOB, "value": 1_500_000_000_000_000_000}
    )
    sync_w3.eth.wait_for_transaction_receipt(tx_hash)
    result = await transactions.get_transaction(
        chain, transactions.TxHashInput(tx_hash=tx_hash.to_0x_hex())
    )
    assert result.data["from"] == ALICE and result.data["to"] == BOB
    assert result.data["value"] == "1.5"
    assert result.data["value_wei"] == "1500000000000000000"
    assert "alice (0xf39F…2266) sent 1.5 ETH to bob (0x7099…79C8)" in result.text


async def test_receipt_decodes_erc20_transfer_and_approval(
    chain: Chain, token: str, sync_w3: Web3
) -> None:
    contract = token_contract(sync_w3, token)
    transfer = contract.functions.transfer(BOB, 1_250_000).transact({"from": ALICE})
    approve = contract.functions.approve(BOB, 7).transact({"from": ALICE})
    sync_w3.eth.wait_for_transaction_receipt(approve)
    result = await transactions.get_transaction_receipt(
        chain, transactions.TxHashInput(tx_hash=transfer.to_0x_hex())
    )
    (log,) = result.data["logs"]
    assert log["event"] == "Transfer"
    assert (log["from"], log["to"], log["amount"], log["amount_formatted"]) == (
        ALICE,
        BOB,
        "1250000",
        "1.25",
    )
    assert result.data["status"] == "success"
    assert "succeeded in block" in result.text and "1 ERC-20 event" in result.text
    approval = await transactions.get_transaction_receipt(
        chain, transactions.TxHashInput(tx_hash=approve.to_0x_hex())
    )
    assert approval.data["logs"][0]["event"] == "Approval"
    assert approval.data["logs"][0]["spender"] == BOB


async def test_unknown_and_malformed_hashes(chain: Chain) -> None:
    missing = "0x" + "ab" * 32
    assert "No transaction" in await error_of(chain, "get_transaction", tx_hash=missing)
    assert "may still be pending" in await error_of(
        chain, "get_transaction_receipt", tx_hash=missing
    )
    assert "is not a transaction hash" in await error_of(chain, "get_transaction", tx_hash="0x12")


async def test_gas_estimate_for_a_plain_transfer(chain: Chain) -> None:
    result = await transactions.estimate_gas(
        chain, transactions.EstimateGasInput(from_address="alice", to="bob", value="0.1")
    )
    assert result.data["gas"] == 21000
    assert int(result.data["cost_wei"]) == 21000 * int(result.data["gas_price_wei"])
    assert "needs about 21000 gas" in result.text


async def test_amount_errors(chain: Chain) -> None:
    assert "cannot be negative" in await error_of(chain, "estimate_gas", to="bob", value="-1")
    assert "is not a number" in await error_of(chain, "estimate_gas", to="bob", value="lots")
    assert "more than 18 decimal" in await error_of(
        chain, "estimate_gas", to="bob", value="0." + "1" * 19
    )
    assert "not both" in await error_of(chain, "estimate_gas", to="bob", value="1", value_wei="1")
