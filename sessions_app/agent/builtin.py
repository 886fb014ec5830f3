"""The builtin provider: offline and deterministic. It plans tool calls from the phrasebook
(intents.py) and answers only with what the tools said, failures included."""

from __future__ import annotations

import asyncio
from typing import Any

from sessions_app.agent import intents
from sessions_app.agent.context import TurnContext
from sessions_app.agent.tools import ToolOutcome

RECEIPT_ATTEMPTS = 10
RECEIPT_INTERVAL = 1.0

NOT_UNDERSTOOD = (
    "Sorry, I did not understand that. I am the builtin agent and only understand a few "
    "phrasings; type **help** to see them."
)


class BuiltinProvider:
    async def respond(self, ctx: TurnContext) -> None:
        if ctx.trigger.metadata.get("kind") == "wallet_result":
            await self._after_wallet(ctx)
            return
        intent = intents.parse(ctx.trigger.content)
        if intent is None:
            await ctx.say(NOT_UNDERSTOOD)
        elif intent.name == "help":
            await ctx.say(help_text(ctx))
        elif intent.name == "send":
            await self._send(ctx, intent.args)
        elif intent.name == "my_balance":
            await self._wallet_balance(ctx)
        else:
            tool, arguments = plan(intent)
            await report(ctx, await ctx.call_tool(tool, arguments), tool)

    async def _send(self, ctx: TurnContext, parts: dict[str, Any]) -> None:
        sender = parts.get("sender") or ("" if ctx.network.dev else ctx.wallet)
        if not sender:
            await ctx.say(_missing_sender(ctx))
            return
        arguments = {"from_address": sender, "to": parts["to"], **amount_arguments(parts)}
        tool = "send_transaction" if ctx.network.dev else "prepare_transaction"
        outcome = await ctx.call_tool(tool, arguments)
        if outcome.ok and tool == "prepare_transaction":
            await ctx.say(f"{outcome.text}\n\nApproving asks your browser wallet to sign it.")
            return
        await report(ctx, outcome, tool)

    async def _wallet_balance(self, ctx: TurnContext) -> None:
        if not ctx.wallet:
            await ctx.say(
                "I don't know your address: connect your wallet in the page, or ask for the "
                "*balance of 0x…*" + (" (or of alice, bob, …)." if ctx.network.dev else ".")
            )
            return
        outcome = await ctx.call_tool("get_balance", {"address": ctx.wallet})
        await report(ctx, outcome, "get_balance")

    async def _after_wallet(self, ctx: TurnContext) -> None:
        meta = ctx.trigger.metadata
        if meta.get("wallet_status") != "sent":
            reason = meta.get("reason") or "no reason given"
            await ctx.say(
                f"The transaction was rejected in the wallet ({reason}). Nothing was sent."
            )
            return
        outcome = await wait_for_receipt(ctx, meta["tx_hash"])
        await report(ctx, outcome, "get_transaction_receipt")


def plan(intent: intents.Intent) -> tuple[str, dict[str, Any]]:
    """The tool and its arguments for a read-only intent."""
    parts = intent.args
    plans: dict[str, tuple[str, dict[str, Any]]] = {
        "balance": ("get_balance", {"address": parts.get("address")}),
        "block_number": ("get_block_number", {}),
        "latest_block": ("get_block", {"block": "latest"}),
        "block": ("get_block", {"block": int(parts.get("number") or 0)}),
        "transaction": ("get_transaction", {"tx_hash": parts.get("tx_hash")}),
        "receipt": ("get_transaction_receipt", {"tx_hash": parts.get("tx_hash")}),
        "gas_price": ("get_gas_price", {}),
        "code": ("get_code", {"address": parts.get("address")}),
        "token_info": ("get_token_info", {"token": parts.get("token")}),
        "token_balance": (
            "get_token_balance",
            {"token": parts.get("token"), "address": parts.get("holder")},
        ),
        "network_info": ("get_network_info", {}),
    }
    if intent.name == "call":
        arguments = {"address": parts["address"], "signature": parts["signature"]}
        return "call_contract", {**arguments, "args": intents.split_call_args(parts.get("args"))}
    return plans[intent.name]


def amount_arguments(parts: dict[str, Any]) -> dict[str, str]:
    unit = (parts.get("unit") or "eth").lower()
    amount = parts["amount"]
    if unit == "wei":
        return {"value_wei": amount}
    if unit == "gwei":
        return {"value_wei": str(int(float(amount) * 10**9))}
    return {"value": amount}


async def report(ctx: TurnContext, outcome: ToolOutcome, tool: str) -> None:
    """Say what the tool said: its sentence on success, the failure plainly otherwise."""
    if outcome.ok:
        await ctx.say(outcome.text or f"{tool} returned no description.")
    else:
        await ctx.say(f"The {tool} tool failed on {ctx.network.name}: {outcome.text}")


async def wait_for_receipt(ctx: TurnContext, tx_hash: str) -> ToolOutcome:
    """The receipt, polled a few times: a just-sent transaction may not be mined yet."""
    outcome = await ctx.call_tool("get_transaction_receipt", {"tx_hash": tx_hash})
    for _ in range(RECEIPT_ATTEMPTS):
        if outcome.ok or "pending" not in outcome.text:
            break
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


def help_text(ctx: TurnContext) -> str:
    network = ctx.network
    lines = [
        f"On **{network.name}** (chain id {network.chain_id}) I understand:",
        "- *balance of 0x…* (or an ENS name" + (", or alice, bob, …)" if network.dev else ")"),
        "- *my balance* (the wallet connected in the page)",
        "- *block number*, *latest block*, *block 12*",
        "- *transaction 0x…hash*, *receipt for 0x…hash*",
        "- *gas price*, *network info*",
        "- *code at 0x…*, *is 0x… a contract?*",
        "- *token info 0x…token*, *token balance of 0x…holder in 0x…token*",
        "- *call balanceOf(address)(uint256) on 0x…contract with 0x…holder*",
    ]
    if network.dev:
        lines.append("- *send 1 ETH from alice to bob* (or an amount in wei or gwei)")
    else:
        lines.append("- *send 0.1 ETH to 0x…*: I prepare the transaction and your wallet signs it")
    return "\n".join(lines)
