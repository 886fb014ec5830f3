"""quote_swap's expected output is what send_swap then delivers, to the base unit, read from
the swapper's balances on the testnet kit's Uniswap V3 pools."""

from __future__ import annotations

from decimal import Decimal

import pytest
from web3 import Web3

from mcp_servers import testnet_accounts
from mcp_servers import testnet_kit as kit
from mcp_servers.chain import Chain
from mcp_servers.server import run_tool
from mcp_servers.tests.conftest import call
from mcp_servers.tools import TOOL_SPECS
from mcp_servers.tools.base import ToolSpec

pytestmark = pytest.mark.django_db

CAROL = 2  # alice and bob are busy in other tests; carol swaps here


def erc20_balance(w3: Web3, token: str, holder: str) -> int:
    raw = w3.eth.call({"to": token, "data": kit.call("balanceOf(address)", holder)})  # type: ignore[typeddict-item]
    return int.from_bytes(bytes(raw)[:32])


def units(amount: str, decimals: int) -> int:
    return int(Decimal(amount).scaleb(decimals))


async def quote_then_swap(  # type: ignore[type-arg]
    chain: Chain, token_in: str, token_out: str, amount: str, sender: str = "carol"
) -> tuple:
    quoted = await call(chain, "quote_swap", token_in=token_in, token_out=token_out, amount=amount)
    assert not quoted.is_error, quoted.content
    swapped = await call(
        chain, "send_swap", token_in=token_in, token_out=token_out, amount=amount,
        from_address=sender,
    )  # fmt: skip
    assert not swapped.is_error, swapped.content
    return quoted.structured_content or {}, swapped.structured_content or {}


async def test_one_eth_for_usdc_delivers_the_quoted_usdc(chain: Chain, sync_w3: Web3) -> None:
    await chain.ready()  # installs the kit
    carol = sync_w3.eth.accounts[CAROL]
    usdc_before = erc20_balance(sync_w3, kit.USDC, carol)
    eth_before = sync_w3.eth.get_balance(carol)
    quote, swap = await quote_then_swap(chain, "ETH", "USDC", "1")
    assert quote["fee_tier"] == 3000 and 2_950 < float(quote["expected_out"]) < 3_000
    assert Decimal(quote["minimum_out"]) < Decimal(quote["expected_out"])
    assert swap["status"] == "success" and len(swap["tx_hashes"]) == 1  # ETH needs no approval
    delivered = erc20_balance(sync_w3, kit.USDC, carol) - usdc_before
    assert delivered == units(quote["expected_out"], 6)
    assert swap["amount_received"] == quote["expected_out"]
    fee = sum(int(tx["fee_wei"]) for tx in swap["transactions"])
    assert eth_before - sync_w3.eth.get_balance(carol) == 10**18 + fee


async def test_100_usdc_for_dai_delivers_the_quoted_dai(chain: Chain, sync_w3: Web3) -> None:
    await chain.ready()
    carol = sync_w3.eth.accounts[CAROL]
    dai_before, usdc_before = (erc20_balance(sync_w3, t, carol) for t in (kit.DAI, kit.USDC))
    quote, swap = await quote_then_swap(chain, "USDC", "DAI", "100")
    assert quote["fee_tier"] == 500
    assert swap["status"] == "success"
    assert erc20_balance(sync_w3, kit.DAI, carol) - dai_before == units(quote["expected_out"], 18)
    assert usdc_before - erc20_balance(sync_w3, kit.USDC, carol) == 100 * 10**6
    allowance = sync_w3.eth.call(  # type: ignore[typeddict-item]
        {"to": kit.USDC, "data": kit.call("allowance(address,address)", carol, kit.SWAP_ROUTER)}
    )
    assert int.from_bytes(bytes(allowance)[:32]) == 0  # the exact approval was used up


async def test_usdc_for_eth_unwraps_to_the_swapper(chain: Chain, sync_w3: Web3) -> None:
    await chain.ready()
    carol = sync_w3.eth.accounts[CAROL]
    eth_before = sync_w3.eth.get_balance(carol)
    quote, swap = await quote_then_swap(chain, "USDC", "ETH", "300")
    assert swap["status"] == "success"
    fee = sum(int(tx["fee_wei"]) for tx in swap["transactions"])
    received = sync_w3.eth.get_balance(carol) - eth_before + fee
    assert received == units(quote["expected_out"], 18)
    assert swap["amount_received"] == quote["expected_out"]


async def test_an_owners_own_alice_gets_the_quoted_amount_too(chain: Chain, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TESTNET_ACCOUNTS = testnet_accounts.PER_OWNER
    owner = "owner-swap-test"
    alice = testnet_accounts.accounts_of(owner)[0]  # funded from the kit's faucet on first use
    arguments = {"token_in": "DAI", "token_out": "USDC", "amount": "40"}
    quoted = await run_tool(spec("quote_swap"), chain, arguments, "a-chat", owner)
    swapped = await run_tool(spec("send_swap"), chain, arguments | {"from_address": "alice"},
                             "a-chat", owner)  # fmt: skip
    assert not swapped.is_error, swapped.content
    quote, swap = quoted.structured_content or {}, swapped.structured_content or {}
    assert swap["transactions"][-1]["from"] == alice != sync_address(chain, 0)
    assert swap["status"] == "success" and len(swap["tx_hashes"]) == 2  # approval, then swap
    received = erc20_balance(Web3(Web3.HTTPProvider(chain.network.rpc_url)), kit.USDC, alice)
    assert received == kit.GIFT_USDC + units(quote["expected_out"], 6)


def spec(name: str) -> ToolSpec:
    return next(spec for spec in TOOL_SPECS if spec.name == name)


def sync_address(chain: Chain, index: int) -> str:
    return str(Web3(Web3.HTTPProvider(chain.network.rpc_url)).eth.accounts[index])
