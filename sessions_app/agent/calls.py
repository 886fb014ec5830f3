"""What a step of the builtin agent sends to its tool, and what it says from the tool's answer.

The arguments functions make a step's references concrete (the connected wallet, the chat's
last address or transaction) and name the tool's arguments; the answer functions turn the
tool's outcome into the sentence shown. Each intent (intents.py) names its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chatproject.lib.dbthreads import db
from chatproject.lib.networks import get_network
from sessions_app.agent import actions, recall
from sessions_app.agent.arguments import Step
from sessions_app.agent.context import TurnContext
from sessions_app.agent.references import LAST_ADDRESS, LAST_TRANSACTION, WALLET, Amount
from sessions_app.agent.tools import ToolOutcome

Args = dict[str, Any]
ToolArguments = Callable[[TurnContext, Step], Awaitable[Args]]
PORTFOLIO_TOTAL = "total_usd"  # get_portfolio's total value in US dollars, when priced


class StepFailed(Exception):
    """A step could not run (or its tool failed); the steps after it are not run."""


@dataclass(frozen=True)
class Call:
    """A step's tool call: the tool, its arguments as sent, and what it answered."""

    tool: str
    arguments: Args
    outcome: ToolOutcome


async def call(ctx: TurnContext, tool: str, arguments: Args) -> ToolOutcome:
    outcome = await ctx.call_tool(tool, arguments)
    if not outcome.ok:
        raise StepFailed(actions.failed(tool, ctx.network.name, outcome.text))
    return outcome


def described(ctx: TurnContext, outcome: ToolOutcome, tool: str) -> str:
    """The tool's own sentence, naming the network it ran on."""
    if not outcome.ok:
        return actions.failed(tool, ctx.network.name, outcome.text)
    text = outcome.text or f"{actions.action(tool)} gave no description."
    return text if ctx.network.name in text else f"{text} (on {ctx.network.name})"


def said(ctx: TurnContext, step: Step, done: Call) -> str:
    """The answer of most steps: the tool's sentence (and the wei, when asked in wei)."""
    return described(ctx, done.outcome, done.tool) + _in_wei(step, done.outcome)


def _in_wei(step: Step, outcome: ToolOutcome) -> str:
    """ "balance of alice in wei": the wei the tool keeps in its data, said only when asked."""
    wei = (outcome.structured or {}).get("balance_wei")
    return f" In wei: {wei}." if step.args.get("in_wei") and wei is not None else ""


async def address(ctx: TurnContext, who: str) -> str:
    """A reference made concrete: the connected wallet, or the session's last address."""
    if who == WALLET:
        if not ctx.wallet:
            raise StepFailed(
                "I don't know your address: connect your wallet in the page, or name the "
                "address (0x…)" + (" or alice, bob, …." if ctx.network.dev else ".")
            )
        return ctx.wallet
    if who == LAST_ADDRESS:
        found = await db(recall.last_address)(ctx.session_id)
        if found is None:
            raise StepFailed("I don't know who you mean: no address has come up in this chat yet.")
        return found.value
    return who


SEND_EXAMPLE = "Say who sends it, e.g. *send 1 ETH from alice to bob*."
SWAP_EXAMPLE = "Say who swaps, e.g. *swap 1 ETH for USDC from alice*."


async def _sender(ctx: TurnContext, args: Args, example: str = SEND_EXAMPLE) -> str:
    """Who sends or signs: the named account or address; off the testnet, else the wallet."""
    sender = await address(ctx, args["sender"]) if args["sender"] else ""
    if not ctx.network.dev:
        sender = sender or ctx.wallet or ""
    if not sender:
        raise StepFailed(_missing_sender(ctx, example))
    return sender


def _missing_sender(ctx: TurnContext, example: str) -> str:
    if ctx.network.dev:
        return example
    return (
        f"On {ctx.network.name} transactions are signed by your browser wallet: connect it "
        "first (or name the sender's 0x address), then ask again."
    )


def _only(args: Args, *keys: str) -> Args:
    return {key: args[key] for key in keys if key in args}


def _at(args: Args) -> Args:
    """ "… at block 5" (reading.py): the block the state is read at."""
    return {"block": args["block"]} if "block" in args else {}


async def nothing(ctx: TurnContext, step: Step) -> Args:
    return {}


def taking(*keys: str, **fixed: Any) -> ToolArguments:
    """The arguments of a step with no reference in them: some of its own, and fixed ones."""

    async def arguments(ctx: TurnContext, step: Step) -> Args:
        return {**fixed, **_only(step.args, *keys)}

    return arguments


async def balance(ctx: TurnContext, step: Step) -> Args:
    who = await address(ctx, step.args["who"])
    if "token" in step.args:
        return {"token": step.args["token"], "address": who, **_at(step.args)}
    return {"address": who, **_at(step.args)}


async def code(ctx: TurnContext, step: Step) -> Args:
    return {"address": await address(ctx, step.args["who"]), **_at(step.args)}


async def contract_call(ctx: TurnContext, step: Step) -> Args:
    return {**step.args, "address": await address(ctx, step.args["address"])}


async def block(ctx: TurnContext, step: Step) -> Args:
    return {"block": step.args["number"]}


async def transfers(ctx: TurnContext, step: Step) -> Args:
    who = await address(ctx, step.args["who"])
    return {"address": who, **_only(step.args, "token")}


async def nfts(ctx: TurnContext, step: Step) -> Args:
    """In one collection: its balance; without one: the recent transfers (nfts_held)."""
    who = await address(ctx, step.args["who"])
    if "contract" in step.args:
        return {"contract": step.args["contract"], "owner": who}
    return {"address": who}


async def portfolio(ctx: TurnContext, step: Step) -> Args:
    return {"address": await address(ctx, step.args["who"]), "tokens": step.args["tokens"]}


SWAP_KEYS = ("token_in", "token_out", "amount", "slippage_percent")


async def swap(ctx: TurnContext, step: Step) -> Args:
    """The swap's tokens and amount, from the named account, or off the testnet the wallet."""
    sender = await _sender(ctx, step.args, SWAP_EXAMPLE)
    return {"from_address": sender, **_only(step.args, *SWAP_KEYS)}


def portfolio_worth(ctx: TurnContext, step: Step, done: Call) -> str:
    """ "What is alice's portfolio worth": the total in US dollars first, then what it is made
    of (the tool's sentence, which names what has no price)."""
    text = said(ctx, step, done)
    data = done.outcome.structured or {}
    rows = [data.get("native") or {}, *data.get("tokens", [])]
    if data.get(PORTFOLIO_TOTAL) is None or all(row.get("usd_value") is None for row in rows):
        return text  # no price for any of it: the tool's sentence says so
    total = Decimal(str(data[PORTFOLIO_TOTAL]))
    who, network = done.arguments["address"], ctx.network.name
    return f"The portfolio of {who} on {network} is worth about ${total:,.2f} in all. {text}"


async def approvals(ctx: TurnContext, step: Step) -> Args:
    owner = await address(ctx, step.args["who"])
    return {"owner": owner, **_only(step.args, "token")}


async def allowance(ctx: TurnContext, step: Step) -> Args:
    args = step.args
    owner, spender = await address(ctx, args["owner"]), await address(ctx, args["spender"])
    return {"token": args["token"], "owner": owner, "spender": spender}


async def transaction(ctx: TurnContext, step: Step) -> Args:
    """The hash, or the chat's last transaction: then the turn goes to its network, unless the
    message named one."""
    tx_hash = step.args["tx_hash"]
    if tx_hash == LAST_TRANSACTION:
        found = await db(recall.last_transaction)(ctx.session_id)
        if found is None:
            raise StepFailed(
                "I don't know which transaction you mean: none has been sent or looked up in "
                "this chat yet. Give its hash (0x…)."
            )
        tx_hash = found.value
        if not step.network_named and found.network and found.network != ctx.network.name:
            ctx.network = get_network(found.network)  # the transaction's own network
    return {"tx_hash": tx_hash}


async def send(ctx: TurnContext, step: Step) -> Args:
    """Native currency (value or value_wei), or a token by its address."""
    args = step.args
    if "token" in args:
        arguments: Args = {"from_address": await _sender(ctx, args), "token": args["token"]}
        arguments["amount"] = args["token_amount"]
        return {**arguments, "to": await address(ctx, args["to"])}
    amount: Amount = args["amount"]
    to = await address(ctx, args["to"])
    return {"from_address": await _sender(ctx, args), "to": to, **amount.tool_arguments()}


async def approve(ctx: TurnContext, step: Step) -> Args:
    """An approval; a revoke is one of 0."""
    args = step.args
    arguments: Args = {"from_address": await _sender(ctx, args), "token": args["token"]}
    arguments["amount"] = args["token_amount"]
    return {**arguments, "spender": await address(ctx, args["spender"])}


async def revoke_spender(ctx: TurnContext, step: Step) -> Args:
    args = step.args
    arguments: Args = {"from_address": await _sender(ctx, args), "token": args["token"]}
    arguments["spender"] = await address(ctx, args["spender"])
    return {**arguments, **_only(args, "token_id")}


async def sign(ctx: TurnContext, step: Step) -> Args:
    return {"from_address": await _sender(ctx, step.args), "message": step.args["message"]}


def nfts_held(ctx: TurnContext, step: Step, done: Call) -> str:
    """ "What NFTs does alice own": no tool indexes NFTs by owner, so the ERC-721 tokens she
    received in the recent blocks and has not sent on since, said with that limit."""
    if done.tool != "get_token_transfers":  # one collection: its balance, as the tool says it
        return said(ctx, step, done)
    data = done.outcome.structured or {}
    held: dict[tuple[str, str], bool] = {}
    for row in data.get("transfers", []):  # newest first: the first row of a token decides
        if row.get("standard") == "erc721":
            held.setdefault((row["address"], row["token_id"]), row.get("direction") == "in")
    owned = [
        f"token {token_id} of {contract}" for (contract, token_id), kept in held.items() if kept
    ]
    who = done.arguments["address"]
    span = f"blocks {data.get('from_block')} to {data.get('to_block')} on {ctx.network.name}"
    found = (
        f"In {span} {who} received and still holds: {'; '.join(owned)}."
        if owned
        else f"{who} received no NFT (ERC-721) in {span} that they still hold."
    )
    more = " (only the newest transfers were listed)" if data.get("truncated") else ""
    return (
        f"{found}{more} I can't list NFTs received before that: no tool of mine indexes NFTs "
        "by owner. For one collection ask *NFTs of … in 0x…contract*."
    )
