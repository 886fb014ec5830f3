"""Blocks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field
from web3.exceptions import BlockNotFound

from mcp_servers.chain import Chain
from mcp_servers.errors import ToolFailure
from mcp_servers.results import ToolResult
from mcp_servers.tools.base import BlockInput
from mcp_servers.units import format_units

MAX_TRANSACTIONS_LISTED = 100


class GetBlockInput(BlockInput):
    full_transactions: bool = Field(
        False, description="Include each transaction's from, to and value, not only its hash."
    )


def hex_text(value: Any) -> str:
    text = value.hex() if hasattr(value, "hex") else str(value)
    return text if text.startswith("0x") else "0x" + text


def transaction_summary(tx: Any) -> dict[str, Any]:
    return {
        "hash": hex_text(tx["hash"]),
        "from": tx["from"],
        "to": tx.get("to"),
        "value_wei": str(tx["value"]),
        "value": format_units(tx["value"]),
    }


async def get_block(chain: Chain, params: GetBlockInput) -> ToolResult:
    """A block by number, hash or 'latest', optionally with its transactions."""
    identifier = await chain.block_identifier(params.block)
    w3 = await chain.ready()
    try:
        block = await w3.eth.get_block(identifier, full_transactions=params.full_transactions)
    except BlockNotFound:
        raise ToolFailure(f"No block {params.block} was found on {chain.name}.") from None
    transactions = list(block.get("transactions", []))
    listed = transactions[:MAX_TRANSACTIONS_LISTED]
    when = datetime.fromtimestamp(block["timestamp"], tz=UTC)
    data = {
        "network": chain.name,
        "number": block["number"],
        "hash": hex_text(block["hash"]),
        "parent_hash": hex_text(block["parentHash"]),
        "timestamp": block["timestamp"],
        "time": when.isoformat(),
        "miner": block.get("miner"),
        "gas_used": block["gasUsed"],
        "gas_limit": block["gasLimit"],
        "base_fee_wei": block.get("baseFeePerGas"),
        "transaction_count": len(transactions),
        "transactions": [
            transaction_summary(tx) if params.full_transactions else hex_text(tx) for tx in listed
        ],
        "transactions_truncated": len(transactions) > len(listed),
    }
    count = len(transactions)
    text = (
        f"Block {block['number']} on {chain.name} was mined at {when:%Y-%m-%d %H:%M:%S} UTC "
        f"with {count} transaction{'' if count == 1 else 's'} and {block['gasUsed']} gas used."
    )
    return ToolResult(text, data)
