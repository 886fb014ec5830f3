"""Ask before acting: the agent's own writes and signatures on a dev network wait for the
person's Confirm on the approval card, as a wallet request of kind "confirm".

A tool that acts with a dev account (the server holds its key) would otherwise run at once,
whatever the model decided. With the chat's setting on, the call is recorded but not run; the
card shows the tool and its arguments. Confirm runs exactly those arguments, once (the request
is taken before the tool runs, so two tabs confirming send one transaction); Reject tells the
agent the person declined. Either way the outcome reaches the agent as a new message, like a
wallet's answer. The request is a row, so a reload or another tab of the chat shows the card.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chatproject.lib.dbthreads import db
from sessions_app import events
from sessions_app.agent.actions import action
from sessions_app.agent.tools import ToolOutcome, run_tool
from sessions_app.ask_first import asks_first_now
from sessions_app.broadcast import publish
from sessions_app.models import ChatSession, ToolCall, WalletRequest, together

# What acts with a dev account's key: writes that send, and signatures.
ACTING_TOOLS = frozenset(
    {
        "send_transaction",
        "send_token_transfer",
        "send_token_approval",
        "send_nft_transfer",
        "send_revoke_approval",
        "send_swap",
        "sign_message",
        "sign_typed_data",
    }
)
WAITING_TEXT = (
    "Not run yet: it waits for a Confirm on the card below; the outcome arrives as a new message."
)
CONFIRMED, DECLINED, FAILED = "confirmed", "rejected", "failed"
REJECTED_ON_CARD = "rejected_on_card"  # a code of sessions_app/wallet_checks.py


async def needs_confirmation(chat_session: ChatSession, tool: str, dev_network: bool) -> bool:
    """Whether this call waits for a Confirm (one read of the chat's setting, for acting
    tools only)."""
    if not dev_network or tool not in ACTING_TOOLS:
        return False
    return await db(asks_first_now)(chat_session.pk)


def action_text(tool: str, network: str) -> str:
    return f"{action(tool)} on {network} waits for you: nothing runs until you confirm."


@db
def open_confirmation(chat_session_id: int, row: ToolCall) -> WalletRequest | None:
    """The session's pending confirmation for the recorded call ``row``; None once it ended."""
    summary = {"tool": row.tool, "arguments": row.arguments}
    return WalletRequest.open(
        chat_session_id,
        row,
        kind=WalletRequest.Kind.CONFIRM,
        description=action_text(row.tool, row.network),
        summary=summary,
    )


def waiting(request: WalletRequest | None) -> ToolOutcome:
    """What the agent hears of a call that waits (or could not: the chat ended)."""
    if request is None:
        outcome = ToolOutcome(False, None, "The chat ended; nothing was run.", 0)
        outcome.error_code = "session_ended"
        return outcome
    return ToolOutcome(True, {"awaiting_confirmation": True}, WAITING_TEXT, 0)


@dataclass(frozen=True)
class Settled:
    """The answer to a confirmation: the sentence the agent and the page read, and the wallet
    outcome's metadata (sessions_app/chat.py stores it as a system message)."""

    sentence: str
    metadata: dict[str, Any]


async def settle(chat_session: ChatSession, request: WalletRequest, status: str) -> Settled | None:
    """Confirm (``status`` "confirmed") or reject the pending ``request``; None when it was
    not pending any more (answered in another tab, replaced, or the chat ended)."""
    confirmed = status == CONFIRMED
    new_status = WalletRequest.Status.SENT if confirmed else WalletRequest.Status.REJECTED
    outcome = {} if confirmed else {"reason": REJECTED_ON_CARD}
    taken = await db(WalletRequest.answer)(
        chat_session.pk, request.public_id, new_status, **outcome
    )
    if taken is None:
        return None
    call = await db(ToolCall.objects.get)(pk=request.tool_call_id)
    if not confirmed:
        step = action(call.tool).lower()
        sentence = f"The person declined it: {step} did not run. Do not retry it unless asked."
        return Settled(sentence, _metadata(request, DECLINED, reason=REJECTED_ON_CARD))
    ran = await run_tool(
        call.network, call.tool, call.arguments, chat_session.public_id, chat_session.owner_ref
    )
    await _record(chat_session.pk, call, ran)
    tx_hash = str((ran.structured or {}).get("tx_hash") or "")
    signature = str((ran.structured or {}).get("signature") or "")
    if not ran.ok:
        sentence = f"The person confirmed {call.tool}, but it failed: {ran.text}"
        return Settled(sentence, _metadata(request, FAILED, tool_text=ran.text))
    sentence = f"The person confirmed {call.tool}; it ran: {ran.text}"
    done = {"tx_hash": tx_hash, "signature": signature, "tool_text": ran.text}
    return Settled(sentence, _metadata(request, CONFIRMED, **done))


def _metadata(request: WalletRequest, status: str, **outcome: str) -> dict[str, Any]:
    return {
        "kind": "wallet_result",
        "network": request.network,
        "request_id": request.public_id,
        "wallet_status": status,
        "tx_hash": outcome.get("tx_hash", ""),
        "signature": outcome.get("signature", ""),
        "reason": outcome.get("reason", ""),
        "tool_text": outcome.get("tool_text", ""),
    }


async def _record(chat_session_id: int, call: ToolCall, ran: ToolOutcome) -> None:
    """The call's row gets its real result (a reload, the shared page and the export show it),
    and open tabs update its tool card."""
    result = {"ok": ran.ok, "text": ran.text, "data": ran.payload()}
    update = ToolCall.result_update(call.pk, result, not ran.ok, ran.duration_ms)
    await db(together)([update])
    await publish(
        chat_session_id,
        events.tool_result(call.call_id, ran.ok, ran.payload(), ran.duration_ms, ran.text),
    )
