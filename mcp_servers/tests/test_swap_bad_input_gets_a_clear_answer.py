"""Swaps that cannot be quoted or should not be made get one clear sentence: an unknown token,
an amount of zero or below, a pair with no pool, a pool with no liquidity, too much slippage,
more than the sender holds."""

from __future__ import annotations

import pytest
from web3 import Web3

from mcp_servers import testnet_kit as kit
from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import ALICE, call, deploy_token, error_of

pytestmark = pytest.mark.django_db


async def quote_error(chain: Chain, **arguments: str | float) -> str:
    arguments = {"token_in": "ETH", "token_out": "USDC", "amount": "1"} | arguments
    return await error_of(chain, "quote_swap", **arguments)


async def test_an_unknown_token_is_named(chain: Chain) -> None:
    message = await quote_error(chain, token_out="NOPE")
    assert message == "No token called 'NOPE' is known on testnet: give its 0x contract address."


async def test_zero_and_negative_amounts_are_refused(chain: Chain) -> None:
    assert await quote_error(chain, amount="0") == "The amount must be more than 0."
    assert await quote_error(chain, amount="-1") == "The amount cannot be negative."
    assert "not a number" in await quote_error(chain, amount="lots")


async def test_a_pair_without_a_pool_says_so(chain: Chain, sync_w3: Web3) -> None:
    lonely = deploy_token(sync_w3, ALICE, "Lonely Token", "LONE")
    message = await quote_error(chain, token_in=lonely, token_out="USDC")
    assert message == "No Uniswap V3 pool trades LONE/USDC on testnet."


async def test_a_pool_without_liquidity_says_so(chain: Chain, sync_w3: Web3) -> None:
    await chain.ready()
    empty = deploy_token(sync_w3, ALICE, "Empty Pool Token", "EMPTY")
    create = kit.call("createPool(address,address,uint24)", empty, kit.USDC, 3000)
    send(sync_w3, kit.UNISWAP_FACTORY, create)
    raw = sync_w3.eth.call({"to": kit.UNISWAP_FACTORY,  # type: ignore[typeddict-item]
                            "data": kit.call("getPool(address,address,uint24)", empty, kit.USDC,
                                             3000)})  # fmt: skip
    pool = Web3.to_checksum_address(bytes(raw)[12:32])
    send(sync_w3, pool, kit.call("initialize(uint160)", 2**96))
    message = await quote_error(chain, token_in=empty, token_out="USDC")
    assert message == (
        "The Uniswap V3 EMPTY/USDC pool on testnet has no liquidity to fill this swap."
    )


async def test_too_much_slippage_is_refused(chain: Chain) -> None:
    message = await quote_error(chain, slippage_percent=25)
    assert message.startswith("A slippage of 25% is refused: at most 10% is allowed")
    assert "0 or more" in await quote_error(chain, slippage_percent=-1)


async def test_the_same_token_on_both_sides_is_refused(chain: Chain) -> None:
    assert "same token" in await quote_error(chain, token_in="WETH", token_out="ETH")


async def test_more_than_the_sender_holds_is_refused(chain: Chain) -> None:
    message = await error_of(chain, "prepare_swap", from_address="alice", token_in="USDC",
                             token_out="DAI", amount="50000000")  # fmt: skip
    assert message.startswith("alice (0xf39F…2266) holds") and "less than the amount" in message


def send(w3: Web3, to: str, data: str) -> None:
    tx_hash = w3.eth.send_transaction({"from": ALICE, "to": to, "data": data})  # type: ignore[typeddict-item]
    assert w3.eth.wait_for_transaction_receipt(tx_hash)["status"] == 1


async def test_a_network_whose_uniswap_does_not_answer_says_so(polygon_chain: Chain) -> None:
    message = await error_of(polygon_chain, "quote_swap", token_in="POL", token_out="USDC",
                             amount="1")  # fmt: skip
    assert message == (
        "Uniswap V3's factory does not answer at 0x1F98431c8aD98523631AE4a59f267346ea31F984 "
        "on polygon."
    )
    price = await call(polygon_chain, "get_token_price", token="POL")  # a bare local chain 137
    assert (price.structured_content or {})["price_usd"] is None
    assert "no price" in price.content[0].text  # type: ignore[union-attr]
