"""The write paths: prepare_transaction (every network) and send_transaction (dev networks)."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import Field
from web3.exceptions import TimeExhausted

from mcp_servers import policy
from mcp_servers.chain import Chain
from mcp_servers.errors import ToolFailure
from mcp_servers.results import ToolResult
from mcp_servers.tools import decoded
from mcp_servers.tools.base import ADDRESS_FIELD_DESCRIPTION
from mcp_servers.tools.network import suggested_priority_fee
from mcp_servers.tools.transactions import short_hash
from mcp_servers.tools.txparams import TransactionInput, build_transaction
from mcp_servers.units import format_units

GAS_MARGIN_PERCENT = 20  # estimates can undershoot when state changes before inclusion
_send_locks: dict[
    str, asyncio.Lock
] = {}  # per sender address (tests/faults/test_concurrent_transfers)


class PrepareInput(TransactionInput):
    from_address: str = Field(
        description="Sender, whose wallet will sign. " + ADDRESS_FIELD_DESCRIPTION, max_length=256
    )


class SendInput(TransactionInput):
    from_address: str = Field(
        description="Sender: a named dev account (alice, bob, …) or an unlocked node account.",
        max_length=256,
    )


async def simulate(chain: Chain, tx: dict[str, Any]) -> int:
    """eth_call first (a revert comes back with its reason), then the gas estimate."""
    w3 = await chain.ready()
    await check_funds(chain, tx, tx["value"])
    await w3.eth.call(tx)  # type: ignore[arg-type]
    return int(await w3.eth.estimate_gas(tx))  # type: ignore[arg-type]


async def check_funds(chain: Chain, tx: dict[str, Any], needed: int) -> None:
    balance = await chain.w3.eth.get_balance(tx["from"])
    if balance < needed:
        what = "to send" if needed == tx["value"] else "(value plus maximum gas fee)"
        raise ToolFailure(
            f"{await chain.label(tx['from'])} has {format_units(balance)} {chain.currency}, less "
            f"than the {format_units(needed)} {chain.currency} {what}."
        )


async def prepared(chain: Chain, tx: dict[str, Any]) -> dict[str, Any]:
    """Simulate ``tx`` and build the unsigned EIP-1559 transaction a wallet signs."""
    gas_estimate = await simulate(chain, tx)
    gas_limit = gas_estimate * (100 + GAS_MARGIN_PERCENT) // 100
    w3 = chain.w3
    block, nonce, priority = await asyncio.gather(
        w3.eth.get_block("latest"),
        w3.eth.get_transaction_count(tx["from"], "pending"),
        suggested_priority_fee(chain),
    )
    base_fee = int(block.get("baseFeePerGas") or 0)
    max_fee = 2 * base_fee + priority  # survives a few full blocks of base-fee increase
    await check_funds(chain, tx, tx["value"] + gas_limit * max_fee)
    chain_id = chain.network.chain_id
    transaction = {
        "from": tx["from"],
        "to": tx.get("to"),
        "value": hex(tx["value"]),
        "data": tx["data"],
        "gas": hex(gas_limit),
        "maxFeePerGas": hex(max_fee),
        "maxPriorityFeePerGas": hex(priority),
        "nonce": hex(nonce),
        "chainId": hex(chain_id),
        "type": "0x2",
    }
    return {
        "network": chain.name,
        "transaction": transaction,
        "value_wei": str(tx["value"]),
        "value_ether": format_units(tx["value"]),
        "gas_limit": gas_limit,
        "gas_estimate": gas_estimate,
        "max_fee_per_gas_wei": str(max_fee),
        "max_priority_fee_per_gas_wei": str(priority),
        "max_cost_wei": str(gas_limit * max_fee),
        "nonce": nonce,
        "chain_id": chain_id,
        "simulated": True,
    }


async def prepare_transaction(chain: Chain, params: PrepareInput) -> ToolResult:
    """Build an unsigned EIP-1559 transaction for the sender's wallet to sign; simulates it first
    and reports a revert reason instead of preparing a failing transaction. The spend policy
    applies (ERC-20 transfer/approve calldata is judged like prepare_token_*)."""
    tx = await build_transaction(chain, params, params.from_address)
    summary = await decoded.summarize(chain, tx)
    with policy.spending(chain.name, summary.spends, summary.labels) as verdict:
        data = await prepared(chain, tx)
    data["summary"] = summary.card(verdict)
    to = await chain.label(tx["to"]) if tx.get("to") else "a new contract"
    text = (
        f"Prepared an unsigned transaction on {chain.name}: {await chain.label(tx['from'])} sends "
        f"{data['value_ether']} {chain.currency} to {to} (gas limit {data['gas_limit']}, nonce "
        f"{data['nonce']}); the simulation succeeded, and it now needs the sender's signature."
    )
    return ToolResult(text + verdict_sentence(verdict), data)


def verdict_sentence(verdict: policy.Verdict) -> str:
    return "".join(f" Warning: {warning}" for warning in verdict.warnings)


async def require_dev_sender(chain: Chain, sender: str, prepare_tool: str) -> None:
    if sender not in await chain.dev_accounts():
        raise ToolFailure(
            f"{sender} is not one of the {chain.name} node's unlocked accounts: send from "
            f"alice, bob, carol, … or use {prepare_tool} for a wallet to sign."
        )


async def sent(chain: Chain, tx: dict[str, Any]) -> dict[str, Any]:
    """Send ``tx`` from an unlocked dev account, wait for its receipt; the outcome as data."""
    await simulate(chain, tx)
    w3 = chain.w3
    # Anvil picks the nonce; two concurrent sends from one account can get the same one
    # ("nonce too low" / "replacement transaction underpriced"): send one at a time per sender.
    async with _send_locks.setdefault(tx["from"], asyncio.Lock()):
        tx_hash = await w3.eth.send_transaction(tx)  # type: ignore[arg-type]
    try:
        receipt = await w3.eth.wait_for_transaction_receipt(
            tx_hash, timeout=chain.timeout, poll_latency=0.05
        )
    except TimeExhausted:
        raise ToolFailure(
            f"Transaction 0x{bytes(tx_hash).hex()} was sent but not mined within "
            f"{chain.timeout:g} s; check it later with get_transaction_receipt."
        ) from None
    fee = int(receipt["gasUsed"]) * int(receipt.get("effectiveGasPrice", 0))
    return {
        "network": chain.name,
        "tx_hash": "0x" + bytes(tx_hash).hex(),
        "status": "success" if receipt["status"] == 1 else "reverted",
        "block_number": receipt["blockNumber"],
        "from": tx["from"],
        "to": tx.get("to"),
        "contract_address": receipt.get("contractAddress"),
        "value_wei": str(tx["value"]),
        "value": format_units(tx["value"]),
        "gas_used": receipt["gasUsed"],
        "fee_wei": str(fee),
    }


def outcome_sentence(data: dict[str, Any]) -> str:
    outcome = "succeeded" if data["status"] == "success" else "was mined but reverted"
    return (
        f"in transaction {short_hash(data['tx_hash'])}; it {outcome} in block "
        f"{data['block_number']} using {data['gas_used']} gas."
    )


async def send_transaction(chain: Chain, params: SendInput) -> ToolResult:
    """Dev networks only: send a transaction signed by the node's unlocked dev account
    (alice, bob, … are Anvil accounts 0, 1, …), wait for the receipt and return it.
    The spend policy applies."""
    tx = await build_transaction(chain, params, params.from_address)
    await require_dev_sender(chain, tx["from"], "prepare_transaction")
    summary = await decoded.summarize(chain, tx)
    with policy.spending(chain.name, summary.spends, summary.labels) as verdict:
        data = await sent(chain, tx)
    w3 = chain.w3
    data["from_balance_after_wei"] = str(await w3.eth.get_balance(tx["from"]))
    data["to_balance_after_wei"] = str(await w3.eth.get_balance(tx["to"])) if tx.get("to") else None
    data["summary"] = summary.card(verdict)
    to = await chain.label(tx["to"]) if tx.get("to") else "a new contract"
    text = (
        f"{await chain.label(tx['from'])} sent {data['value']} {chain.currency} to {to} on "
        f"{chain.name} " + outcome_sentence(data)
    )
    return ToolResult(text + verdict_sentence(verdict), data)
