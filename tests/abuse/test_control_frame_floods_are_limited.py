"""Every kind of frame is limited, not only chat.message (issue 27, finding 10).

A chat.interrupt costs a channel-layer message to the turn runner and a wallet.result database
work: both count against CONTROL_EVENTS_PER_MINUTE per owner and address (in Redis, shared by
the backends), over the websocket and over HTTP alike. Any frame at all, even one that does not
parse, takes a token of its socket's bucket (SOCKET_FRAMES_PER_SECOND)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from sessions_app.tests.agent_support import open_socket

pytestmark = pytest.mark.django_db(transaction=True)

PER_MINUTE = 10


async def errors(socket: Any, count: int) -> list[dict[str, Any]]:
    seen = []
    while len(seen) < count:
        event = await socket.receive_json_from(timeout=30)
        if event["type"] == "error":
            seen.append(event)
    return seen


async def test_an_interrupt_flood_is_refused_past_the_owners_limit(alice, settings):
    settings.CONTROL_EVENTS_PER_MINUTE = PER_MINUTE
    settings.LIMIT_ADDRESS_FACTOR = (
        100  # the owner's limit is the one shown; reruns share 127.0.0.1
    )
    settings.SOCKET_FRAMES_PER_SECOND = 0  # the per-minute limit alone here
    chat = await sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    for _ in range(PER_MINUTE + 20):
        await socket.send_json_to({"type": "chat.interrupt"})
    refusals = await errors(socket, 20)  # the allowed ones answer nothing
    await socket.disconnect()
    assert {event["code"] for event in refusals} == {"rate_limited"}
    assert "stop requests and wallet answers" in refusals[0]["message"]
    assert refusals[0]["retry_after"] >= 1


async def test_the_http_interrupt_shares_the_limit(alice, settings):
    settings.CONTROL_EVENTS_PER_MINUTE = PER_MINUTE
    settings.LIMIT_ADDRESS_FACTOR = (
        100  # the owner's limit is the one shown; reruns share 127.0.0.1
    )
    chat = await sync_to_async(alice.new_chat)()
    client = alice.async_client()
    token = (await client.get("/api/csrf")).json()["csrf_token"]
    body = json.dumps({"session_id": chat.public_id})
    statuses = []
    for _ in range(PER_MINUTE + 3):
        response = await client.post(
            "/api/interrupt", body, content_type="application/json", headers={"X-CSRFToken": token}
        )
        statuses.append(response.status_code)
    assert statuses == [202] * PER_MINUTE + [429] * 3
    assert response.json()["error"]["code"] == "rate_limited"
    assert response["Retry-After"]


async def test_any_frame_past_the_sockets_rate_is_refused(alice, settings):
    """Junk that does not even parse: past the bucket's burst, refused without being read."""
    settings.SOCKET_FRAMES_PER_SECOND = 2  # bursts of 6
    chat = await sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    for _ in range(30):
        await socket.send_to(text_data="not json at all")
    codes = [event["code"] for event in await errors(socket, 30)]
    await socket.disconnect()
    assert codes[:6] == ["bad_json"] * 6
    assert codes.count("rate_limited") >= 20
