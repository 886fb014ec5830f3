"""USD prices with their source and age: the network's Chainlink feed, else the deepest Uniswap
V3 pool against USDC (or DAI, for USDC itself), else none in words, never a guess.

A pool quotes in a stablecoin, which the answer names ("in USDC, counted as 1 USD"); a price
is kept per process for PRICE_CACHE_SECONDS, so a portfolio or a card does not read every feed
each time.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import eth_abi
from eth_abi.exceptions import DecodingError
from eth_typing import ChecksumAddress
from pydantic import Field
from web3.exceptions import Web3Exception

from chatproject.lib.networks import PriceFeed
from chatproject.lib.tokens import token_by_symbol
from mcp_servers.chain import ADDRESS_RE, Chain
from mcp_servers.errors import ToolFailure
from mcp_servers.results import ToolResult
from mcp_servers.tools import uniswap
from mcp_servers.tools.base import ToolInput
from mcp_servers.tools.standards import call_raw
from mcp_servers.tools.tokens import token_metadata
from mcp_servers.units import short_address

PRICE_CACHE_SECONDS = 30.0
PRICE_RETRY_SECONDS = 5.0  # after a source that did not answer
PRICE_TIMEOUT = 3.0  # a price is extra information: a slow source does not hold up a card
PRICED_KINDS = ("transfer", "fee")
PRICED_STANDARDS = ("native", "erc20")
ROUND_DATA = ["uint80", "int256", "uint256", "uint256", "uint80"]
TOKEN_PRICE_DESCRIPTION = (
    'A token symbol ("ETH", "WETH", "USDC"; ETH means the network\'s own currency) or its 0x '
    "contract address."
)


class TokenPriceInput(ToolInput):
    token: str = Field(description=TOKEN_PRICE_DESCRIPTION, max_length=256)


@dataclass(frozen=True)
class Asset:
    """What is priced: the native currency (address None) or an ERC-20 token."""

    symbol: str
    address: ChecksumAddress | None
    decimals: int

    @property
    def native(self) -> bool:
        return self.address is None


@dataclass(frozen=True)
class Price:
    usd: Decimal | None
    source: str  # where it comes from, in words; why there is none when usd is None
    updated_at: int | None = None
    age_seconds: int | None = None
    stale: bool = False
    unanswered: bool = False  # the source failed: asked again sooner than a price is

    def as_dict(self) -> dict[str, Any]:
        return {
            "price_usd": None if self.usd is None else str(self.usd),
            "source": self.source,
            "updated_at": self.updated_at,
            "age_seconds": self.age_seconds,
            "stale": self.stale,
        }


def wrapped_native(chain: Chain) -> ChecksumAddress | None:
    """WETH, or WPOL on polygon: what Uniswap trades for the native currency."""
    token = token_by_symbol(chain.name, "W" + chain.currency)
    return None if token is None else ChecksumAddress(token.address)  # type: ignore[arg-type]


async def resolve_asset(chain: Chain, text: str) -> Asset:
    """A symbol of the network's token list, the native currency, or a token's 0x address."""
    value = text.strip()
    if value.upper() == chain.currency.upper():
        return Asset(chain.currency, None, 18)
    if value.upper() == "ETH":  # where ETH is not the network's currency (polygon): WETH
        value = "WETH"
    listed = token_by_symbol(chain.name, value)
    if listed is not None:
        return Asset(listed.symbol, ChecksumAddress(listed.address), listed.decimals)  # type: ignore[arg-type]
    if not ADDRESS_RE.match(value):
        raise ToolFailure(
            f"No token called {value!r} is known on {chain.name}: give its 0x contract address."
        )
    address = await chain.resolve_address(value, "token address")
    meta = await token_metadata(chain, address)
    return Asset(str(meta["symbol"]), address, int(str(meta["decimals"])))


def feed_asset(chain: Chain, asset: Asset) -> str:
    """The feed's asset name: WETH is priced as ETH, WPOL as POL."""
    if asset.native or asset.address == wrapped_native(chain):
        return chain.currency
    return "ETH" if asset.symbol.upper() == "WETH" else asset.symbol.upper()


async def price_of(chain: Chain, asset: Asset) -> Price:
    """The asset's USD price, from the per-process cache when it is fresh enough."""
    key = f"price:{asset.address or 'native'}"
    cached = chain.cache.get(key)
    if cached is not None and time.monotonic() < cached[0]:
        return cached[1]
    await chain.ready()  # the first call on a dev chain installs its kit: not within the timeout
    price = await fresh_price(chain, asset)
    keep = PRICE_RETRY_SECONDS if price.unanswered else PRICE_CACHE_SECONDS
    chain.cache[key] = (time.monotonic() + keep, price)
    return price


async def fresh_price(chain: Chain, asset: Asset) -> Price:
    """A price read now; a source that does not answer (no contract there, a node error, too
    slow) gives none, never a failure of the tool that asked."""
    try:
        async with asyncio.timeout(PRICE_TIMEOUT):
            return await read_price(chain, asset)
    except (TimeoutError, ToolFailure, Web3Exception, ValueError, DecodingError, OSError):
        source = f"no price: its price source did not answer on {chain.name}"
        return Price(None, source, unanswered=True)


async def read_price(chain: Chain, asset: Asset) -> Price:
    feed = chain.network.feed_for(feed_asset(chain, asset))
    if feed is not None:
        return await feed_price(chain, feed)
    if chain.network.uniswap is None:
        return Price(None, f"no price: {chain.name} has no USD feed for {asset.symbol} and no "
                           "Uniswap V3 pools known to this server")  # fmt: skip
    token = asset.address or wrapped_native(chain)
    if token is None:
        return Price(None, f"no price: there is no wrapped {asset.symbol} to find a pool for")
    return await pool_price(chain, asset, token)


async def feed_price(chain: Chain, feed: PriceFeed) -> Price:
    """latestRoundData(); its age counts from the latest block's time (the chain's clock)."""
    w3 = await chain.ready()
    raw, block = await asyncio.gather(
        call_raw(chain, feed.address, uniswap.hex_data(uniswap.encode("latestRoundData()", []))),
        w3.eth.get_block("latest"),
    )
    _, answer, _, updated_at, _ = eth_abi.decode(ROUND_DATA, raw)
    age = max(0, int(block["timestamp"]) - int(updated_at))
    usd = Decimal(int(answer)).scaleb(-feed.decimals)
    source = f"Chainlink {feed.asset}/USD feed {feed.address}"
    return Price(usd, source, int(updated_at), age, age > feed.heartbeat)


async def pool_price(chain: Chain, asset: Asset, token: ChecksumAddress) -> Price:
    """The mid price of the deepest pool against USDC (against DAI for USDC itself)."""
    for stable in ("USDC", "DAI"):
        listed = token_by_symbol(chain.name, stable)
        if listed is None or listed.address.lower() == token.lower():
            continue
        pool = await uniswap.deepest(chain, token, listed.address)
        if pool is None:
            continue
        sqrt_price = await uniswap.sqrt_price(chain, pool)
        decimals = (asset.decimals, listed.decimals)
        usd = uniswap.mid_price(sqrt_price, token, listed.address, decimals)
        source = (f"Uniswap V3 {asset.symbol}/{stable} pool {pool.address} ({pool.fee_percent} "
                  f"fee tier), mid price in {stable}, counted as 1 USD")  # fmt: skip
        return Price(usd.quantize(Decimal("1e-8")).normalize(), source)
    return Price(None, f"no price: no Chainlink feed and no Uniswap V3 pool with liquidity "
                       f"against a stablecoin for {asset.symbol} on {chain.name}")  # fmt: skip


def usd_value(price: Price, amount: int, decimals: int) -> Decimal | None:
    if price.usd is None:
        return None
    return (Decimal(amount).scaleb(-decimals) * price.usd).quantize(Decimal("0.01"))


def usd_text(value: Decimal) -> str:
    """$3,000.00 for a price of note, $0.9995 for a small one."""
    return f"${value:,.2f}" if value >= 100 else f"${value:,.4f}"


async def get_token_price(chain: Chain, params: TokenPriceInput) -> ToolResult:
    """The USD price of a token or of the network's own currency, with where it comes from
    (the network's Chainlink feed, else the deepest Uniswap V3 pool against a stablecoin) and
    how old it is; says so when there is none, never guesses."""
    asset = await resolve_asset(chain, params.token)
    price = await price_of(chain, asset)
    data = {"network": chain.name, "token": asset.address, "symbol": asset.symbol,
            **price.as_dict()}  # fmt: skip
    name = asset.symbol if asset.native else f"{asset.symbol} ({short_address(str(asset.address))})"
    if price.usd is None:
        return ToolResult(f"{name} on {chain.name} has {price.source}.", data)
    text = f"{name} on {chain.name} is {usd_text(price.usd)}, from the {price.source}"
    if price.age_seconds is not None:
        text += f", updated {price.age_seconds} s ago"
    if price.stale:
        text += (". Warning: this price is stale: the feed has not updated within its "
                 "heartbeat, so it may be out of date")  # fmt: skip
    return ToolResult(text + ".", data)


async def add_usd_to_card(chain: Chain, card: dict[str, Any]) -> None:
    """Each transfer and the fee on an approval card gets ``usd`` where its asset has a price."""
    for effect in card["effects"]:
        if effect["kind"] not in PRICED_KINDS or effect["standard"] not in PRICED_STANDARDS:
            continue
        native = effect["standard"] == "native"
        asset = Asset(effect["symbol"], None if native else effect["asset"], effect["decimals"])
        value = usd_value(await price_of(chain, asset), abs(int(effect["raw"])), asset.decimals)
        if value is not None:
            effect["usd"] = str(value)
            if effect["kind"] == "fee":
                card["fee"]["usd"] = str(value)


async def add_usd_to_portfolio(chain: Chain, data: dict[str, Any]) -> list[str]:
    """``usd_value`` per holding that has a price and ``total_usd`` over them; returns the
    symbols of those without one."""
    rows = [data["native"], *(row for row in data["tokens"] if "error" not in row)]
    assets = [Asset(chain.currency, None, 18)] + [
        Asset(str(row["symbol"]), row["token"], int(row["decimals"])) for row in rows[1:]
    ]
    found = await asyncio.gather(*(price_of(chain, asset) for asset in assets))
    total, unpriced = Decimal(0), []
    for row, asset, price in zip(rows, assets, found, strict=True):
        raw = int(row["balance_wei"] if "balance_wei" in row else row["balance"])
        value = usd_value(price, raw, asset.decimals)
        row["usd_value"] = None if value is None else str(value)
        row["price_source"] = price.source
        if value is None:
            unpriced.append(asset.symbol)
        else:
            total += value
    data["total_usd"] = str(total)
    data["unpriced"] = unpriced
    return unpriced
