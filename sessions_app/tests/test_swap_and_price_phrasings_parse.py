"""Swaps, swap quotes, prices and a portfolio's value as the builtin agent reads them:
the parser alone, a pure function of the text and the network table (every network usable), so
the whole file runs in milliseconds. Each phrasing reads into one step with the tool and the
arguments it sends; bad input (an unknown token on that network, a zero or missing amount, the
same token twice, an impossible slippage) is refused in words and never read as another
question. test_agent_swaps_and_prices.py runs one turn of each intent through the real stack.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from chatproject.lib.tokens import tokens_on
from sessions_app.agent.actions import ACTIONS
from sessions_app.agent.builtin import _refusal
from sessions_app.agent.intents import BY_NAME, examples, help_text
from sessions_app.agent.reading import Reading, read
from sessions_app.agent.references import WALLET

TESTNET_TOKENS = [token.address for token in tokens_on("testnet")]


def reading(text: str, network: str = "testnet") -> Reading:
    return read(text, network, settings.NETWORKS)


def one_call(text: str, network: str = "testnet") -> tuple[str, str, dict[str, Any]]:
    """The one step ``text`` reads into: its network, the tool it calls and its arguments."""
    found = reading(text, network)
    assert _refusal(found) == "" and len(found.steps) == 1, (text, found)
    step = found.steps[0]
    table = settings.NETWORKS
    tool = BY_NAME[step.intent].tool(step.args, table[step.network])  # type: ignore[misc]
    return step.network, tool, step.args


def refusal(text: str, network: str = "testnet") -> str:
    found = reading(text, network)
    assert not found.steps or found.refusals, (text, found)
    return _refusal(found)


SWAP_1_ETH = {"token_in": "ETH", "token_out": "USDC", "amount": "1"}


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("swap 1 eth for usdc", {**SWAP_1_ETH, "sender": ""}),
        ("swap 1 eth for usdc from alice", {**SWAP_1_ETH, "sender": "alice"}),
        ("alice swaps 1 eth for usdc", {**SWAP_1_ETH, "sender": "alice"}),
        (
            "swap 100 usdc to dai with 1% slippage",
            {"token_in": "USDC", "token_out": "DAI", "amount": "100", "slippage_percent": 1.0},
        ),
        ("swap 1 eth for usdc slippage 0.3%", {**SWAP_1_ETH, "slippage_percent": 0.3}),
        (
            "swap 1 eth for usdc with max slippage of 2 percent",
            {**SWAP_1_ETH, "slippage_percent": 2.0},
        ),
        (
            "swap 1 eth for usdc with 1% slippage from bob",
            {**SWAP_1_ETH, "slippage_percent": 1.0, "sender": "bob"},
        ),
        ("exchange 0.5 weth into dai from carol", {"token_in": "WETH", "token_out": "DAI"}),
    ],
)
def test_a_swap_on_the_testnet_is_made_by_a_dev_account(text, args):
    network, tool, read_args = one_call(text)
    assert (network, tool) == ("testnet", "send_swap")
    assert {key: read_args.get(key) for key in args} == args


def test_a_swap_on_a_real_network_is_prepared_for_the_wallet():
    network, tool, args = one_call("swap 10 usdc for dai on polygon with 0.5% slippage")
    assert (network, tool) == ("polygon", "prepare_swap")
    assert args == {
        "token_in": "USDC",
        "token_out": "DAI",
        "amount": "10",
        "slippage_percent": 0.5,
        "sender": "",  # the connected wallet (calls.swap)
    }


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("quote 1 eth to usdc", SWAP_1_ETH),
        ("how much usdc would 2 eth get me", {**SWAP_1_ETH, "amount": "2"}),
        ("how much usdc would I get for 2 eth", {**SWAP_1_ETH, "amount": "2"}),
        (
            "get a quote for swapping 100 usdc to dai with 1% slippage",
            {"token_in": "USDC", "token_out": "DAI", "amount": "100", "slippage_percent": 1.0},
        ),
    ],
)
def test_a_quote_reads_the_tokens_and_the_amount(text, args):
    assert one_call(text) == ("testnet", "quote_swap", args)


@pytest.mark.parametrize(
    ("text", "network", "token"),
    [
        ("price of eth", "testnet", "ETH"),
        ("what's the price of ETH?", "testnet", "ETH"),
        ("eth price", "testnet", "ETH"),
        ("what's eth worth in dollars", "testnet", "ETH"),
        ("what is eth worth?", "testnet", "ETH"),
        ("how much is 1 eth worth in usd", "testnet", "ETH"),
        ("usdc price on base", "base", "USDC"),
        ("price of pol on polygon", "polygon", "POL"),
        ("price of eth on polygon", "polygon", "WETH"),  # ETH there is its wrapped token
    ],
)
def test_a_price_names_the_token_on_its_network(text, network, token):
    assert one_call(text) == (network, "get_token_price", {"token": token})


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("what is alice's portfolio worth", "alice"),
        ("how much is bob's portfolio worth?", "bob"),
        ("value of my portfolio", WALLET),
        ("what's the value of carol's holdings", "carol"),
        ("portfolio value of dave", "dave"),
    ],
)
def test_a_portfolio_value_reads_every_listed_token(text, who):
    network, tool, args = one_call(text)
    assert (network, tool) == ("testnet", "get_portfolio")
    assert args == {"who": who, "tokens": TESTNET_TOKENS}
    assert BY_NAME[reading(text).steps[0].intent].answer.__name__ == "portfolio_worth"


def test_gas_price_is_still_the_gas_price():
    assert one_call("gas price")[1] == "get_gas_price"
    assert one_call("price of gas")[1] == "get_gas_price"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("swap 1 eth for shib", "SHIB is not a token I know on testnet"),
        ("swap 1 usdt for dai from alice", "USDT is not a token I know on testnet"),
        ("price of shib", "I can't price that: SHIB is not a token I know on testnet"),
        ("how much is bitcoin worth", "I can't price that: BITCOIN"),
        ("price of wpol on base", "WPOL is not a token I know on base (WPOL is known on polygon)"),
        ("quote 1 eth to doge", "DOGE is not a token I know on testnet"),
        ("swap 0 eth", "more than zero (you wrote 0): nothing to swap"),
        ("swap 0 eth for usdc from alice", "nothing to swap"),
        ("swap -2 eth for usdc from alice", "cannot be negative"),
        ("swap all eth for usdc", "“all” is not a number"),
        ("swap eth for eth", "swap ETH for ETH: name two different tokens"),
        ("swap 1 eth for ether from alice", "name two different tokens"),
        ("swap eth for usdc", "Say how much of which token to swap"),
        ("swap", "Say how much of which token to swap"),
        ("quote eth to usdc", "Say how much"),
        ("swap 1 eth for usdc with -1% slippage", "A slippage of -1% is not one I use"),
        ("swap 1 eth for usdc with 15% slippage", "from 0 to 10%"),
        ("swap 1 eth for usdc from mallory", "mallory"),
        ("swap 1 eth for usdc from alice twice", "“twice”"),
        ("what is mallory's portfolio worth", "mallory"),
        ("what's 1 eth in euros", "US dollars only"),
        ("balance of alice in usd", "“usd”"),
        ("buy 100 usdc with eth", "*swap 1 ETH for USDC*"),
    ],
)
def test_bad_input_is_refused_in_words(text, says):
    assert says in refusal(text)


def test_a_swap_on_a_network_it_does_not_know_the_token_of_lists_the_ones_it_does():
    said = refusal("swap 1 eth for shib on polygon")
    assert "The ones I know there are POL, USDC, USDC.e, USDT, DAI, WETH, WPOL" in said


def test_help_lines_and_tool_words_cover_the_new_intents():
    testnet, polygon = settings.NETWORKS["testnet"], settings.NETWORKS["polygon"]
    assert "*swap 1 ETH for USDC from alice*" in help_text(testnet)
    assert "*swap 1 POL for USDC*" in help_text(polygon)
    for phrase in ("*price of ETH*", "*quote 1 ETH to USDC*", "portfolio worth"):
        assert phrase in help_text(testnet)
    assert "Swap 1 ETH for USDC from alice" in examples(testnet)
    assert "Price of POL" in examples(polygon)
    assert {"get_token_price", "quote_swap", "prepare_swap", "send_swap"} <= set(ACTIONS)
