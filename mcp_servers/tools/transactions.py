"""Transactions, receipts (with ERC-20 Transfer/Approval logs decoded) and gas estimates."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field
from web3.exceptions import TransactionNotFound

from mcp_servers.chain import Chain
from mcp_servers.errors import ToolFailure
from mcp_servers.results import ToolResult
from mcp_servers.tools.base import ADDRESS_FIELD_DESCRIPTION, ToolInput
from mcp_servers.tools.blocks import hex_text
from mcp_servers.tools.tokens import token_decimals_or_none
from mcp_servers.tools.txparams import TransactionInput, build_transaction
from mcp_servers.topics import APPROVAL_TOPIC, TRANSFER_TOPIC, topic_address
from mcp_servers.units import format_units, short_address

TX_HASH_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")
MAX_LOGS = 50


class TxHashInput(ToolInput):
    tx_hash: str = Field(description="Transaction hash: 0x followed by 64 hex characters.")


class EstimateGasInput(TransactionInput):
    from_address: str | None = Field(None, description="Sender. " + ADDRESS_FIELD_DESCRIPTION)


def checked_tx_hash(value: str) -> str:
    if not TX_HASH_RE.match(value):
        raise ToolFailure(
            "That is not a transaction hash: expected 0x followed by 64 hex characters."
        )
    return value.lower()


async def fetch(chain: Chain, what: str, tx_hash: str) -> Any:
    w3 = await chain.ready()
    try:
        if what == "receipt":
            return await w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        return await w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        detail = " (it may still be pending)" if what == "receipt" else ""
        raise ToolFailure(f"No transaction {tx_hash} was found on {chain.name}{detail}.") from None


async def get_transaction(chain: Chain, params: TxHashInput) -> ToolResult:
    """A transaction by hash: sender, recipient, value, gas, fees, block."""
    tx_hash = checked_tx_hash(params.tx_hash)
    tx = await fetch(chain, "transaction", tx_hash)
    value = int(tx["value"])
    data = {
        "network": chain.name,
        "hash": tx_hash,
        "from": tx["from"],
        "to": tx.get("to"),
        "value_wei": str(value),
        "value": format_units(value),
        "nonce": tx["nonce"],
        "gas": tx["gas"],
        "gas_price_wei": str(tx.get("gasPrice", 0)),
        "max_fee_per_gas_wei": None if "maxFeePerGas" not in tx else str(tx["maxFeePerGas"]),
        "input": hex_text(tx.get("input", b"")),
        "type": tx.get("type"),
        "block_number": tx.get("blockNumber"),
        "pending": tx.get("blockNumber") is None,
    }
    sender, recipient = await chain.label(tx["from"]), await recipient_label(chain, tx.get("to"))
    where = "is still pending" if data["pending"] else f"was included in block {tx['blockNumber']}"
    text = (
        f"Transaction {short_hash(tx_hash)} on {chain.name}: {sender} sent "
        f"{data['value']} {chain.currency} to {recipient}; it {where}."
    )
    return ToolResult(text, data)


async def recipient_label(chain: Chain, to: str | None) -> str:
    return "a new contract (deployment)" if not to else await chain.label(to)


def short_hash(value: str) -> str:
    return f"{value[:10]}…{value[-6:]}"


async def get_transaction_receipt(chain: Chain, params: TxHashInput) -> ToolResult:
    """A mined transaction's outcome: status, gas used, fee, logs (ERC-20 Transfer/Approval
    decoded)."""
    tx_hash = checked_tx_hash(params.tx_hash)
    receipt = await fetch(chain, "receipt", tx_hash)
    price = int(receipt.get("effectiveGasPrice", 0))
    fee = price * int(receipt["gasUsed"])
    logs = [await decode_log(chain, log) for log in receipt["logs"][:MAX_LOGS]]
    status = "succeeded" if receipt["status"] == 1 else "failed (reverted)"
    data = {
        "network": chain.name,
        "hash": tx_hash,
        "status": "success" if receipt["status"] == 1 else "reverted",
        "block_number": receipt["blockNumber"],
        "from": receipt["from"],
        "to": receipt.get("to"),
        "contract_address": receipt.get("contractAddress"),
        "gas_used": receipt["gasUsed"],
        "effective_gas_price_wei": str(price),
        "fee_wei": str(fee),
        "fee": format_units(fee),
        "logs": logs,
        "log_count": len(receipt["logs"]),
    }
    events = sum(1 for log in logs if "event" in log)
    text = (
        f"Transaction {short_hash(tx_hash)} {status} in block {receipt['blockNumber']} on "
        f"{chain.name}, using {receipt['gasUsed']} gas (fee {data['fee']} {chain.currency})"
        + (f", with {events} ERC-20 event{'s' if events != 1 else ''}." if events else ".")
    )
    return ToolResult(text, data)


async def decode_log(chain: Chain, log: Any) -> dict[str, Any]:
    topics = [hex_text(topic) for topic in log["topics"]]
    raw = bytes(log["data"])
    entry: dict[str, Any] = {"address": log["address"], "topics": topics, "data": "0x" + raw.hex()}
    is_erc20 = len(topics) == 3 and len(raw) == 32
    if is_erc20 and topics[0] in (TRANSFER_TOPIC, APPROVAL_TOPIC):
        amount = int.from_bytes(raw, "big")
        decimals = await token_decimals_or_none(chain, log["address"])
        names = ("from", "to") if topics[0] == TRANSFER_TOPIC else ("owner", "spender")
        entry.update(
            event="Transfer" if topics[0] == TRANSFER_TOPIC else "Approval",
            **{names[0]: topic_address(topics[1]), names[1]: topic_address(topics[2])},
            amount=str(amount),
            amount_formatted=None if decimals is None else format_units(amount, decimals),
        )
    return entry


async def estimate_gas(chain: Chain, params: EstimateGasInput) -> ToolResult:
    """Gas a transaction would use, and its cost at the current gas price."""
    tx = await build_transaction(chain, params, params.from_address)
    w3 = await chain.ready()
    gas = await w3.eth.estimate_gas(tx)  # type: ignore[arg-type]
    price = await w3.eth.gas_price
    cost = gas * price
    data = {
        "network": chain.name,
        "gas": gas,
        "gas_price_wei": str(price),
        "cost_wei": str(cost),
        "cost": format_units(cost),
        "currency": chain.currency,
    }
    target = short_address(tx["to"]) if "to" in tx else "a contract deployment"
    text = (
        f"Sending to {target} on {chain.name} needs about {gas} gas, costing "
        f"{data['cost']} {chain.currency} at the current gas price."
    )
    return ToolResult(text, data)
