"""A lone surrogate ("\\ud800", legal in JSON, not encodable as UTF-8) in a value, a key or
the tool name: a 400 on every JSON endpoint and an ``error`` frame on the websocket, never a
500 and never a row (item 6 of the review)."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from sessions_app.models import Message
from sessions_app.tests.agent_support import (
    make_browser,
    open_socket,
)
from tests.abuse.helpers import assert_json_error, create_session, csrf_client, row_counts

pytestmark = pytest.mark.django_db(transaction=True)

LONE = "\ud800"


def bodies(session_id: str) -> list[tuple[str, dict]]:
    return [
        ("/api/mcp/testnet", {"session_id": session_id, "tool": "get_balance",
                              "params": {"address": LONE}}),
        ("/api/mcp/testnet", {"session_id": session_id, "tool": "get_balance",
                              "params": {LONE: "0x" + "00" * 20}}),
        ("/api/mcp/testnet", {"session_id": session_id, "tool": f"get{LONE}", "params": {}}),
        ("/api/chat", {"session_id": session_id, "message": f"hi {LONE}", "network": "testnet"}),
        ("/api/chat", {"session_id": session_id, "message": "hi", "network": "testnet",
                       "client_msg_id": LONE}),
        ("/api/wallet", {"session_id": session_id, "request_id": LONE, "status": "rejected"}),
        ("/api/interrupt", {"session_id": session_id, LONE: 1}),
        ("/api/sessions", {"network": LONE}),
        ("/api/sessions", {"network": "testnet", "x": [LONE]}),
    ]  # fmt: skip


def test_every_json_endpoint_answers_400(mcp_testnet):
    client, token = csrf_client()
    session_id = create_session(client, token)
    before = row_counts()
    for path, body in bodies(session_id):
        raw = json.dumps(body)  # ensure_ascii: the surrogate travels as the escape \ud800
        response = client.post(path, raw, "application/json", headers={"X-CSRFToken": token})
        assert response.status_code == 400, (path, body, response.status_code, response.content)
        assert assert_json_error(response)["code"] == "bad_request"
    assert row_counts() == before


async def test_the_websocket_answers_an_error_frame_and_stays_open():
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    for frame in [
        {"type": "chat.message", "text": f"hi {LONE}", "network": "testnet"},
        {"type": "chat.message", "text": "hi", "network": "testnet", "client_msg_id": LONE},
        {"type": "wallet.result", "request_id": LONE, "status": "rejected"},
        {"type": "chat.message", "text": "hi", "network": "testnet", LONE: 1},
    ]:
        await socket.send_to(text_data=json.dumps(frame))
        event = await socket.receive_json_from(timeout=20)
        assert event["type"] == "error" and event["code"] == "bad_event", event
        assert "surrogate" in event["message"]
    assert await database_sync_to_async(Message.objects.count)() == 0
    await socket.disconnect()
