"""Export a chat as a download: Markdown to read, JSON to process (issue 32). Owner only.

Both hold the messages the chat shows, each tool call with its arguments and result, and the
transaction hashes of the conversation.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from chatproject.lib.errors import json_error
from sessions_app import manager
from sessions_app.conversation import result_payload, shown_messages, transaction_hashes
from sessions_app.models import ChatSession, Message
from sessions_app.owner import owner_from_request

FORMATS = {"md": "text/markdown; charset=utf-8", "json": "application/json"}
ROLE_HEADINGS = {"user": "You", "assistant": "Agent", "system": "System"}


def export(request: HttpRequest, public_id: str) -> HttpResponse:
    if request.method != "GET":
        refused = json_error("method_not_allowed", "Use GET.", 405)
        refused["Allow"] = "GET"
        return refused
    try:
        chat_session = manager.get_for_owner(public_id, owner_from_request(request))
    except manager.ChatSessionError as exc:
        return exc.response()
    chosen = request.GET.get("format", "md")
    if chosen not in FORMATS:
        return json_error("bad_format", 'The format is "md" or "json".', 400)
    data = exported(chat_session)
    body = as_markdown(data) if chosen == "md" else json.dumps(data, indent=2, default=str)
    response = HttpResponse(body, content_type=FORMATS[chosen])
    name = f"{file_stem(chat_session)}.{chosen}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def exported(chat_session: ChatSession) -> dict[str, Any]:
    messages = shown_messages(chat_session)
    return {
        "title": chat_session.title,
        "network": chat_session.network,
        "created_at": chat_session.created_at.isoformat(),
        "exported_at": timezone.now().isoformat(),
        "messages": [message_data(m) for m in messages],
        "transactions": transaction_hashes(messages),
    }


def message_data(message: Message) -> dict[str, Any]:
    data: dict[str, Any] = {
        "seq": message.seq,
        "role": message.role,
        "content": message.content,
        "created_at": message.created_at.isoformat(),
    }
    if message.role == Message.Role.SYSTEM and message.metadata.get("tx_hash"):
        data["tx_hash"] = message.metadata["tx_hash"]
    calls = getattr(message, "calls", [])
    if calls:
        data["tool_calls"] = [
            {
                "tool": call.tool,
                "network": call.network,
                "arguments": call.arguments,
                "ok": not call.is_error,
                "result": result_payload(call),
            }
            for call in calls
        ]
    return data


def as_markdown(data: dict[str, Any]) -> str:
    lines = [f"# {data['title'] or 'Chat'}", "", f"Network: {data['network']}  "]
    lines += [f"Exported: {data['exported_at']}", ""]
    for message in data["messages"]:
        lines += [f"## {ROLE_HEADINGS.get(message['role'], message['role'])}", ""]
        for call in message.get("tool_calls", []):
            lines += _call_markdown(call)
        lines += [message["content"], ""]
    if data["transactions"]:
        lines += ["## Transactions", ""]
        lines += [f"- `{tx['hash']}` ({tx['network']})" for tx in data["transactions"]]
        lines.append("")
    return "\n".join(lines)


def _call_markdown(call: dict[str, Any]) -> list[str]:
    outcome = "Result" if call["ok"] else "Error"
    return [
        f"**Tool `{call['tool']}`** on {call['network']}",
        "",
        "Arguments:",
        "```json",
        json.dumps(call["arguments"], indent=2, default=str),
        "```",
        f"{outcome}:",
        "```json",
        json.dumps(call["result"], indent=2, default=str),
        "```",
        "",
    ]


def file_stem(chat_session: ChatSession) -> str:
    """A file name from the title, in safe characters (a header cannot carry anything else)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", chat_session.title).strip("-").lower()[:60]
    return f"chat-{slug}" if slug else "chat"
