"""What "that transfer", "its receipt" and "his balance" refer to: the session's last
transaction and last address, read from its stored history (tool calls and wallet outcomes in
the database), so follow-ups work after a reload, a restart or on another backend process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sessions_app.models import Message, ToolCall

LOOKBACK = 50  # the newest tool calls searched
SEND_TOOLS = (
    "send_transaction",
    "send_token_transfer",
    "send_token_approval",
    "send_revoke_approval",
    "send_swap",
)
TX_TOOLS = (*SEND_TOOLS, "get_transaction", "get_transaction_receipt")
ADDRESS_TOOLS = {
    "send_transaction": "to",
    "prepare_transaction": "to",
    "get_balance": "address",
    "get_token_balance": "address",
    "get_code": "address",
    "send_token_transfer": "to",
    "prepare_token_transfer": "to",
    "get_token_transfers": "address",
    "get_portfolio": "address",
    "get_approvals": "owner",
}


@dataclass(frozen=True)
class Recalled:
    value: str
    network: str


def last_transaction(chat_session_id: int) -> Recalled | None:
    """The newest transaction hash the session sent, looked up, or had its wallet send."""
    found: list[tuple[Any, Recalled]] = []
    calls = ToolCall.objects.filter(chat_session_id=chat_session_id, tool__in=TX_TOOLS)
    for call in calls.order_by("-created_at", "-pk")[:LOOKBACK]:
        tx_hash = _hash_of(call)
        if tx_hash:
            found.append((call.created_at, Recalled(tx_hash, call.network)))
            break
    wallet = (
        Message.objects.filter(
            chat_session_id=chat_session_id,
            role=Message.Role.SYSTEM,
            metadata__kind="wallet_result",
            metadata__wallet_status="sent",
        )
        .order_by("-seq")
        .first()
    )
    if wallet is not None and wallet.metadata.get("tx_hash"):
        recalled = Recalled(wallet.metadata["tx_hash"], wallet.metadata.get("network", ""))
        found.append((wallet.created_at, recalled))
    return max(found, key=lambda pair: pair[0])[1] if found else None


def _hash_of(call: ToolCall) -> str:
    if call.tool in SEND_TOOLS:
        data = (call.result or {}).get("data") if not call.is_error else None
        if not isinstance(data, dict):
            return ""
        hashes = data.get("tx_hashes") or [""]  # a swap: its approval, then the swap itself
        return str(data.get("tx_hash") or hashes[-1] or "")
    arguments = call.arguments if isinstance(call.arguments, dict) else {}
    return str(arguments.get("tx_hash") or "")


def last_address(chat_session_id: int) -> Recalled | None:
    """The newest person or contract the session sent to or looked up."""
    calls = ToolCall.objects.filter(chat_session_id=chat_session_id, tool__in=ADDRESS_TOOLS)
    for call in calls.order_by("-created_at", "-pk")[:LOOKBACK]:
        arguments = call.arguments if isinstance(call.arguments, dict) else {}
        value = arguments.get(ADDRESS_TOOLS[call.tool])
        if isinstance(value, str) and value:
            return Recalled(value, call.network)
    return None
