"""The builtin provider: offline and deterministic. It reads the message into steps (intents.py),
refuses the whole message when any part of it cannot be placed, and otherwise runs the steps in
order, each on its network, answering only with what the tools said, failures included."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from django.conf import settings

from chatproject.lib.dbthreads import db
from chatproject.lib.networks import Network, get_network
from mcp_proxy import availability
from sessions_app import wallet_checks
from sessions_app.agent import actions, intents, recall
from sessions_app.agent.context import TurnContext
from sessions_app.agent.quoting import quoted
from sessions_app.agent.references import LAST_ADDRESS, LAST_TRANSACTION, WALLET, Amount
from sessions_app.agent.tools import ToolOutcome

MAX_STEPS = 10  # requests run for one message
RECEIPT_ATTEMPTS = 10
RECEIPT_INTERVAL = 1.0
INLINE_READ_CHARS = 64

NOT_UNDERSTOOD = (
    "Sorry, I did not understand that. I am the builtin agent and only understand a few "
    "phrasings; type **help** to see them."
)


# Where the person rejected a request, by reason code (sessions_app/wallet_checks.py).
YOU_REJECTED = {"rejected_on_card": "on the card", "user_rejected": "in your wallet"}


class StepFailed(Exception):
    """A step could not run (or its tool failed); the steps after it are not run."""


class BuiltinProvider:
    async def respond(self, ctx: TurnContext) -> None:
        if ctx.trigger.metadata.get("kind") == "wallet_result":
            await self._after_wallet(ctx)
            return
        reading = await _read(ctx.trigger.content, ctx.network.name)
        refusal = _refusal(reading)
        if refusal:
            ctx.add(refusal)
            return
        ctx.add(" ".join(reading.small_talk))
        for number, step in enumerate(reading.steps):
            try:
                ctx.network = get_network(step.network)  # a network named in the message wins
                say_part(ctx, await run_step(ctx, step))
            except StepFailed as exc:
                say_part(ctx, str(exc) + _not_done(reading.steps[number + 1 :]))
                return

    async def _after_wallet(self, ctx: TurnContext) -> None:
        meta = ctx.trigger.metadata
        if meta.get("wallet_status") in ("confirmed", "failed"):  # agent/confirmations.py
            ctx.add(str(meta.get("tool_text") or ""))  # what the confirmed tool said it did
            return
        if meta.get("wallet_status") != "sent":
            ctx.add(_not_sent(meta))
            return
        if not meta.get("tx_hash"):  # a signed message: there is no transaction to look up
            signature = meta.get("signature") or ""
            ctx.add(f"Your wallet signed the message. Signature: {signature}".strip())
            return
        outcome = await wait_for_receipt(ctx, meta["tx_hash"])
        ctx.add(described(ctx, outcome, "get_transaction_receipt"))


def _not_sent(meta: dict[str, Any]) -> str:
    """What became of a request the wallet did not (verifiably) answer, in fixed words: the
    reason is a code (sessions_app/wallet_checks.py), never the page's own text."""
    status = meta.get("wallet_status")
    if status == wallet_checks.MISMATCHED:
        return (
            "The wallet's answer did not match the prepared request, so I can't confirm that "
            "anything was sent or signed. Check your wallet's activity."
        )
    if status == wallet_checks.UNCONFIRMED:
        return (
            f"Your wallet reported a transaction, but it could not be confirmed on "
            f"{meta.get('network') or 'the network'} yet. Ask me to look it up again later."
        )
    code = wallet_checks.reason_code(str(meta.get("reason") or ""))
    if code in YOU_REJECTED:  # the person said no: on the card, or in their wallet
        return f"You rejected it {YOU_REJECTED[code]}. Nothing was sent or signed."
    reason = wallet_checks.REASON_SENTENCES[code]
    return f"The request was rejected ({reason}). Nothing was sent or signed."


async def _read(text: str, network: str) -> intents.Reading:
    """Reading a message tries every phrasing from every word: about 0.1 ms for a short
    question, 3 ms for 400 characters. A long one is read off the event loop; a short one
    here, where the thread hop would cost more than the reading."""
    networks = settings.NETWORKS
    unusable = _unusable(networks, network)
    if len(text) <= INLINE_READ_CHARS:
        return intents.read(text, network, networks, unusable)
    return await asyncio.to_thread(intents.read, text, network, networks, unusable)


def _unusable(networks: Mapping[str, Network], selected: str) -> dict[str, str]:
    """The networks a message may not act on now, with why, judged by their servers' last
    health report without waiting (mcp_proxy/availability.py). Not the selected one: the chat
    intake let the message in on it, and if its server fails meanwhile, the call says so."""
    judged = {name: availability.known(network) for name, network in networks.items()}
    return {
        name: state.reason
        for name, state in judged.items()
        if not state.usable and name != selected
    }


def _refusal(reading: intents.Reading) -> str:
    """Every refusal of the message, or "" when each part of it is placed and can run."""
    sentences = list(reading.refusals)
    if len(reading.steps) > MAX_STEPS:
        sentences.append(
            f"That is {len(reading.steps)} requests in one message; I run at most {MAX_STEPS} "
            "at a time, so please split it."
        )
    if not sentences:
        return "" if reading.steps or reading.small_talk else NOT_UNDERSTOOD
    tail = "So I did nothing." if reading.steps or len(sentences) > 1 else ""
    return " ".join([*reading.small_talk, *sentences, tail]).strip()


def _not_done(rest: list[intents.Step]) -> str:
    if not rest:
        return ""
    undone = "; ".join(f"“{quoted(step.text)}”" for step in rest)
    return f" I stopped there, so I did not do: {undone}."


def say_part(ctx: TurnContext, text: str) -> None:
    """A paragraph of the answer, streamed with the next tool call or the turn's end: the
    builtin agent never waits for anything slow after writing."""
    ctx.add(("\n\n" if ctx.text else "") + text)


async def run_step(ctx: TurnContext, step: intents.Step) -> str:
    """Run one step on ctx.network; the sentence to show, or StepFailed."""
    if step.intent == "help":
        return help_text(ctx.network)
    if step.intent == "send" and "token" in step.args:
        step = replace(step, intent="send_token")
    if step.intent == "send":
        return await _send(ctx, step.args)
    if step.intent in ACTING:
        return await _act(ctx, step)
    if step.intent == "nfts" and "contract" not in step.args:
        return await _nfts_received(ctx, await _address(ctx, step.args["who"]))
    if step.intent in ("receipt", "transaction"):
        return await _transaction(ctx, step)
    tool, arguments = await plan(ctx, step)
    outcome = await _call(ctx, tool, arguments)
    return described(ctx, outcome, tool) + _in_wei(step, outcome)


def _in_wei(step: intents.Step, outcome: ToolOutcome) -> str:
    """ "balance of alice in wei": the wei the tool keeps in its data, said only when asked."""
    wei = (outcome.structured or {}).get("balance_wei")
    return f" In wei: {wei}." if step.args.get("in_wei") and wei is not None else ""


async def plan(ctx: TurnContext, step: intents.Step) -> tuple[str, dict[str, Any]]:
    """The tool and its arguments for a read-only step."""
    args = step.args
    at = {"block": args["block"]} if "block" in args else {}
    if step.intent in ("balance", "token_balance"):
        who = await _address(ctx, args["who"])
        if "token" in args:
            return "get_token_balance", {"token": args["token"], "address": who, **at}
        return "get_balance", {"address": who, **at}
    if step.intent == "code":
        return "get_code", {"address": await _address(ctx, args["who"]), **at}
    if step.intent == "call":
        address = await _address(ctx, args["address"])
        return "call_contract", {**args, "address": address}
    if step.intent in ("transfers", "nfts", "portfolio"):
        who = await _address(ctx, args["who"])
        if step.intent == "nfts":
            return "get_nft_balance", {"contract": args["contract"], "owner": who}
        if step.intent == "portfolio":
            return "get_portfolio", {"address": who, "tokens": args["tokens"]}
        return "get_token_transfers", {"address": who, **_only(args, "token")}
    if step.intent == "approvals":
        owner = await _address(ctx, args["who"])
        return "get_approvals", {"owner": owner, **_only(args, "token")}
    if step.intent == "allowance":
        owner, spender = await _address(ctx, args["owner"]), await _address(ctx, args["spender"])
        return "get_token_allowance", {"token": args["token"], "owner": owner, "spender": spender}
    simple: dict[str, tuple[str, dict[str, Any]]] = {
        "block_number": ("get_block_number", {}),
        "latest_block": ("get_block", {"block": "latest"}),
        "block": ("get_block", {"block": args.get("number", 0)}),
        "gas_price": ("get_gas_price", {}),
        "network_info": ("get_network_info", {}),
        "token_info": ("get_token_info", {"token": args.get("token")}),
        "nft_owner": ("get_nft_owner", _only(args, "contract", "token_id")),
    }
    return simple[step.intent]


async def _address(ctx: TurnContext, who: str) -> str:
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


async def _send(ctx: TurnContext, args: dict[str, Any]) -> str:
    amount: Amount = args["amount"]
    to = await _address(ctx, args["to"])
    arguments = {"from_address": await _sender(ctx, args), "to": to, **amount.tool_arguments()}
    tool = "send_transaction" if ctx.network.dev else "prepare_transaction"
    outcome = await _call(ctx, tool, arguments)
    if tool == "prepare_transaction":
        return outcome.text  # it ends with what to do on the card (TurnContext.call_tool)
    return described(ctx, outcome, tool)


async def _sender(ctx: TurnContext, args: dict[str, Any]) -> str:
    """Who sends or signs: the named account or address; off the testnet, else the wallet."""
    sender = await _address(ctx, args["sender"]) if args["sender"] else ""
    if not ctx.network.dev:
        sender = sender or ctx.wallet or ""
    if not sender:
        raise StepFailed(_missing_sender(ctx))
    return sender


def _only(args: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: args[key] for key in keys if key in args}


# Steps that change the chain or sign: (tool on a dev network, tool elsewhere (a wallet request)).
ACTING = {
    "send_token": ("send_token_transfer", "prepare_token_transfer"),
    "approve": ("send_token_approval", "prepare_token_approval"),
    "revoke": ("send_token_approval", "prepare_token_approval"),
    "revoke_spender": ("send_revoke_approval", "prepare_revoke_approval"),
    "sign": ("sign_message", "sign_message"),
}


async def _act(ctx: TurnContext, step: intents.Step) -> str:
    """A token transfer, an approval or a signature: sent on the testnet, else the wallet's."""
    args = step.args
    arguments: dict[str, Any] = {"from_address": await _sender(ctx, args)}
    if step.intent == "sign":
        arguments["message"] = args["message"]
    elif step.intent == "revoke_spender":
        arguments["token"] = args["token"]
        arguments["spender"] = await _address(ctx, args["spender"])
        arguments.update(_only(args, "token_id"))
    else:
        arguments["token"] = args["token"]
        arguments["amount"] = args["token_amount"]
        if step.intent == "send_token":
            arguments["to"] = await _address(ctx, args["to"])
        else:
            arguments["spender"] = await _address(ctx, args["spender"])
    dev_tool, wallet_tool = ACTING[step.intent]
    tool = dev_tool if ctx.network.dev else wallet_tool
    outcome = await _call(ctx, tool, arguments)
    if not ctx.network.dev:
        return outcome.text  # it ends with the one thing to do: answer the card below
    return described(ctx, outcome, tool)


async def _nfts_received(ctx: TurnContext, who: str) -> str:
    """ "What NFTs does alice own": no tool indexes NFTs by owner, so the ERC-721 tokens she
    received in the recent blocks and has not sent on since, said with that limit."""
    data = (await _call(ctx, "get_token_transfers", {"address": who})).structured or {}
    held: dict[tuple[str, str], bool] = {}
    for row in data.get("transfers", []):  # newest first: the first row of a token decides
        if row.get("standard") == "erc721":
            held.setdefault((row["address"], row["token_id"]), row.get("direction") == "in")
    owned = [
        f"token {token_id} of {contract}" for (contract, token_id), kept in held.items() if kept
    ]
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


async def _transaction(ctx: TurnContext, step: intents.Step) -> str:
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
    tool = "get_transaction_receipt" if step.intent == "receipt" else "get_transaction"
    return described(ctx, await _call(ctx, tool, {"tx_hash": tx_hash}), tool)


async def _call(ctx: TurnContext, tool: str, arguments: dict[str, Any]) -> ToolOutcome:
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


async def wait_for_receipt(ctx: TurnContext, tx_hash: str) -> ToolOutcome:
    """The receipt, polled a few times: a just-sent transaction may not be mined yet."""
    outcome = await ctx.call_tool("get_transaction_receipt", {"tx_hash": tx_hash})
    for _ in range(RECEIPT_ATTEMPTS):
        if outcome.ok or "pending" not in outcome.text:
            break
        await ctx.flush()  # the "pending" result shows while we wait
        await asyncio.sleep(RECEIPT_INTERVAL)
        outcome = await ctx.call_tool("get_transaction_receipt", {"tx_hash": tx_hash})
    return outcome


def _missing_sender(ctx: TurnContext) -> str:
    if ctx.network.dev:
        return "Say who sends it, e.g. *send 1 ETH from alice to bob*."
    return (
        f"On {ctx.network.name} transactions are signed by your browser wallet: connect it "
        "first (or name the sender's 0x address), then ask again."
    )


def help_text(network: Network) -> str:
    currency = network.currency
    lines = [
        f"On **{network.name}** (chain id {network.chain_id}) I understand:",
        "- *balance of 0x…* (or an ENS name" + (", or alice, bob, …)" if network.dev else ")"),
        "- *my balance* (the wallet connected in the page), *his balance* (the last address)",
        "- *USDC balance of 0x…*, *how much DAI does 0x… hold*"
        + (" (on the testnet: *balance of bob in 0x…token*)" if network.dev else ""),
        "- *token info USDC* (or 0x…token)",
        "- *block number*, *latest block*, *block 12*",
        "- *transaction 0x…hash*, *receipt for 0x…hash*, *the receipt of that transfer*",
        "- *gas price*, *network info*",
        "- *code at 0x…*, *is 0x… a contract?*",
        "- *call balanceOf(address)(uint256) on 0x…contract with 0x…holder*",
    ]
    token = "0x…token" if network.dev else "USDC"
    if network.dev:
        lines.append(f"- *send 1 {currency} from alice to bob* (or an amount in wei or gwei)")
        lines.append(
            f"- *send 1.5 {token} from alice to bob*, *approve 10 {token} for bob "
            'from alice* (or *unlimited*), *sign the message "hi" as alice*'
        )
    else:
        lines.append(
            f"- *send 0.1 {currency} to 0x…*, *send 5 {token} to 0x…*, *approve 10 "
            f'{token} for 0x…*, *sign the message "hi"*: your wallet signs them'
        )
    owner = " from alice" if network.dev else ""
    lines += [
        f"- *allowance of 0x…spender for {token} from 0x…owner*, *portfolio of 0x…*",
        "- *what have I approved?*, *what has 0x… approved?* (the approvals still standing, "
        f"from the recent blocks), *revoke 0x…spender on {token}{owner}* (an allowance or an "
        "NFT operator)",
        "- *recent transfers of 0x…* (token and NFT transfers of the last 1000 blocks)",
        "- *NFTs of 0x… in 0x…contract*, *who owns token 5 of 0x…contract* (I can't list "
        "every NFT an address owns)",
        "- add *on mainnet*, *on polygon*, … to ask another network; join requests with "
        "*and then*. I can't price tokens or swap.",
    ]
    return "\n".join(lines)
