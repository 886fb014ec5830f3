"""Network-level facts: identity, head block and gas prices."""

from __future__ import annotations

import asyncio

from web3.exceptions import Web3Exception

from mcp_servers.chain import Chain
from mcp_servers.results import ToolResult
from mcp_servers.tools.base import ToolInput
from mcp_servers.units import format_units

GWEI_DECIMALS = 9


class NoInput(ToolInput):
    pass


async def get_network_info(chain: Chain, params: NoInput) -> ToolResult:
    """The network this server is bound to: name, chain id, currency, latest block, node version."""
    w3 = await chain.ready()
    actual, latest, client = await asyncio.gather(
        w3.eth.chain_id, w3.eth.block_number, w3.client_version
    )
    network = chain.network
    kind = "a dev network with unlocked accounts" if network.dev else "a public network"
    data = {
        "network": network.name,
        "chain_id": actual,
        "expected_chain_id": network.chain_id,
        "dev": network.dev,
        "currency": network.currency,
        "latest_block": latest,
        "client_version": client,
    }
    text = (
        f"{network.name} is chain {actual} ({kind}), currency {network.currency}, "
        f"at block {latest}."
    )
    return ToolResult(text, data)


async def get_block_number(chain: Chain, params: NoInput) -> ToolResult:
    """The number of the latest block."""
    w3 = await chain.ready()
    number = await w3.eth.block_number
    return ToolResult(
        f"The latest block on {chain.name} is {number}.",
        {"network": chain.name, "block_number": number},
    )


async def get_gas_price(chain: Chain, params: NoInput) -> ToolResult:
    """Gas prices: the legacy gas price, the EIP-1559 base fee and a suggested priority fee."""
    w3 = await chain.ready()
    gas_price, block = await asyncio.gather(w3.eth.gas_price, w3.eth.get_block("latest"))
    base_fee = block.get("baseFeePerGas")
    priority_fee = await suggested_priority_fee(chain)
    data = {
        "network": chain.name,
        "block_number": block["number"],
        "gas_price_wei": gas_price,
        "gas_price_gwei": format_units(gas_price, GWEI_DECIMALS),
        "base_fee_wei": base_fee,
        "base_fee_gwei": None if base_fee is None else format_units(base_fee, GWEI_DECIMALS),
        "max_priority_fee_wei": priority_fee,
        "max_priority_fee_gwei": format_units(priority_fee, GWEI_DECIMALS),
    }
    base_text = (
        "no base fee (pre-EIP-1559)"
        if base_fee is None
        else (f"base fee {data['base_fee_gwei']} gwei")
    )
    text = (
        f"Gas on {chain.name} at block {block['number']}: legacy price "
        f"{data['gas_price_gwei']} gwei, {base_text}, suggested priority fee "
        f"{data['max_priority_fee_gwei']} gwei."
    )
    return ToolResult(text, data)


async def suggested_priority_fee(chain: Chain) -> int:
    """eth_maxPriorityFeePerGas where the node has it; some nodes don't, then 1 gwei."""
    try:
        return int(await chain.w3.eth.max_priority_fee)
    except (Web3Exception, ValueError):
        return 10**9
