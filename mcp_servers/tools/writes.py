"""The write paths: prepare_transaction (every network) and send_transaction (dev networks)."""

from __future__ import annotations

import asyncio
from typing import Any

from eth_typing import ChecksumAddress
from pydantic import Field
from web3.exceptions import TimeExhausted
from web3.utils.address import get_create_address

from mcp_servers import effects, policy
from mcp_servers.chain import Chain
from mcp_servers.errors import ToolFailure
from mcp_servers.results import ToolResult
from mcp_servers.simulation import Simulation, simulate
from mcp_servers.tools import decoded, prices, simulated
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


async def check_funds(chain: Chain, tx: dict[str, Any], needed: int) -> None:
    balance = await chain.w3.eth.get_balance(tx["from"])
    if balance < needed:
        what = "to send" if needed == tx["value"] else "(value plus maximum gas fee)"
        raise ToolFailure(
            f"{await chain.label(tx['from'])} has {format_units(balance)} {chain.currency}, less "
            f"than the {format_units(needed)} {chain.currency} {what}."
        )


async def prepared(
    chain: Chain, tx: dict[str, Any], gas: int | None = None, nonce: int | None = None
) -> dict[str, Any]:
    """The unsigned EIP-1559 transaction a wallet signs, for a write already simulated.

    ``gas`` and ``nonce``: given for a write that follows another one not yet mined (a swap
    after its approval), which the node could not estimate on its own."""
    w3 = chain.w3
    gas_estimate, block, pending, priority = await asyncio.gather(
        w3.eth.estimate_gas(tx) if gas is None else as_result(gas),  # type: ignore[arg-type]
        w3.eth.get_block("latest"),
        w3.eth.get_transaction_count(tx["from"], "pending") if nonce is None else as_result(0),
        suggested_priority_fee(chain),
    )
    nonce = pending if nonce is None else nonce
    gas_limit = gas_estimate * (100 + GAS_MARGIN_PERCENT) // 100
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
    }


async def as_result(value: int) -> int:
    return value


async def prepare_transaction(chain: Chain, params: PrepareInput) -> ToolResult:
    """Build an unsigned EIP-1559 transaction for the sender's wallet to sign. It is simulated
    first: a revert is reported with its reason instead of being prepared, and the spend policy
    judges what it would move and allow, whatever its calldata."""
    tx = await build_transaction(chain, params, params.from_address)
    return await prepare_planned(chain, tx, await decoded.summarize(chain, tx))


async def inspect(
    chain: Chain, tx: dict[str, Any], before: list[dict[str, Any]] | None = None
) -> tuple[Simulation, list[effects.Effect]]:
    """Simulate ``tx`` (after ``before``, in order) and read its effects; a write that would
    revert goes no further."""
    if tx["value"]:  # the fee is checked once the transaction is built (prepared())
        await check_funds(chain, tx, tx["value"])
    simulation = await simulate(chain, tx, before or ())
    if simulation.reverted:
        raise ToolFailure(
            f"The contract call reverted: {simulation.revert_reason or 'no reason given'}."
        )
    if not simulation.effects_known:
        return simulation, []
    if not tx.get("to") and not simulation.created:
        # eth_simulateV1 names no contract it creates: a deployment's is where its nonce says.
        nonce = await chain.w3.eth.get_transaction_count(tx["from"], "pending")
        simulation.created.append(get_create_address(tx["from"], nonce))
    return simulation, await simulated.read(chain, tx["from"], simulation)


def card(
    summary: decoded.Summary,
    simulation: Simulation,
    found: list[effects.Effect],
    verdict: policy.Verdict,
    fee: effects.Effect,
) -> dict[str, Any]:
    """What the approval card shows (static/js/approval.js): the request's headline, how it was
    checked, every effect (the fee last) and the policy's verdict."""
    shown = found if simulation.effects_known else summary.intended
    paid = -fee.amount
    return {
        "kind": summary.kind,
        "action": summary.action,
        **summary.fields,
        "checked": simulation.checked,
        "checked_text": simulation.text,
        "effects": [effect.as_dict() for effect in [*shown, fee]],
        "fee": {"amount": format_units(paid), "symbol": fee.symbol, "raw": str(paid)},
        "reverted": False,
        "revert_reason": None,
        "policy": verdict.as_dict(),
    }


async def prepare_planned(chain: Chain, tx: dict[str, Any], summary: decoded.Summary) -> ToolResult:
    """The one way a transaction gets prepared: simulated, judged by its effects, then built."""
    simulation, found = await inspect(chain, tx)
    async with policy.spending(
        chain.name, tx["from"], found, simulation.checked, summary.intended
    ) as spend:
        data = await prepared(chain, tx)
    fee = simulated.fee_effect(chain, tx["from"], int(data["max_cost_wei"]))
    data["summary"] = card(summary, simulation, found, spend.verdict, fee)
    await prices.add_usd_to_card(chain, data["summary"])
    text = (
        f"Prepared an unsigned transaction on {chain.name} for {await chain.label(tx['from'])}'s "
        f"wallet: {summary.action}. {simulation.text} It now needs the sender's signature."
    )
    return ToolResult(text + verdict_sentence(spend.verdict), data)


async def send_planned(
    chain: Chain, tx: dict[str, Any], summary: decoded.Summary, prepare_tool: str
) -> ToolResult:
    """The one way a dev account sends: simulated, judged by its effects, sent, counted."""
    await require_dev_sender(chain, tx["from"], prepare_tool)
    simulation, found = await inspect(chain, tx)
    async with policy.spending(
        chain.name, tx["from"], found, simulation.checked, summary.intended
    ) as spend:
        data = await sent(chain, tx, spend)
    fee = simulated.fee_effect(chain, tx["from"], int(data["fee_wei"]))
    data["summary"] = card(summary, simulation, found, spend.verdict, fee)
    await prices.add_usd_to_card(chain, data["summary"])
    action = summary.action[0].lower() + summary.action[1:]
    text = f"{await chain.label(tx['from'])} did: {action}, on {chain.name} " + outcome_sentence(
        data
    )
    return ToolResult(text + verdict_sentence(spend.verdict), data)


def verdict_sentence(verdict: policy.Verdict) -> str:
    return warnings_sentence(verdict.warnings)


def warnings_sentence(warnings: list[str]) -> str:
    return "".join(f" Warning: {warning}" for warning in warnings)


async def require_dev_sender(chain: Chain, sender: ChecksumAddress, prepare_tool: str) -> None:
    if sender not in await chain.dev_accounts():
        raise ToolFailure(
            f"{sender} is not one of the {chain.name} node's unlocked accounts: send from "
            f"alice, bob, carol, … or use {prepare_tool} for a wallet to sign."
        )
    await chain.ready_dev_account(sender)


async def sent(chain: Chain, tx: dict[str, Any], spend: policy.Spending) -> dict[str, Any]:
    """Send ``tx`` from an unlocked dev account, wait for its receipt; the outcome as data."""
    w3 = chain.w3
    # Anvil picks the nonce; two concurrent sends from one account can get the same one
    # ("nonce too low" / "replacement transaction underpriced"): send one at a time per sender.
    async with _send_locks.setdefault(tx["from"], asyncio.Lock()):
        tx_hash = await w3.eth.send_transaction(tx)  # type: ignore[arg-type]
        spend.broadcast = True  # from here on, what it spends stays counted
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
    (alice, bob, … are Anvil accounts 0, 1, …), wait for the receipt and return it. It is
    simulated first, and the spend policy judges what it would move and allow."""
    tx = await build_transaction(chain, params, params.from_address)
    summary = await decoded.summarize(chain, tx)
    data = (await send_planned(chain, tx, summary, "prepare_transaction")).data
    w3 = chain.w3
    data["from_balance_after_wei"] = str(await w3.eth.get_balance(tx["from"]))
    data["to_balance_after_wei"] = str(await w3.eth.get_balance(tx["to"])) if tx.get("to") else None
    to = await chain.label(tx["to"]) if tx.get("to") else "a new contract"
    text = (
        f"{await chain.label(tx['from'])} sent {data['value']} {chain.currency} to {to} on "
        f"{chain.name} " + outcome_sentence(data)
    )
    return ToolResult(text + warnings_sentence(data["summary"]["policy"]["warnings"]), data)
