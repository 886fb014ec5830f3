"""Precision and coverage of the builtin agent's reading of messages.

Two sets of phrasings: the phrasebook of the tests (sessions_app/tests/phrasebook.py, which the
parser was tuned on and which test_agent_phrasebook.py runs on a real Anvil and runmcp) and a
held-out set below, written as a new user would type, before the parser was tried on it and not
tuned on afterwards. Each phrasing is labelled with what a correct answer is: the steps (intent
and network, in order), small talk, or a refusal (something the tools can't do, or bad input).

- coverage: phrasings the tools can answer that the agent answered correctly / all of those;
- precision: answers that answer what was asked / all answers given (a refusal is no answer;
  an answer to a phrasing that should have been refused counts against precision).

The reading is deterministic and is what the turn runs, so this measures it without a chain:

    .venv/bin/python bench/agent_phrasebook.py [--show-misses]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")

DEAD = "0x000000000000000000000000000000000000dEaD"
REFUSE = "refuse"
TALK = "talk"
T, P = "testnet", "polygon"

HELD_OUT: list[tuple[str, object]] = [
    ("hey what's alice's balance", ["get_balance"]),
    ("can you check how much eth bob has?", ["get_balance"]),
    ("balance for carol pls", ["get_balance"]),
    ("show me dave's balance", ["get_balance"]),
    ("What's the current block?", ["get_block_number"]),
    ("give me the latest block number", ["get_block_number"]),
    ("get block 5", ["get_block"]),
    ("what's gas at right now", ["get_gas_price"]),
    ("how expensive is gas", ["get_gas_price"]),
    ("send 0.5 eth from bob to carol", ["send_transaction"]),
    ("transfer 2 ether from carol to alice", ["send_transaction"]),
    ("pay dave 0.01 eth from alice", ["send_transaction"]),
    ("move 100 gwei from alice to bob", ["send_transaction"]),
    ("alice sends 1 eth to bob", ["send_transaction"]),
    ("send 1 eth to bob from alice please", ["send_transaction"]),
    (f"check the balance of {DEAD}", ["get_balance"]),
    (f"is {DEAD} a contract", ["get_code"]),
    (f"get the code of {DEAD}", ["get_code"]),
    ("what chain am I on", ["get_network_info"]),
    ("chain id?", ["get_network_info"]),
    ("balance of alice on polygon", REFUSE),
    (f"balance of {DEAD} on polygon", ["polygon:get_balance"]),
    (f"usdc balance of {DEAD} on polygon", ["polygon:get_token_balance"]),
    (f"how much usdt does {DEAD} have on polygon", ["polygon:get_token_balance"]),
    ("token info for dai on polygon", ["polygon:get_token_info"]),
    ("send 1 eth from alice to bob then show bob's balance", ["send_transaction", "get_balance"]),
    ("what's bob's balance and carol's balance", ["get_balance", "get_balance"]),
    ("gas price and block number", ["get_gas_price", "get_block_number"]),
    ("thank you so much", TALK),
    ("hello", TALK),
    ("what are you?", TALK),
    ("what's my balance?", ["get_balance"]),
    ("his balance?", ["get_balance"]),
    ("show me the receipt of that transaction", ["get_transaction_receipt"]),
    ("did that transfer go through?", ["get_transaction_receipt"]),
    ("show that transaction", ["get_transaction"]),
    ("latest block please", ["get_block"]),
    ("network status", ["get_network_info"]),
    ("what's the gas price on polygon", ["polygon:get_gas_price"]),
    ("block number on polygon", ["polygon:get_block_number"]),
    ("what's the price of bitcoin", REFUSE),
    ("how much is eth worth in usd", ["get_token_price"]),  # priced by get_token_price
    ("swap 1 eth for usdc", ["send_swap"]),  # the turn asks who swaps
    ("send 10 dai to bob", ["send_token_transfer"]),  # the testnet kit has DAI
    (f"approve usdc spending for {DEAD}", REFUSE),
    ("show my nfts", REFUSE),
    ("send 1 eth from alice to 0xabc", REFUSE),
    ("send -5 eth from alice to bob", REFUSE),
    ("send 0 eth to bob from alice", REFUSE),
    ("send 0.0000000000000000001 eth from alice to bob", REFUSE),
    ("balance of alice on optimism", REFUSE),
    ("what was alice's balance last week", REFUSE),
    ("send 1 eth from alice to bob on mainnet", REFUSE),
    ("bridge 1 eth to arbitrum", REFUSE),
    ("stake 32 eth", REFUSE),
    ("write me a poem", REFUSE),
    ("what's the weather today", REFUSE),
    ("send eth to bob", REFUSE),
    ("send 1 eth from alice to bob and then swap it for usdc", REFUSE),
    ("balance of george", REFUSE),
    ("mint an nft", REFUSE),
    (f"show the event logs of {DEAD}", REFUSE),
    ("sign this message: hello", REFUSE),
    ("who is the richest account", REFUSE),
    ("send half of alice's eth to bob", REFUSE),
    ("wbtc balance of alice", REFUSE),
    ("how much ETH did bob have at block 1", ["get_balance"]),
    ("send 1,5 eth from alice to bob", REFUSE),
    ("what's the usdc balance of alice on base", REFUSE),
    ("price of gas", ["get_gas_price"]),
]

# Written after the parser was tuned on the phrasebook and on HELD_OUT, measured once, never tuned.
FRESH: list[tuple[str, object]] = [
    ("yo how much eth has alice got", ["get_balance"]),
    ("whats in bob's wallet", ["get_balance"]),
    ("show balance: carol", ["get_balance"]),
    ("eth balance for dave?", ["get_balance"]),
    ("check my eth balance", ["get_balance"]),
    ("current block height", ["get_block_number"]),
    ("what's the newest block", ["get_block"]),
    ("details of block 3", ["get_block"]),
    ("what is the base fee", ["get_gas_price"]),
    ("gas?", ["get_gas_price"]),
    ("send 0.25 eth to carol from bob", ["send_transaction"]),
    ("bob pays alice 1 eth", ["send_transaction"]),
    ("transfer 5000 wei from dave to eve", ["send_transaction"]),
    ("can you send 1 gwei from alice to frank please", ["send_transaction"]),
    ("is bob a contract or a wallet?", ["get_code"]),
    (f"what's deployed at {DEAD}", ["get_code"]),
    ("what network is this", ["get_network_info"]),
    ("which chain id are we on", ["get_network_info"]),
    (f"{DEAD} on polygon balance", ["polygon:get_balance"]),
    ("gas price polygon", ["polygon:get_gas_price"]),
    (f"dai balance of {DEAD} on polygon", ["polygon:get_token_balance"]),
    ("tell me about usdc on polygon", ["polygon:get_token_info"]),
    ("balance of alice then balance of bob", ["get_balance", "get_balance"]),
    ("send 1 wei from alice to bob and show me the receipt",
     ["send_transaction", "get_transaction_receipt"]),
    ("cheers", TALK),
    ("good evening!", TALK),
    ("what's the status of that transaction", ["get_transaction_receipt"]),
    ("show me her balance", ["get_balance"]),
    ("what's 1 eth in euros", REFUSE),
    ("exchange 1 eth to dai", ["send_swap"]),
    ("send 2 usdt to carol", REFUSE),
    ("send 1 eth from alice to 0x12345678", REFUSE),
    ("send -0.5 eth to bob from alice", REFUSE),
    ("balance of alice on goerli", REFUSE),
    ("what was the gas price yesterday", REFUSE),
    ("send 1 eth from alice to bob on arbitrum", REFUSE),
    ("show all my transactions", REFUSE),
    ("how do I get rich", REFUSE),
    ("send a lot of eth from alice to bob", REFUSE),
    ("link balance of alice", REFUSE),
    ("withdraw 1 eth from aave", REFUSE),
    ("send 1 eth from alice to bob and then buy usdc", REFUSE),
]  # fmt: skip

# Written after tuning on FRESH too, measured once, never tuned.
FRESH_2: list[tuple[str, object]] = [
    ("how much ether is in alice's account", ["get_balance"]),
    ("bob balance?", ["get_balance"]),
    ("ETH balance alice", ["get_balance"]),
    (f"what's the balance on {DEAD}", ["get_balance"]),
    ("get me carol's eth balance please", ["get_balance"]),
    ("what block number is it", ["get_block_number"]),
    ("latest block info", ["get_block"]),
    ("show me block 2", ["get_block"]),
    ("gas fees right now?", ["get_gas_price"]),
    ("send 2 wei to bob from alice", ["send_transaction"]),
    ("alice, send 1 gwei to carol", ["send_transaction"]),
    ("transfer 0.001 eth from eve to frank", ["send_transaction"]),
    ("please pay 7 wei from bob to dave", ["send_transaction"]),
    (f"is {DEAD} a smart contract?", ["get_code"]),
    ("network?", ["get_network_info"]),
    ("what's the chain id", ["get_network_info"]),
    ("gas price on polygon please", ["polygon:get_gas_price"]),
    (f"usdc.e balance of {DEAD} on polygon", ["polygon:get_token_balance"]),
    ("wpol info on polygon", ["polygon:get_token_info"]),
    ("balance of alice, then the gas price", ["get_balance", "get_gas_price"]),
    ("send 1 wei from alice to bob, and then show the receipt",
     ["send_transaction", "get_transaction_receipt"]),
    ("thanks, that's all", TALK),
    ("what's his balance now", ["get_balance"]),
    ("show the receipt", ["get_transaction_receipt"]),
    ("convert 1 eth to usd", REFUSE),
    ("send 1 usdc.e from alice to bob", REFUSE),
    ("send 1 eth from alice to bob on ethereum", REFUSE),
    ("balance of alice on bsc", REFUSE),
    ("send 1e-30 eth from alice to bob", REFUSE),
    ("send 1 eth from alice to 0x70997970C51812dc3A010C7d01b50e0d17dc79c8", REFUSE),
    ("what will gas cost tomorrow", REFUSE),
    ("list alice's tokens", REFUSE),
    ("send bob some eth", REFUSE),
    ("what's the value of alice's portfolio", ["get_portfolio"]),
]  # fmt: skip


# Token, NFT and signing phrasings (issue 16), written after the phrasebook's token phrasings and
# measured once before any tuning on them.
TK = "0x000000000000000000000000000000000000dEaD"
FRESH_TOKENS: list[tuple[str, object]] = [
    (f"send 3 {TK} to carol from bob", ["send_token_transfer"]),
    (f"pay bob 2 {TK} from alice", ["send_token_transfer"]),
    (f"please transfer 0.5 {TK} from alice to {TK}", ["send_token_transfer"]),
    (f"send 10 USDC to {TK} on polygon", ["polygon:prepare_token_transfer"]),
    (f"approve 100 DAI for {TK} on polygon", ["polygon:prepare_token_approval"]),
    (f"alice approves 5 {TK} for bob", ["send_token_approval"]),
    (f"give bob an allowance of 5 {TK} from alice", ["send_token_approval"]),
    (f"revoke bob's approval for {TK}", ["send_token_approval"]),
    (f"how much {TK} is bob allowed to spend for alice", ["get_token_allowance"]),
    (f"check the allowance alice gave bob on {TK}", ["get_token_allowance"]),
    ("show me the latest token transfers of alice", ["get_token_transfers"]),
    ("what did bob receive recently", ["get_token_transfers"]),
    ("alice's token portfolio", ["get_portfolio"]),
    (f"portfolio of {TK} on polygon", ["polygon:get_portfolio"]),
    ("which NFTs does carol have", ["get_token_transfers"]),
    (f"how many nfts does alice have in {TK}", ["get_nft_balance"]),
    (f"owner of nft 7 of {TK}", ["get_nft_owner"]),
    ("sign 'I agree' as carol", ["sign_message"]),
    ("sign a message for alice", REFUSE),
    (f"approve 10 {TK} for bob from alice and then swap it", REFUSE),
    ("send 5 USDC from alice to bob", ["send_token_transfer"]),
    (f"approve 1.5 {TK} for george from alice", REFUSE),
    ("send all my usdc to bob on polygon", REFUSE),
    ("what is my nft worth", REFUSE),
]


# Prices, quotes, swaps and portfolio values, written before the parser was tried on
# them, measured once, never tuned: coverage 95% (20 answerable; missed "price quote for 3 eth
# to usdc"), precision 100%.
FRESH_SWAPS: list[tuple[str, object]] = [
    ("swap 2 eth to usdc from alice", ["send_swap"]),
    ("exchange 500 usdc for dai from bob", ["send_swap"]),
    ("swap 1 weth for usdc from carol with slippage of 0.5%", ["send_swap"]),
    ("can you swap 0.5 eth into dai from dave please", ["send_swap"]),
    ("bob swaps 10 dai for usdc", ["send_swap"]),
    ("swap 1 eth for usdc from alice, max slippage 1%", ["send_swap"]),
    ("swap 10 usdc for dai on polygon", ["polygon:prepare_swap"]),
    ("quote 0.5 eth for dai", ["quote_swap"]),
    ("how much dai will 100 usdc get me", ["quote_swap"]),
    ("how many usdc would I get for 1 weth", ["quote_swap"]),
    ("price quote for 3 eth to usdc", ["quote_swap"]),
    ("what's the price of ether", ["get_token_price"]),
    ("current eth price", ["get_token_price"]),
    ("how much is one eth worth", ["get_token_price"]),
    ("usdc price on polygon", ["polygon:get_token_price"]),
    ("pol price on polygon", ["polygon:get_token_price"]),
    ("weth price in usd", ["get_token_price"]),
    ("how much is bob's portfolio worth", ["get_portfolio"]),
    ("total value of my holdings", ["get_portfolio"]),
    ("portfolio worth of alice", ["get_portfolio"]),
    ("swap all my eth for usdc", REFUSE),
    ("swap 1 eth for doge from alice", REFUSE),
    ("swap 1 btc for usdc from alice", REFUSE),
    ("swap 1 eth for eth from alice", REFUSE),
    ("swap 1 eth for usdc from alice with 100% slippage", REFUSE),
    ("what's the price of eth in euros", REFUSE),
    ("price of eth yesterday", REFUSE),
    ("swap 1 eth for usdc on sepolia", REFUSE),
    ("swap 1 eth for usdc from alice on mainnet", REFUSE),
    ("buy 100 usdc with eth", REFUSE),
    ("what was alice's portfolio worth last week", REFUSE),
]


def networks() -> dict:
    """The network table; as the tests run it, testnet and polygon are served, the others not
    (outcome)."""
    from django.conf import settings

    return dict(settings.NETWORKS)


def tool_label(step: object, table: dict) -> str:
    """The tool a step calls (its intent says which), prefixed with its network when that is
    not the testnet."""
    from sessions_app.agent.intents import BY_NAME

    intent, args, network = step.intent, step.args, step.network  # type: ignore[attr-defined]
    choice = BY_NAME[intent].tool  # none for help: labelled by its intent
    tool = choice(args, table[network]) if choice else intent
    return tool if network == T else f"{network}:{tool}"


def outcome(text: str, table: dict) -> object:
    from sessions_app.agent.reading import read
    from sessions_app.tests.phrasebook import unserved

    reading = read(text, T, table, unserved(table))
    if reading.refusals:
        return REFUSE
    if reading.steps:
        return [tool_label(step, table) for step in reading.steps]
    return TALK if reading.small_talk else REFUSE


def figures(cases: list[tuple[str, object]], table: dict) -> tuple[dict, list]:
    answerable = answered_right = answers = right_answers = 0
    misses = []
    for text, expected in cases:
        got = outcome(text, table)
        if expected != REFUSE:
            answerable += 1
            answered_right += got == expected
        if got != REFUSE:
            answers += 1
            right_answers += got == expected
        if got != expected:
            misses.append((text, expected, got))
    result = {
        "phrasings": len(cases),
        "answerable": answerable,
        "coverage": answered_right / answerable if answerable else 1.0,
        "answers": answers,
        "precision": right_answers / answers if answers else 1.0,
    }
    return result, misses


def main() -> None:
    import django

    django.setup()
    from sessions_app.tests.phrasebook import plan_labels

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-misses", action="store_true")
    options = parser.parse_args()
    table = networks()
    for name, cases in (
        ("phrasebook", plan_labels()),
        ("held-out", HELD_OUT),
        ("fresh", FRESH),
        ("fresh 2", FRESH_2),
        ("fresh tokens", FRESH_TOKENS),
        ("fresh swaps", FRESH_SWAPS),
    ):
        result, misses = figures(cases, table)
        print(
            f"{name}: {result['phrasings']} phrasings, coverage {result['coverage']:.0%} "
            f"({result['answerable']} answerable), precision {result['precision']:.0%} "
            f"({result['answers']} answers)"
        )
        for text, expected, got in misses if options.show_misses else []:
            print(f"   miss: {text!r}: expected {expected}, got {got}")


if __name__ == "__main__":
    main()
