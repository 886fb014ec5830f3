"""What a chat's tool calls store is bounded (finding 7 of issue 27: a refused call was stored
whole, 50 KB of arguments plus a result that echoed them; and a chat had no cap on its tool
call rows). Replayed through the proxy endpoint against the session's real runmcp."""

from __future__ import annotations

import json

import pytest

from sessions_app.models import ToolCall
from sessions_app.tool_records import REFUSED_ARGUMENTS_CHARS
from tests.abuse.helpers import post_json

pytestmark = pytest.mark.django_db(transaction=True)

HUGE = "0x" + "ab" * 25_000  # 50 KB: under the request body cap


def call(client, chat_id: str, tool: str, params: dict) -> int:
    body = {"session_id": chat_id, "tool": tool, "params": params}
    return post_json(client, "/api/mcp/testnet", body).status_code


def test_a_refused_call_keeps_neither_its_huge_arguments_nor_their_echo(alice):
    chat = alice.new_chat()
    status = call(alice.client(), chat.public_id, "get_block", {"block": HUGE})
    assert 400 <= status < 500
    (row,) = ToolCall.objects.filter(chat_session=chat)
    assert row.is_error
    stored = json.dumps(row.arguments) + json.dumps(row.result)
    assert len(stored) < REFUSED_ARGUMENTS_CHARS + 600
    assert "ab" * 100 not in json.dumps(row.result)  # the result does not quote them
    assert row.result["code"]


def test_a_chat_keeps_at_most_its_cap_of_tool_calls(alice, settings):
    settings.MAX_MESSAGES_PER_SESSION = 5
    settings.PROXY_RATE_BURST = 100
    chat = alice.new_chat()
    client = alice.client()
    statuses = [call(client, chat.public_id, "get_block", {}) for _ in range(8)]
    assert statuses == [200] * 8  # answered as usual
    assert ToolCall.objects.filter(chat_session=chat).count() == 5
