"""Uniswap V3 reads shared by prices and swaps: which pools exist for a pair, their liquidity
and price, and QuoterV2 quotes; plus the router calldata of both router kinds."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import eth_abi
from eth_typing import ChecksumAddress
from eth_utils import keccak, to_checksum_address
from web3.exceptions import ContractLogicError

from chatproject.lib.networks import SWAP_ROUTER_02, Uniswap
from mcp_servers.chain import Chain
from mcp_servers.errors import ToolFailure
from mcp_servers.tools.standards import call_raw

FEE_TIERS = (100, 500, 3000, 10000)  # hundredths of a basis point: 0.01% … 1%
Q96 = 2**96
# SwapRouter's ExactInputSingleParams has a deadline (the 5th field); SwapRouter02's has none.
PARAMS_V1 = "(address,address,uint24,address,uint256,uint256,uint256,uint160)"
PARAMS_02 = "(address,address,uint24,address,uint256,uint256,uint160)"
EXACT_INPUT_V1 = f"exactInputSingle({PARAMS_V1})"
EXACT_INPUT_02 = f"exactInputSingle({PARAMS_02})"
QUOTE = "quoteExactInputSingle((address,address,uint256,uint24,uint160))"


def encode(signature: str, types: list[str], *args: Any) -> bytes:
    return keccak(text=signature)[:4] + eth_abi.encode(types, list(args))


def hex_data(data: bytes) -> str:
    return "0x" + data.hex()


def deployment_of(chain: Chain) -> Uniswap:
    if chain.network.uniswap is None:
        raise ToolFailure(f"This server knows no Uniswap V3 deployment on {chain.name}.")
    return chain.network.uniswap


@dataclass(frozen=True)
class Pool:
    address: ChecksumAddress
    fee: int  # hundredths of a basis point

    @property
    def fee_percent(self) -> str:
        return f"{Decimal(self.fee) / 10000:g}%"


async def pools_of(chain: Chain, token_a: str, token_b: str) -> list[Pool]:
    """The pair's pools that exist, one per fee tier."""
    uni = deployment_of(chain)
    types = ["address", "address", "uint24"]

    async def pool(fee: int) -> Pool | None:
        data = encode("getPool(address,address,uint24)", types, token_a, token_b, fee)
        raw = await call_raw(chain, uni.factory, hex_data(data))
        if len(raw) < 32:  # no contract answered: nothing is deployed there
            raise ToolFailure(
                f"Uniswap V3's factory does not answer at {uni.factory} on {chain.name}."
            )
        address = to_checksum_address(raw[12:32])
        return Pool(address, fee) if int(address, 16) else None

    found = await asyncio.gather(*(pool(fee) for fee in FEE_TIERS))
    return [pool for pool in found if pool is not None]


async def read_uint(chain: Chain, contract: str, signature: str) -> int:
    return int.from_bytes((await call_raw(chain, contract, hex_data(encode(signature, []))))[:32])


async def liquidity(chain: Chain, pool: Pool) -> int:
    return await read_uint(chain, pool.address, "liquidity()")


async def sqrt_price(chain: Chain, pool: Pool) -> int:
    """The pool's current sqrtPriceX96 (slot0's first word)."""
    return await read_uint(chain, pool.address, "slot0()")


async def deepest(chain: Chain, token_a: str, token_b: str) -> Pool | None:
    """The pair's pool with the most in-range liquidity, or None when none has any."""
    found = await pools_of(chain, token_a, token_b)
    depths = await asyncio.gather(*(liquidity(chain, pool) for pool in found))
    ranked = sorted(zip(depths, found, strict=True), key=lambda pair: -pair[0])
    return ranked[0][1] if ranked and ranked[0][0] > 0 else None


def mid_price(sqrt_price_x96: int, base: str, quote: str, decimals: tuple[int, int]) -> Decimal:
    """Units of ``quote`` per unit of ``base`` at the pool's price (no fee, no impact)."""
    raw = Decimal(sqrt_price_x96) ** 2 / Decimal(Q96) ** 2  # token1 per token0, base units
    base_is_token0 = int(base, 16) < int(quote, 16)
    per_base = raw if base_is_token0 else 1 / raw
    return per_base * Decimal(10) ** (decimals[0] - decimals[1])


@dataclass(frozen=True)
class Quote:
    pool: Pool
    amount_out: int
    sqrt_price_after: int
    gas_estimate: int


async def quote(
    chain: Chain, token_in: str, token_out: str, amount: int, pool: Pool
) -> Quote | None:
    """QuoterV2's answer for one pool; None when the pool cannot fill it (no liquidity)."""
    uni = deployment_of(chain)
    data = encode(QUOTE, ["(address,address,uint256,uint24,uint160)"],
                  (token_in, token_out, amount, pool.fee, 0))  # fmt: skip
    try:
        raw = await call_raw(chain, uni.quoter_v2, hex_data(data))
        out, after, _, gas = eth_abi.decode(["uint256", "uint160", "uint32", "uint256"], raw)
    except (ContractLogicError, eth_abi.exceptions.DecodingError):
        return None  # the quoter reverted: the pool cannot fill it (a node's failure is raised)
    return Quote(pool, int(out), int(after), int(gas)) if out else None


def swap_calldata(
    uni: Uniswap, params: SwapCall, deadline: int, unwrap_to: str | None = None
) -> str:
    """The router call: exactInputSingle (SwapRouter: deadline in the struct; SwapRouter02: in
    multicall(deadline, …)); native output goes to the router, then unwrapWETH9 to the owner."""
    recipient = uni.router if unwrap_to else params.recipient
    struct: tuple[Any, ...]
    if uni.router_kind == SWAP_ROUTER_02:
        struct = (params.token_in, params.token_out, params.fee, recipient, params.amount_in,
                  params.minimum_out, 0)  # fmt: skip
        calls = [encode(EXACT_INPUT_02, [PARAMS_02], struct)]
    else:
        struct = (params.token_in, params.token_out, params.fee, recipient, deadline,
                  params.amount_in, params.minimum_out, 0)  # fmt: skip
        calls = [encode(EXACT_INPUT_V1, [PARAMS_V1], struct)]
    if unwrap_to:
        unwrap = "unwrapWETH9(uint256,address)"
        calls.append(encode(unwrap, ["uint256", "address"], params.minimum_out, unwrap_to))
    if uni.router_kind == SWAP_ROUTER_02:
        multicall = encode("multicall(uint256,bytes[])", ["uint256", "bytes[]"], deadline, calls)
        return hex_data(multicall)
    if len(calls) == 1:
        return hex_data(calls[0])
    return hex_data(encode("multicall(bytes[])", ["bytes[]"], calls))


@dataclass(frozen=True)
class SwapCall:
    token_in: str
    token_out: str
    fee: int
    recipient: str
    amount_in: int
    minimum_out: int
