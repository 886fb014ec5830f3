"""ERC-20 tokens: metadata and balances, formatted by the token's decimals."""

from __future__ import annotations

import asyncio

from eth_typing import ChecksumAddress
from pydantic import Field
from web3.exceptions import Web3Exception

from mcp_servers.abi import decode_output, parse_signature
from mcp_servers.chain import Chain
from mcp_servers.errors import ToolFailure
from mcp_servers.results import ToolResult
from mcp_servers.tools.base import ADDRESS_FIELD_DESCRIPTION, BlockInput, ToolInput
from mcp_servers.units import format_units

TOKEN_DESCRIPTION = "The ERC-20 token contract. " + ADDRESS_FIELD_DESCRIPTION


class TokenInput(ToolInput):
    token: str = Field(description=TOKEN_DESCRIPTION, max_length=256)


class TokenBalanceInput(BlockInput):
    token: str = Field(description=TOKEN_DESCRIPTION, max_length=256)
    address: str = Field(description="The holder. " + ADDRESS_FIELD_DESCRIPTION, max_length=256)


async def read(
    chain: Chain, token: str, signature: str, *args: bytes, block: object = "latest"
) -> bytes:
    parsed = parse_signature(signature)
    calldata = "0x" + (parsed.selector + b"".join(args)).hex()
    w3 = await chain.ready()
    return bytes(await w3.eth.call({"to": token, "data": calldata}, block))  # type: ignore[arg-type, typeddict-item]


def decode_text(raw: bytes) -> str:
    """string, or bytes32 for old tokens such as MKR."""
    if len(raw) == 32:
        return raw.rstrip(b"\0").decode("utf-8", "replace")
    return str(decode_output(("string",), raw)[0])


async def require_contract(chain: Chain, token: ChecksumAddress) -> None:
    w3 = await chain.ready()
    if not await w3.eth.get_code(token):
        raise ToolFailure(f"{token} has no contract code on {chain.name}, so it is not a token.")


async def token_metadata(chain: Chain, token: ChecksumAddress) -> dict[str, object]:
    cached = chain.cache.get(f"token:{token}")
    if cached:
        return dict(cached)
    await require_contract(chain, token)
    try:
        name, symbol, decimals = await asyncio.gather(
            read(chain, token, "name()"),
            read(chain, token, "symbol()"),
            read(chain, token, "decimals()"),
        )
        meta = {"name": decode_text(name), "symbol": decode_text(symbol),
                "decimals": int(decode_output(("uint8",), decimals)[0])}  # fmt: skip
    except (Web3Exception, ToolFailure):
        raise ToolFailure(
            f"{token} on {chain.name} does not answer name(), symbol() and decimals() like an "
            "ERC-20 token."
        ) from None
    chain.cache[f"token:{token}"] = meta  # metadata never changes: cache per process
    return dict(meta)


async def token_decimals_or_none(chain: Chain, token: str) -> int | None:
    try:
        return int(str((await token_metadata(chain, token))["decimals"]))  # type: ignore[arg-type]
    except Exception:
        return None


async def get_token_info(chain: Chain, params: TokenInput) -> ToolResult:
    """ERC-20 token metadata: name, symbol, decimals and total supply."""
    token = await chain.resolve_address(params.token, "token address")
    meta = await token_metadata(chain, token)
    supply = int(decode_output(("uint256",), await read(chain, token, "totalSupply()"))[0])
    decimals = int(str(meta["decimals"]))
    data = {
        "network": chain.name,
        "token": token,
        **meta,
        "total_supply": str(supply),
        "total_supply_formatted": format_units(supply, decimals),
    }
    text = (
        f"{meta['name']} ({meta['symbol']}) at {token} on {chain.name} has {decimals} decimals "
        f"and a total supply of {data['total_supply_formatted']} {meta['symbol']}."
    )
    return ToolResult(text, data)


async def get_token_balance(chain: Chain, params: TokenBalanceInput) -> ToolResult:
    """An address's ERC-20 token balance, in base units and formatted by the token's decimals."""
    token = await chain.resolve_address(params.token, "token address")
    holder = await chain.resolve_address(params.address, "holder address")
    meta = await token_metadata(chain, token)
    block = await chain.block_identifier(params.block)
    raw = await read(
        chain, token, "balanceOf(address)", bytes(12) + bytes.fromhex(holder[2:]), block=block
    )
    balance = int(decode_output(("uint256",), raw)[0])
    formatted = format_units(balance, int(str(meta["decimals"])))
    data = {
        "network": chain.name,
        "token": token,
        "symbol": meta["symbol"],
        "decimals": meta["decimals"],
        "address": holder,
        "balance": str(balance),
        "balance_formatted": formatted,
    }
    text = (
        f"{await chain.label(holder)} holds {formatted} {meta['symbol']} "
        f"of {meta['name']} on {chain.name}."
    )
    return ToolResult(text, data)
