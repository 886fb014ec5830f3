"""HTTP parity: POST /api/chat and /api/interrupt (CSRF-protected, owner-checked) and the SSE
stream at /api/chat/stream carrying the same events as the websocket."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from django.test import AsyncClient

from sessions_app.tests.agent_support import (
    make_browser,
    point_network,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alice(transactional_db, settings, anvil_testnet, mcp_testnet):
    point_network(settings, "testnet", mcp_testnet.url)
    return make_browser("alice")


async def csrf_client(browser) -> tuple[AsyncClient, str]:
    client = AsyncClient(enforce_csrf_checks=True)
    client.cookies[django_settings.SESSION_COOKIE_NAME] = browser.session_key
    token = (await client.get("/api/csrf")).json()["csrf_token"]
    return client, token


async def post(client, token, path, body):
    return await client.post(
        path, json.dumps(body), content_type="application/json", headers={"X-CSRFToken": token}
    )


async def read_events(response, until: str, timeout: float = 30):
    """Parse SSE frames from the streaming response up to the first event of type ``until``."""
    found, buffer = [], ""
    iterator = response.streaming_content.__aiter__()
    async with asyncio.timeout(timeout):
        while True:
            chunk = await iterator.__anext__()
            buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
            while "\n\n" in buffer:
                frame, buffer = buffer.split("\n\n", 1)
                data = [line[6:] for line in frame.splitlines() if line.startswith("data: ")]
                if data:
                    found.append(json.loads(data[0]))
                    if found[-1]["type"] == until:
                        return found, iterator


async def test_post_chat_streams_the_turn_over_sse(alice):
    chat = await database_sync_to_async(alice.new_chat)()
    client, token = await csrf_client(alice)
    response = await client.get(f"/api/chat/stream?session_id={chat.public_id}")
    assert response["Content-Type"] == "text/event-stream"
    state, iterator = await read_events(response, "session.state")
    assert state[0]["session"]["id"] == chat.public_id
    reply = await post(
        client,
        token,
        "/api/chat",
        {"session_id": chat.public_id, "message": "balance of alice", "network": "testnet"},
    )
    assert reply.status_code == 202, reply.content
    assert reply.json()["message"]["content"] == "balance of alice"
    seen, _ = await read_events(response, "turn.complete")
    types = [event["type"] for event in seen]
    assert types[:2] == ["message.created", "message.created"]
    assert {"tool.call", "tool.result", "assistant.delta", "turn.complete"} <= set(types)
    await iterator.aclose()


async def test_post_without_csrf_token_is_refused(alice):
    chat = await database_sync_to_async(alice.new_chat)()
    client, _ = await csrf_client(alice)
    body = {"session_id": chat.public_id, "message": "hi", "network": "testnet"}
    response = await client.post("/api/chat", json.dumps(body), content_type="application/json")
    assert response.status_code == 403


async def test_foreign_and_unknown_sessions_answer_alike(alice):
    chat = await database_sync_to_async(alice.new_chat)()
    bob = await database_sync_to_async(make_browser)("bob")
    client, token = await csrf_client(bob)
    foreign = await post(
        client,
        token,
        "/api/chat",
        {"session_id": chat.public_id, "message": "x", "network": "testnet"},
    )
    unknown = await post(
        client, token, "/api/chat", {"session_id": "nope", "message": "x", "network": "testnet"}
    )
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    stream = await client.get(f"/api/chat/stream?session_id={chat.public_id}")
    assert stream.status_code == 404
    stop = await post(client, token, "/api/interrupt", {"session_id": chat.public_id})
    assert stop.status_code == 404


@pytest.mark.parametrize(
    "body, code",
    [
        ({"message": "", "network": "testnet"}, "bad_event"),
        ({"message": "hi", "network": "atlantis"}, "unknown_network"),
        ({"message": "x" * 5000, "network": "testnet"}, "message_too_long"),
        ({"message": ["list"], "network": "testnet"}, "bad_event"),
    ],
)
async def test_bad_chat_bodies_get_json_errors(alice, body, code):
    chat = await database_sync_to_async(alice.new_chat)()
    client, token = await csrf_client(alice)
    response = await post(client, token, "/api/chat", {"session_id": chat.public_id, **body})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


async def test_interrupt_endpoint_accepts_owner(alice):
    chat = await database_sync_to_async(alice.new_chat)()
    client, token = await csrf_client(alice)
    response = await post(client, token, "/api/interrupt", {"session_id": chat.public_id})
    assert response.status_code == 202
