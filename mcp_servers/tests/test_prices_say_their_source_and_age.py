"""get_token_price says where a price comes from and how old it is: the network's Chainlink
feed (stale once older than its heartbeat), else the deepest Uniswap V3 pool against a
stablecoin, else "no price" in words, never a guess."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from mcp_servers import testnet_kit as kit
from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import call, error_of, network_for
from testsupport.processes import Anvil, start_anvil

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_anvil() -> Iterator[Anvil]:
    anvil = start_anvil(chain_id=31337)
    yield anvil
    anvil.stop()


async def price(chain: Chain, token: str) -> tuple[dict[str, Any], str]:
    result = await call(chain, "get_token_price", token=token)
    assert not result.is_error, result.content
    return result.structured_content or {}, result.content[0].text  # type: ignore[union-attr]


async def test_eth_comes_from_the_feed_with_its_age(chain: Chain) -> None:
    data, text = await price(chain, "ETH")
    assert Decimal(data["price_usd"]) == 3_000
    assert data["source"] == f"Chainlink ETH/USD feed {kit.ETH_USD_FEED}"
    assert data["updated_at"] > 0 and data["age_seconds"] >= 0 and data["stale"] is False
    assert "$3,000.00" in text and kit.ETH_USD_FEED in text and "s ago" in text
    assert "stale" not in text
    weth, _ = await price(chain, "WETH")
    assert weth["source"] == data["source"]  # WETH is priced as ETH


async def test_the_feed_is_stale_once_past_its_heartbeat(own_anvil: Anvil) -> None:
    chain = Chain(network_for("testnet", own_anvil.url), timeout=10)
    fresh, _ = await price(chain, "ETH")
    assert fresh["stale"] is False
    await chain.w3.provider.make_request("evm_increaseTime", [86_400 + 60])
    await chain.w3.provider.make_request("evm_mine", [])
    later = Chain(network_for("testnet", own_anvil.url), timeout=10)  # a new process's cache
    stale, text = await price(later, "ETH")
    for each in (chain, later):
        await each.w3.provider.disconnect()  # type: ignore[attr-defined]
    assert stale["stale"] is True and stale["age_seconds"] > 86_400
    assert "stale" in text and "$3,000.00" in text


async def test_dai_and_usdc_come_from_their_pools(chain: Chain) -> None:
    dai, text = await price(chain, "DAI")
    assert "Uniswap V3 DAI/USDC pool" in dai["source"] and "0.05% fee tier" in dai["source"]
    assert Decimal("0.99") < Decimal(dai["price_usd"]) < Decimal("1.01")
    assert dai["age_seconds"] is None and "counted as 1 USD" in text
    usdc, _ = await price(chain, "USDC")  # no USDC/USD feed on the testnet: the pool with DAI
    assert "Uniswap V3 USDC/DAI pool" in usdc["source"]
    assert Decimal("0.99") < Decimal(usdc["price_usd"]) < Decimal("1.01")


async def test_a_token_without_feed_or_pool_has_no_price(chain: Chain, usd: str) -> None:
    data, text = await price(chain, usd)
    assert data["price_usd"] is None and data["symbol"] == "TUSD"
    assert "no price" in text and "$" not in text


async def test_an_unknown_symbol_is_a_clear_error(chain: Chain) -> None:
    message = await error_of(chain, "get_token_price", token="NOPE")
    assert "No token called 'NOPE' is known on testnet" in message
