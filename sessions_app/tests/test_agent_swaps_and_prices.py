"""Swaps, quotes, prices and a portfolio's value through the real stack: websocket,
turn, builtin agent, mcp_proxy, runmcp on Anvil with the testnet kit (USDC, DAI, WETH, Uniswap V3
pools and an ETH/USD feed at $3,000). One turn of each intent: the tool called with the
arguments the words gave, its outcome, and the answer on the testnet; a swap mines and is the
chat's last transaction; bad input calls nothing and mines nothing.
test_swap_and_price_phrasings_parse.py reads every phrasing with the parser alone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from channels.db import database_sync_to_async

from chatproject.lib.tokens import tokens_on
from sessions_app.tests.agent_support import (
    answer_text,
    ask,
    make_browser,
    of_type,
    open_socket,
    point_network,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def socket(transactional_db, settings, anvil_testnet, mcp_testnet):
    point_network(settings, "testnet", mcp_testnet.url)
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    yield socket
    await socket.disconnect()


async def one_call(socket, text: str) -> tuple[dict, dict, str]:
    """The turn's one tool call, its result (it succeeded) and the answer."""
    seen = await ask(socket, text)
    calls, results = of_type(seen, "tool.call"), of_type(seen, "tool.result")
    answer = answer_text(seen)
    assert len(calls) == 1 and calls[0]["network"] == "testnet", (calls, answer)
    assert results[0]["ok"] is True, (results, answer)
    assert "testnet" in answer
    return calls[0], results[0]["result"], answer


async def test_the_price_of_eth_is_the_kits_feed(socket):
    call, result, answer = await one_call(socket, "what's eth worth in dollars?")
    assert (call["tool"], call["arguments"]) == ("get_token_price", {"token": "ETH"})
    assert Decimal(result["price_usd"]) == 3000
    assert "3" in answer


async def test_a_quote_of_two_eth_is_about_six_thousand_usdc(socket):
    call, result, _ = await one_call(socket, "how much usdc would 2 eth get me")
    assert call["tool"] == "quote_swap"
    assert call["arguments"] == {"token_in": "ETH", "token_out": "USDC", "amount": "2"}
    assert 5_900 < Decimal(result["expected_out"]) < 6_000  # the 0.3% pool's fee and impact


async def test_alice_swaps_eth_for_usdc_and_it_is_the_chats_last_transaction(socket, anvil_testnet):
    text = "swap 0.1 eth for usdc from alice with 1% slippage"
    call, result, answer = await one_call(socket, text)
    assert call["tool"] == "send_swap"
    assert call["arguments"] == {
        "from_address": "alice",
        "token_in": "ETH",
        "token_out": "USDC",
        "amount": "0.1",
        "slippage_percent": 1.0,
    }
    swap_hash = result["tx_hashes"][-1]
    receipt = anvil_testnet.rpc("eth_getTransactionReceipt", swap_hash)
    assert receipt["status"] == "0x1"  # type: ignore[index]
    assert Decimal(result["amount_received"]) > 290  # 0.1 ETH at $3,000, less 1% at most
    assert "USDC" in answer

    seen = await ask(socket, "did it go through?")
    calls = of_type(seen, "tool.call")
    assert [(c["tool"], c["arguments"]) for c in calls] == [
        ("get_transaction_receipt", {"tx_hash": swap_hash})
    ]


async def test_alices_portfolio_worth_leads_with_its_total(socket):
    call, result, answer = await one_call(socket, "what is alice's portfolio worth")
    assert call["tool"] == "get_portfolio"
    assert call["arguments"] == {
        "address": "alice",
        "tokens": [token.address for token in tokens_on("testnet")],
    }
    assert answer.startswith("The portfolio of alice on testnet is worth about $"), answer
    assert Decimal(result["total_usd"]) > 0


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("swap 1 eth for shib from alice", "SHIB is not a token I know on testnet"),
        ("swap 0 eth for usdc from alice", "nothing to swap"),
        ("swap 1 usdc for usdc from alice", "name two different tokens"),
        ("swap eth for usdc", "Say how much"),
        ("price of bitcoin", "I can't price that"),
    ],
)
async def test_bad_input_calls_nothing_and_mines_nothing(socket, anvil_testnet, text, says):
    height = anvil_testnet.rpc("eth_blockNumber")
    seen = await ask(socket, text)
    assert of_type(seen, "tool.call") == []
    assert says in answer_text(seen)
    assert anvil_testnet.rpc("eth_blockNumber") == height


async def test_a_swap_without_a_sender_on_the_testnet_asks_who_swaps(socket):
    seen = await ask(socket, "swap 1 eth for usdc")
    assert of_type(seen, "tool.call") == []
    assert "Say who swaps, e.g. *swap 1 ETH for USDC from alice*" in answer_text(seen)
