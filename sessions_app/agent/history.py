"""The conversation as the model providers replay it: each user (or wallet) message followed by
the assistant's answer to it, tool calls and results included, trimmed to AGENT_HISTORY_CHARS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from sessions_app.models import Message, Turn


@dataclass
class ToolExchange:
    call_id: str
    tool: str
    arguments: dict[str, Any]
    result: str
    is_error: bool


@dataclass
class Entry:
    role: str  # "user" or "assistant"
    text: str
    tools: list[ToolExchange] = field(default_factory=list)

    def size(self) -> int:
        return len(self.text) + sum(
            len(t.result) + len(json.dumps(t.arguments)) for t in self.tools
        )


def load_history(assistant: Message) -> list[Entry]:
    """Everything answered before ``assistant``, in reply order, within the budget."""
    messages = (
        Message.objects.filter(chat_session_id=assistant.chat_session_id, seq__lt=assistant.seq)
        .exclude(turn__status=Turn.Status.QUEUED)
        .filter(superseded_at__isnull=True)  # taken out by an edit or a regenerate
        .select_related("answered_turn")
        .prefetch_related("tool_calls")
        .order_by("seq")
    )
    return trim(_in_reply_order(list(messages)), settings.AGENT_HISTORY_CHARS)


def _in_reply_order(messages: list[Message]) -> list[Entry]:
    replies: dict[int, list[Message]] = {}
    for message in messages:
        if message.role == Message.Role.ASSISTANT:
            turn = getattr(message, "answered_turn", None)
            replies.setdefault(turn.request_id if turn else 0, []).append(message)
    entries = []
    for message in messages:
        if message.role == Message.Role.ASSISTANT:
            continue
        entries.append(Entry("user", _user_text(message)))
        entries.extend(_assistant_entry(reply) for reply in replies.get(message.pk, []))
    return entries


def _user_text(message: Message) -> str:
    if message.role == Message.Role.SYSTEM:
        return f"[wallet outcome] {message.content}"
    return message.content


def _assistant_entry(message: Message) -> Entry:
    tools = [
        ToolExchange(
            call.call_id or f"call_{call.pk}",
            call.tool,
            call.arguments if isinstance(call.arguments, dict) else {},
            _result_text(call.result),
            call.is_error,
        )
        for call in message.tool_calls.all()
    ]
    return Entry("assistant", message.content, tools)


def _result_text(result: Any) -> str:
    if not isinstance(result, dict):
        return "No result was recorded (the turn ended first)."
    data = result.get("data")
    text = str(result.get("text") or "")
    if result.get("ok") and isinstance(data, dict):
        text = f"{text}\n{json.dumps(data, default=str)}"
    return text[:4000]


def trim(entries: list[Entry], budget: int) -> list[Entry]:
    """Drop the oldest entries beyond the budget; the result starts with a user entry."""
    kept: list[Entry] = []
    total = 0
    for entry in reversed(entries):
        total += entry.size()
        if total > budget and kept:
            break
        kept.append(entry)
    kept.reverse()
    while kept and kept[0].role != "user":
        kept.pop(0)
    return kept
