"""USD where a price exists: get_portfolio values each holding that has a price and totals
them, naming those without one; an approval card's transfers and fee carry ``usd``."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mcp_servers import testnet_kit as kit
from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import call

pytestmark = pytest.mark.django_db


async def test_the_portfolio_is_valued_where_prices_exist(chain: Chain, usd: str) -> None:
    result = await call(chain, "get_portfolio", address="eve", tokens=[kit.USDC, kit.WETH, usd])
    assert not result.is_error, result.content
    data = result.structured_content or {}
    native = Decimal(data["native"]["balance"])
    assert Decimal(data["native"]["usd_value"]) == (native * 3000).quantize(Decimal("0.01"))
    usdc, weth, tusd = data["tokens"]
    assert Decimal(weth["usd_value"]) == 30_000  # 10 WETH at the feed's $3,000
    assert Decimal("9900") < Decimal(usdc["usd_value"]) < Decimal("10100")  # from the pool
    assert tusd["usd_value"] is None and data["unpriced"] == ["TUSD"]
    priced = [Decimal(row["usd_value"]) for row in (data["native"], usdc, weth)]
    assert Decimal(data["total_usd"]) == sum(priced)
    text = result.content[0].text  # type: ignore[union-attr]
    assert "Worth about $" in text and "no price for TUSD" in text


async def test_a_swap_card_shows_usd_for_what_moves_and_the_fee(chain: Chain) -> None:
    result = await call(chain, "prepare_swap", from_address="alice", token_in="ETH",
                        token_out="USDC", amount="1")  # fmt: skip
    assert not result.is_error, result.content
    card = (result.structured_content or {})["summary"]
    sent = next(e for e in card["effects"] if e["kind"] == "transfer" and e["you"]
                and e["symbol"] == "ETH")  # fmt: skip
    assert Decimal(sent["usd"]) == 3000
    assert Decimal(card["fee"]["usd"]) > 0 and card["effects"][-1]["usd"] == card["fee"]["usd"]
