"""Accounts: balances and code."""

from __future__ import annotations

import asyncio

from eth_utils import keccak
from pydantic import Field
from web3.types import BlockIdentifier

from mcp_servers.chain import Chain
from mcp_servers.results import ToolResult
from mcp_servers.tools.base import ADDRESS_FIELD_DESCRIPTION, BlockInput
from mcp_servers.units import format_units

MAX_CODE_BYTES_SHOWN = 2048


class AddressInput(BlockInput):
    address: str = Field(description=ADDRESS_FIELD_DESCRIPTION, min_length=1, max_length=256)


async def block_and_number(chain: Chain, block: str | int) -> tuple[BlockIdentifier, int]:
    """The identifier to query at and the block number to report."""
    identifier = await chain.block_identifier(block)
    if isinstance(identifier, int):
        return identifier, identifier
    w3 = await chain.ready()
    if identifier == "latest":
        return identifier, await w3.eth.block_number
    found = await w3.eth.get_block(identifier)
    return found["number"], found["number"]


async def get_balance(chain: Chain, params: AddressInput) -> ToolResult:
    """The native-currency balance of an address (in wei and formatted)."""
    address = await chain.resolve_address(params.address)
    w3 = await chain.ready()
    number: int
    if params.block == "latest":
        # One round trip each, concurrently: the head may move in between, harmlessly.
        balance, number = await asyncio.gather(w3.eth.get_balance(address), w3.eth.block_number)
    else:
        identifier, number = await block_and_number(chain, params.block)
        balance = await w3.eth.get_balance(address, identifier)
    formatted = format_units(balance)
    who = await chain.label(address)
    data = {
        "network": chain.name,
        "address": address,
        "balance_wei": str(balance),
        "balance": formatted,
        "currency": chain.currency,
        "block_number": number,
    }
    # The wei stay in the data for programs; a person reads the formatted amount.
    text = f"{who} holds {formatted} {chain.currency} on {chain.name} at block {number}."
    return ToolResult(text, data)


async def get_code(chain: Chain, params: AddressInput) -> ToolResult:
    """The bytecode at an address: its size and whether the address is a contract."""
    address = await chain.resolve_address(params.address)
    identifier, number = await block_and_number(chain, params.block)
    w3 = await chain.ready()
    code = bytes(await w3.eth.get_code(address, identifier))
    shown = code[:MAX_CODE_BYTES_SHOWN]
    data = {
        "network": chain.name,
        "address": address,
        "is_contract": bool(code),
        "size_bytes": len(code),
        "code": "0x" + shown.hex(),
        "code_truncated": len(code) > len(shown),
        "code_hash": "0x" + keccak(code).hex(),
        "block_number": number,
    }
    who = await chain.label(address)
    if code:
        text = f"{who} is a contract with {len(code)} bytes of code on {chain.name}."
    else:
        text = f"{who} has no code on {chain.name}: it is not a contract (an account or empty)."
    return ToolResult(text, data)
