"""Swaps through Uniswap V3: quote_swap, prepare_swap (every network) and send_swap (dev).

The quote takes the best output over the pair's fee tiers (QuoterV2). A swap is one or two
calls: an approval of exactly the amount for the router (unless the allowance covers it, or the
input is the native currency, sent as value), then the router's exactInputSingle with a
deadline and the minimum output the slippage allows. Both calls are simulated in order and
judged together by the wallet guard (writes.py), so the card shows the whole swap.

Price impact: how much less the swap gives than the pool's mid price before it, after the
pool's fee ("1 - execution price / (mid price x (1 - fee))"), in percent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.conf import settings
from eth_typing import ChecksumAddress
from pydantic import Field
from web3.exceptions import Web3Exception

from mcp_servers import effects as fx
from mcp_servers import policy
from mcp_servers.chain import Chain
from mcp_servers.errors import ToolFailure
from mcp_servers.results import ToolResult
from mcp_servers.simulation import Simulation
from mcp_servers.tools import decoded, prices, simulated, uniswap
from mcp_servers.tools.base import ADDRESS_FIELD_DESCRIPTION, ToolInput
from mcp_servers.tools.erc20 import allowance_of, balance_of
from mcp_servers.tools.prices import Asset, resolve_asset, wrapped_native
from mcp_servers.tools.standards import calldata
from mcp_servers.tools.writes import (
    card,
    inspect,
    outcome_sentence,
    prepared,
    require_dev_sender,
    sent,
    verdict_sentence,
)
from mcp_servers.topics import TRANSFER_TOPIC, address_topic
from mcp_servers.units import format_units, parse_units

MAX_SLIPPAGE_PERCENT = Decimal(10)
SWAP_GAS_MARGIN = (3, 2)  # x1.5 of the simulated gas: a swap's path can cost more when mined
SWAP_GAS_UNCHECKED = 400_000  # a swap's gas limit when the node could not simulate it
WITHDRAWAL_TOPIC = "0x7fcf532c15f0a6db0bd6d0e038bea71d30d808c7d98cb3bf7268a95bf5081b65"
TOKEN_DESCRIPTION = (
    'A token symbol ("ETH", "USDC", "DAI"; ETH means the network\'s own currency, which the '
    "router wraps and unwraps) or its 0x contract address."
)


class QuoteSwapInput(ToolInput):
    token_in: str = Field(description="What you pay. " + TOKEN_DESCRIPTION, max_length=256)
    token_out: str = Field(description="What you get. " + TOKEN_DESCRIPTION, max_length=256)
    amount: str = Field(
        description='How much of token_in, in its own units, e.g. "1.5".', max_length=100
    )
    slippage_percent: float | None = Field(
        None,
        description="How much less than the quote you accept, in percent (default 0.5; at most "
        "10).",
    )


class PrepareSwapInput(QuoteSwapInput):
    from_address: str = Field(
        description="Who swaps, whose wallet will sign. " + ADDRESS_FIELD_DESCRIPTION,
        max_length=256,
    )


class SendSwapInput(QuoteSwapInput):
    from_address: str = Field(
        description="Who swaps: a named dev account (alice, bob, …) or an unlocked node account.",
        max_length=256,
    )


@dataclass(frozen=True)
class SwapQuote:
    token_in: Asset
    token_out: Asset
    path: tuple[ChecksumAddress, ChecksumAddress]  # the ERC-20s the pool trades (WETH for ETH)
    amount_in: int
    best: uniswap.Quote
    minimum_out: int
    impact_percent: Decimal
    slippage_percent: Decimal

    def as_dict(self, deadline: int | None = None) -> dict[str, Any]:
        return {
            "token_in": self.token_in.symbol,
            "token_in_address": self.token_in.address,
            "token_out": self.token_out.symbol,
            "token_out_address": self.token_out.address,
            "amount_in": format_units(self.amount_in, self.token_in.decimals),
            "expected_out": format_units(self.best.amount_out, self.token_out.decimals),
            "minimum_out": format_units(self.minimum_out, self.token_out.decimals),
            "fee_tier": self.best.pool.fee,
            "fee_percent": self.best.pool.fee_percent,
            "pool": self.best.pool.address,
            "price_impact_percent": str(self.impact_percent),
            "slippage_percent": str(self.slippage_percent),
            "deadline": deadline,
        }

    def words(self) -> str:
        return (
            f"{self.as_dict()['amount_in']} {self.token_in.symbol} for about "
            f"{self.as_dict()['expected_out']} {self.token_out.symbol} (at least "
            f"{self.as_dict()['minimum_out']} at {self.slippage_percent}% slippage) through the "
            f"Uniswap V3 {self.best.pool.fee_percent} pool, price impact "
            f"{self.impact_percent}%"
        )


def slippage_of(value: float | None) -> Decimal:
    chosen = Decimal(str(settings.SWAP_SLIPPAGE_PERCENT if value is None else value))
    if not chosen.is_finite() or chosen < 0:
        raise ToolFailure("The slippage must be a percentage of 0 or more, like 0.5.")
    if chosen > MAX_SLIPPAGE_PERCENT:
        raise ToolFailure(
            f"A slippage of {chosen.normalize():f}% is refused: at most {MAX_SLIPPAGE_PERCENT}% "
            "is allowed, since more lets the swap give you far less than the quote."
        )
    return Decimal(f"{chosen.normalize():f}")


def path_token(chain: Chain, asset: Asset) -> ChecksumAddress:
    token = asset.address or wrapped_native(chain)
    if token is None:
        raise ToolFailure(f"{chain.name} has no wrapped {asset.symbol} for Uniswap to trade.")
    return token


def amount_of(text: str, asset: Asset) -> int:
    amount = parse_units(text, asset.decimals, "amount")
    if amount == 0:
        raise ToolFailure("The amount must be more than 0.")
    return amount


async def swap_quote(chain: Chain, params: QuoteSwapInput) -> SwapQuote:
    uniswap.deployment_of(chain)
    slippage = slippage_of(params.slippage_percent)
    token_in, token_out = await asyncio.gather(
        resolve_asset(chain, params.token_in), resolve_asset(chain, params.token_out)
    )
    amount = amount_of(params.amount, token_in)
    path = (path_token(chain, token_in), path_token(chain, token_out))
    if path[0] == path[1]:
        raise ToolFailure(f"{token_in.symbol} and {token_out.symbol} are the same token here.")
    best = await best_quote(chain, token_in, token_out, path, amount)
    impact = await impact_percent(chain, path, (token_in, token_out), amount, best)
    minimum = int(Decimal(best.amount_out) * (100 - slippage) / 100)
    return SwapQuote(token_in, token_out, path, amount, best, minimum, impact, slippage)


async def best_quote(
    chain: Chain,
    token_in: Asset,
    token_out: Asset,
    path: tuple[ChecksumAddress, ChecksumAddress],
    amount: int,
) -> uniswap.Quote:
    pair = f"{token_in.symbol}/{token_out.symbol}"
    pools = await uniswap.pools_of(chain, *path)
    if not pools:
        raise ToolFailure(f"No Uniswap V3 pool trades {pair} on {chain.name}.")
    quotes = await asyncio.gather(*(uniswap.quote(chain, *path, amount, p) for p in pools))
    found = [q for q in quotes if q is not None]
    if not found:
        raise ToolFailure(
            f"The Uniswap V3 {pair} pool on {chain.name} has no liquidity to fill this swap."
        )
    return max(found, key=lambda q: q.amount_out)


async def impact_percent(
    chain: Chain,
    path: tuple[ChecksumAddress, ChecksumAddress],
    assets: tuple[Asset, Asset],
    amount: int,
    best: uniswap.Quote,
) -> Decimal:
    sqrt_before = await uniswap.sqrt_price(chain, best.pool)
    decimals = (assets[0].decimals, assets[1].decimals)
    mid = uniswap.mid_price(sqrt_before, path[0], path[1], decimals)
    after_fee = Decimal(amount).scaleb(-decimals[0]) * mid * (1 - Decimal(best.pool.fee) / 10**6)
    executed = Decimal(best.amount_out).scaleb(-decimals[1])
    impact = max(Decimal(0), (1 - executed / after_fee) * 100) if after_fee else Decimal(0)
    return impact.quantize(Decimal("0.0001"), ROUND_DOWN).normalize()


async def quote_swap(chain: Chain, params: QuoteSwapInput) -> ToolResult:
    """What a Uniswap V3 swap would give now: the expected output over the pair's fee tiers
    (the best one is chosen), the price impact (how much less than the pool's mid price, after
    its fee) and the minimum output at the slippage limit. Amounts in token units ("1.5");
    nothing is signed or sent."""
    found = await swap_quote(chain, params)
    data = {"network": chain.name, **found.as_dict()}
    return ToolResult(f"On {chain.name}, swapping {found.words()}.", data)


@dataclass
class Plan:
    calls: list[dict[str, Any]]  # approval (if any), then the swap
    summary: decoded.Summary
    quote: SwapQuote
    deadline: int


async def swap_plan(chain: Chain, params: QuoteSwapInput, sender: ChecksumAddress) -> Plan:
    found = await swap_quote(chain, params)
    uni = uniswap.deployment_of(chain)
    w3 = await chain.ready()
    block = await w3.eth.get_block("latest")
    deadline = int(block["timestamp"]) + settings.SWAP_DEADLINE_SECONDS
    calls = await approval_calls(chain, found, sender, uni.router)
    native_in, native_out = found.token_in.native, found.token_out.native
    call = uniswap.SwapCall(*found.path, found.best.pool.fee, sender, found.amount_in,
                            found.minimum_out)  # fmt: skip
    data = uniswap.swap_calldata(uni, call, deadline, sender if native_out else None)
    value = found.amount_in if native_in else 0
    calls.append({"from": sender, "to": uni.router, "value": value, "data": data})
    summary = await swap_summary(chain, found, sender, uni.router, approve=len(calls) == 2)
    return Plan(calls, summary, found, deadline)


async def approval_calls(
    chain: Chain, found: SwapQuote, sender: ChecksumAddress, router: str
) -> list[dict[str, Any]]:
    """An approval of exactly the amount, unless the allowance covers it or ETH is paid."""
    if found.token_in.native:
        return []
    token = found.path[0]
    balance = await balance_of(chain, token, sender)
    if balance < found.amount_in:
        held = format_units(balance, found.token_in.decimals)
        raise ToolFailure(
            f"{await chain.label(sender)} holds {held} {found.token_in.symbol}, less than the "
            "amount to swap."
        )
    if await allowance_of(chain, token, sender, router, "latest") >= found.amount_in:
        return []
    data = calldata("approve(address,uint256)", ("address", "uint256"), (router, found.amount_in))
    return [{"from": sender, "to": token, "value": 0, "data": data}]


async def swap_summary(
    chain: Chain, found: SwapQuote, sender: str, router: str, approve: bool
) -> decoded.Summary:
    """The card's headline and what the signer means to give: the amount in (to the pool, or
    to the router as value) and, if needed, the exact allowance for the router."""
    q = found.as_dict()
    action = (
        f"Swap {q['amount_in']} {found.token_in.symbol} for at least {q['minimum_out']} "
        f"{found.token_out.symbol} on Uniswap V3 ({found.best.pool.fee_percent} pool)"
    )
    summary = decoded.Summary("swap", action, {"quote": q, "router": router})
    t_in = found.token_in
    standard = fx.NATIVE if t_in.native else "erc20"
    asset = fx.NATIVE if t_in.native else found.path[0]
    to = router if t_in.native else found.best.pool.address
    spend = fx.Effect(fx.TRANSFER, standard, sender, asset, t_in.symbol, t_in.decimals,
                      -found.amount_in, to)  # fmt: skip
    summary.add(spend, await chain.label(to))
    if approve:
        allow = fx.Effect(fx.APPROVAL, "erc20", sender, found.path[0], t_in.symbol,
                          t_in.decimals, found.amount_in, router)  # fmt: skip
        summary.add(allow, await chain.label(router))
    return summary


async def built_calls(chain: Chain, plan: Plan, simulation: Simulation) -> list[dict[str, Any]]:
    """Each call as a wallet signs it: consecutive nonces, and the swap's gas from the
    simulation when it follows an approval (the node cannot estimate it before that)."""
    if len(plan.calls) == 1:
        return [await prepared(chain, plan.calls[0])]
    approval = await prepared(chain, plan.calls[0])
    simulated_gas = simulation.gas_each[-1] if len(simulation.gas_each) == 2 else None
    gas = (
        simulated_gas * SWAP_GAS_MARGIN[0] // SWAP_GAS_MARGIN[1]
        if simulated_gas
        else SWAP_GAS_UNCHECKED
    )
    swap = await prepared(chain, plan.calls[1], gas=gas, nonce=approval["nonce"] + 1)
    return [approval, swap]


async def prepare_swap(chain: Chain, params: PrepareSwapInput) -> ToolResult:
    """Prepare a Uniswap V3 swap for the sender's wallet: an approval of exactly the amount for
    the router when needed, then the swap, with a deadline and the minimum output the slippage
    allows. Both are simulated in order and judged by the spend policy; nothing is sent."""
    sender = await chain.resolve_address(params.from_address, "sender address")
    plan = await swap_plan(chain, params, sender)
    simulation, found = await inspect(chain, plan.calls[-1], plan.calls[:-1])
    async with policy.spending(
        chain.name, sender, found, simulation.checked, plan.summary.intended
    ) as spend:
        calls = await built_calls(chain, plan, simulation)
    max_cost = sum(int(call["max_cost_wei"]) for call in calls)
    fee = simulated.fee_effect(chain, sender, max_cost)
    data = {
        "network": chain.name,
        "kind": "swap",
        "calls": [call["transaction"] for call in calls],
        "transaction": calls[-1]["transaction"],
        "summary": card(plan.summary, simulation, found, spend.verdict, fee),
        "quote": plan.quote.as_dict(plan.deadline),
        "max_cost_wei": str(max_cost),
    }
    await prices.add_usd_to_card(chain, data["summary"])
    text = await prepared_text(chain, sender, plan, simulation)
    return ToolResult(text + verdict_sentence(spend.verdict), data)


async def prepared_text(chain: Chain, sender: str, plan: Plan, simulation: Simulation) -> str:
    q = plan.quote.as_dict()
    t_in, t_out = plan.quote.token_in.symbol, plan.quote.token_out.symbol
    steps = (
        f"It is two transactions, in this order: first allowing the Uniswap router to spend "
        f"exactly {q['amount_in']} {t_in}, then the swap; a wallet that takes batches signs "
        f"both at once, others ask twice."
        if len(plan.calls) == 2
        else "It needs one signature from the wallet."
    )
    return (
        f"Prepared a swap on {chain.name} for {await chain.label(sender)}'s wallet: you send "
        f"{q['amount_in']} {t_in} and receive at least {q['minimum_out']} {t_out} (about "
        f"{q['expected_out']} expected; {q['fee_percent']} pool, price impact "
        f"{q['price_impact_percent']}%, slippage {q['slippage_percent']}%). The swap must be "
        f"mined within {settings.SWAP_DEADLINE_SECONDS} s. {simulation.text} {steps}"
    )


async def send_swap(chain: Chain, params: SendSwapInput) -> ToolResult:
    """Dev networks only: swap on Uniswap V3 from an unlocked dev account (alice, bob, …): the
    exact approval if needed, then the swap; simulated and judged by the spend policy first.
    Returns the transactions and the amount received."""
    sender = await chain.resolve_address(params.from_address, "sender address")
    await require_dev_sender(chain, sender, "prepare_swap")
    plan = await swap_plan(chain, params, sender)
    simulation, found = await inspect(chain, plan.calls[-1], plan.calls[:-1])
    async with policy.spending(
        chain.name, sender, found, simulation.checked, plan.summary.intended
    ) as spend:
        results = [await sent(chain, tx, spend) for tx in plan.calls]
    fee_paid = sum(int(result["fee_wei"]) for result in results)
    fee = simulated.fee_effect(chain, sender, fee_paid)
    received = await amount_received(chain, results[-1]["tx_hash"], plan, sender)
    out = plan.quote.token_out
    data = {
        "network": chain.name,
        "kind": "swap",
        "tx_hashes": [result["tx_hash"] for result in results],
        "transactions": results,
        "status": results[-1]["status"],
        "amount_received": format_units(received, out.decimals),
        "amount_received_raw": str(received),
        "summary": card(plan.summary, simulation, found, spend.verdict, fee),
        "quote": plan.quote.as_dict(plan.deadline),
    }
    await prices.add_usd_to_card(chain, data["summary"])
    q = plan.quote.as_dict()
    text = (
        f"{await chain.label(sender)} swapped {q['amount_in']} {plan.quote.token_in.symbol} "
        f"for {data['amount_received']} {out.symbol} on {chain.name} "
        + outcome_sentence(results[-1])
    )
    return ToolResult(text + verdict_sentence(spend.verdict), data)


async def amount_received(chain: Chain, tx_hash: str, plan: Plan, sender: str) -> int:
    """What the swap's receipt shows reaching the sender: token_out's Transfer to them, or for
    ETH the router's WETH withdrawal (unwrapWETH9 sends all of it to them)."""
    try:
        receipt = await chain.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
    except Web3Exception:
        return 0
    token = plan.quote.path[1].lower()
    native = plan.quote.token_out.native
    total = 0
    for log in receipt["logs"]:
        topics = ["0x" + bytes(topic).hex() for topic in log["topics"]]
        if str(log["address"]).lower() != token or not topics:
            continue
        if native and topics[0] == WITHDRAWAL_TOPIC:
            total += int.from_bytes(bytes(log["data"])[:32])
        elif not native and topics[0] == TRANSFER_TOPIC and topics[2:3] == [address_topic(sender)]:
            total += int.from_bytes(bytes(log["data"])[:32])
    return total
