"""The builtin provider: offline and deterministic. It reads the message into steps (reading.py),
refuses the whole message when any part of it cannot be placed, and otherwise runs the steps in
order, each on its network by its intent (intents.py), answering only with what the tools said,
failures included."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from chatproject.lib.networks import Network, get_network
from mcp_proxy import availability
from sessions_app import wallet_checks
from sessions_app.agent.arguments import Step
from sessions_app.agent.calls import StepFailed, described
from sessions_app.agent.context import TurnContext
from sessions_app.agent.intents import BY_NAME
from sessions_app.agent.quoting import quoted
from sessions_app.agent.reading import Reading, read
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
                say_part(ctx, await BY_NAME[step.intent].run(ctx, step))
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


async def _read(text: str, network: str) -> Reading:
    """Reading a message tries every phrasing from every word: about 0.1 ms for a short
    question, 3 ms for 400 characters. A long one is read off the event loop; a short one
    here, where the thread hop would cost more than the reading."""
    networks = settings.NETWORKS
    unusable = _unusable(networks, network)
    if len(text) <= INLINE_READ_CHARS:
        return read(text, network, networks, unusable)
    return await asyncio.to_thread(read, text, network, networks, unusable)


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


def _refusal(reading: Reading) -> str:
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


def _not_done(rest: list[Step]) -> str:
    if not rest:
        return ""
    undone = "; ".join(f"“{quoted(step.text)}”" for step in rest)
    return f" I stopped there, so I did not do: {undone}."


def say_part(ctx: TurnContext, text: str) -> None:
    """A paragraph of the answer, streamed with the next tool call or the turn's end: the
    builtin agent never waits for anything slow after writing."""
    ctx.add(("\n\n" if ctx.text else "") + text)


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
