"""Plain dicts of models for the JSON API and the websocket events."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from sessions_app.ask_first import asks_first
from sessions_app.models import ChatSession, Message, ToolCall, Turn, WalletRequest


def chat_session_dict(chat_session: ChatSession, empty: bool = False) -> dict[str, Any]:
    """``empty``: never written in (just created), so it has no turn and no wallet request
    to read."""
    return {
        "id": chat_session.public_id,
        "title": chat_session.title,
        "network": chat_session.network,
        "status": chat_session.status,
        "processing": False if empty else chat_session.processing,
        "pending_wallet_request": None if empty else _card(chat_session.pending_wallet_request),
        "confirm_actions": asks_first(chat_session),
        "created_at": chat_session.created_at.isoformat(),
        "last_activity_at": chat_session.last_activity_at.isoformat(),
    }


def _card(request: WalletRequest | None) -> dict[str, Any] | None:
    return request.card() if request is not None else None


ANSWER_STATUS = {
    Turn.Status.RUNNING: "streaming",
    Turn.Status.INTERRUPTED: "interrupted",
    Turn.Status.FAILED: "error",
}


def _turn_of(message: Message) -> Turn | None:
    """The turn a message asks for (user, wallet outcome) or answers (assistant); read from
    the cache that select_related("turn", "answered_turn") or the intake filled."""
    try:
        return message.answered_turn if message.role == Message.Role.ASSISTANT else message.turn
    except ObjectDoesNotExist:
        return None


def message_status_and_metadata(message: Message) -> tuple[str, dict[str, Any]]:
    """``status``: "superseded" (an edit or a regenerate took it out), "" (done), "queued"
    (waits for the running turn), "streaming" (being
    written), "interrupted" or "error", from the message's turn; an answer's metadata names the
    message it replies to (``reply_to``)."""
    if message.superseded_at is not None:
        return "superseded", message.metadata
    turn = _turn_of(message)
    if turn is None:
        return "", message.metadata
    if message.role != Message.Role.ASSISTANT:
        return ("queued" if turn.status == Turn.Status.QUEUED else ""), message.metadata
    status = ANSWER_STATUS.get(Turn.Status(turn.status), "")
    return status, {**message.metadata, "reply_to": turn.request_id}


def message_dict(message: Message, tool_calls: Iterable[ToolCall] | None = None) -> dict[str, Any]:
    """A message; user and assistant messages add ``html`` (rendered markdown), assistant
    messages their ``tool_calls`` (read from the database unless given: a new answer has none)."""
    status, metadata = message_status_and_metadata(message)
    data: dict[str, Any] = {
        "id": message.pk,
        "seq": message.seq,
        "role": message.role,
        "content": message.content,
        "status": status,
        "metadata": metadata,
        "client_msg_id": message.client_msg_id,
        "created_at": message.created_at.isoformat(),
    }
    if message.role in (Message.Role.USER, Message.Role.ASSISTANT):
        # The same sanitized markdown for both: a user message's rendered as it was stored, an
        # answer's when its turn finished; older rows (and unfinished answers) on the fly.
        data["html"] = message.rendered
    if message.role == Message.Role.ASSISTANT:
        calls = message.tool_calls.all() if tool_calls is None else tool_calls
        data["tool_calls"] = [tool_call_dict(call) for call in calls]
    return data


def tool_call_dict(tool_call: ToolCall) -> dict[str, Any]:
    return {
        "call_id": tool_call.call_id,
        "network": tool_call.network,
        "tool": tool_call.tool,
        "arguments": tool_call.arguments,
        "result": tool_call.result,
        "is_error": tool_call.is_error,
        "duration_ms": tool_call.duration_ms,
        "created_at": tool_call.created_at.isoformat(),
    }
