"""Batch reads through Multicall3 at its canonical address: a portfolio (native balance plus a
list of ERC-20 balances, with any token metadata not yet cached) in one eth_call.

On dev networks (Anvil) where nothing is deployed there, the server installs Multicall3's
runtime code with anvil_setCode (mcp_servers/contracts/Multicall3.sol, compiled into
multicall3.json). Elsewhere, a chain without Multicall3 is read with one call per value.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import eth_abi
from eth_abi.exceptions import DecodingError
from eth_typing import ChecksumAddress
from eth_utils import to_checksum_address
from pydantic import Field
from web3.exceptions import Web3Exception

from mcp_servers.chain import Chain
from mcp_servers.errors import ToolFailure
from mcp_servers.results import ToolResult
from mcp_servers.tools import prices
from mcp_servers.tools.base import ADDRESS_FIELD_DESCRIPTION, ToolInput
from mcp_servers.tools.standards import call_raw, calldata
from mcp_servers.tools.tokens import decode_text
from mcp_servers.units import format_units

MULTICALL3 = to_checksum_address("0xcA11bde05977b3631167028862bE2a173976CA11")
RUNTIME = json.loads(
    (Path(__file__).resolve().parent.parent / "contracts" / "multicall3.json").read_text()
)["runtime"]
MAX_TOKENS = 50
CALL3 = "(address,bool,bytes)[]"


class PortfolioInput(ToolInput):
    address: str = Field(description="The holder. " + ADDRESS_FIELD_DESCRIPTION, max_length=256)
    tokens: list[str] = Field(
        default_factory=list,
        description="ERC-20 token contracts to include (0x addresses or ENS names).",
        max_length=MAX_TOKENS,
    )


async def multicall_ready(chain: Chain) -> bool:
    """Whether Multicall3 answers at the canonical address; installs it on dev networks."""
    if chain.cache.get("multicall3"):
        return True
    w3 = await chain.ready()
    if not await w3.eth.get_code(MULTICALL3):
        if not chain.network.dev:
            return False
        await w3.provider.make_request("anvil_setCode", [MULTICALL3, RUNTIME])
    chain.cache["multicall3"] = True
    return True


async def aggregate(chain: Chain, calls: list[tuple[str, str]]) -> list[tuple[bool, bytes]]:
    """One eth_call of aggregate3 (every call may fail on its own)."""
    encoded = [(to, True, bytes.fromhex(data[2:])) for to, data in calls]
    data = calldata(f"aggregate3({CALL3})", (CALL3,), (encoded,))
    raw = await call_raw(chain, MULTICALL3, data)
    try:
        results = eth_abi.decode(["(bool,bytes)[]"], raw)[0]
    except (DecodingError, ValueError, OverflowError):
        chain.cache.pop(
            "multicall3", None
        )  # the code went away (a reset dev chain): re-check next time
        raise ToolFailure("Multicall3 did not answer as expected; try again.") from None
    return [(bool(ok), bytes(out)) for ok, out in results]


async def one_by_one(chain: Chain, calls: list[tuple[str, str]]) -> list[tuple[bool, bytes]]:
    async def one(to: str, data: str) -> tuple[bool, bytes]:
        try:
            return True, await call_raw(chain, to, data)
        except (Web3Exception, ValueError):
            return False, b""

    return list(await asyncio.gather(*(one(to, data) for to, data in calls)))


def token_calls(token: str, holder: str, need_meta: bool) -> list[tuple[str, str]]:
    calls = [(token, calldata("balanceOf(address)", ("address",), (holder,)))]
    if need_meta:
        calls += [(token, calldata(s)) for s in ("name()", "symbol()", "decimals()")]
    return calls


def token_entry(chain: Chain, token: str, results: list[tuple[bool, bytes]]) -> dict[str, Any]:
    """One token's row; metadata read now is cached like get_token_info's."""
    cached = chain.cache.get(f"token:{token}")
    try:
        if not all(ok and len(out) >= 32 for ok, out in results):
            raise ValueError
        balance = int.from_bytes(results[0][1][:32], "big")
        meta = cached or {
            "name": decode_text(results[1][1]),
            "symbol": decode_text(results[2][1]),
            "decimals": int.from_bytes(results[3][1][:32], "big"),
        }
        if meta["decimals"] > 255:
            raise ValueError
    except (ValueError, ToolFailure, IndexError):
        return {"token": token, "error": "does not answer like an ERC-20 token"}
    chain.cache[f"token:{token}"] = meta
    return {
        "token": token,
        **meta,
        "balance": str(balance),
        "balance_formatted": format_units(balance, int(meta["decimals"])),
    }


async def get_portfolio(chain: Chain, params: PortfolioInput) -> ToolResult:
    """An address's native balance and its balances of the listed ERC-20 tokens, read together
    through Multicall3 in one eth_call (one round trip)."""
    holder = await chain.resolve_address(params.address, "holder address")
    tokens: list[ChecksumAddress] = []
    for value in params.tokens:
        token = await chain.resolve_address(value, "token address")
        if token not in tokens:
            tokens.append(token)
    use_multicall = await multicall_ready(chain)
    calls: list[tuple[str, str]] = []
    if use_multicall:
        calls.append((MULTICALL3, calldata("getEthBalance(address)", ("address",), (holder,))))
    spans = []
    for token in tokens:
        part = token_calls(token, holder, f"token:{token}" not in chain.cache)
        spans.append((len(calls), len(part)))
        calls += part
    results = await (aggregate(chain, calls) if use_multicall else one_by_one(chain, calls))
    if use_multicall:
        native = int.from_bytes(results[0][1][:32], "big")
    else:
        native = await (await chain.ready()).eth.get_balance(holder)
    entries = [
        token_entry(chain, t, results[s : s + n]) for t, (s, n) in zip(tokens, spans, strict=True)
    ]
    data = {
        "network": chain.name,
        "address": holder,
        "native": {
            "symbol": chain.currency,
            "balance_wei": str(native),
            "balance": format_units(native),
        },
        "tokens": entries,
        "multicall": use_multicall,
        "rpc_calls": 1 if use_multicall else len(calls) + 1,
    }
    unpriced = await prices.add_usd_to_portfolio(chain, data)
    held = [f"{e['balance_formatted']} {e['symbol']}" for e in entries if "error" not in e]
    failed = sum(1 for e in entries if "error" in e)
    text = (
        f"{await chain.label(holder)} on {chain.name}: {format_units(native)} {chain.currency}"
        + (", " + ", ".join(held) if held else "")
        + (f"; {failed} of the listed contracts are not ERC-20 tokens" if failed else "")
        + "."
    )
    return ToolResult(text + worth_sentence(data, unpriced), data)


def worth_sentence(data: dict[str, Any], unpriced: list[str]) -> str:
    if len(unpriced) == len(data["tokens"]) + 1 - sum("error" in e for e in data["tokens"]):
        return " No price is known for any of it."
    total = prices.usd_text(Decimal(data["total_usd"]))
    missing = f" (no price for {', '.join(unpriced)})" if unpriced else ""
    return f" Worth about {total} in USD{missing}."
