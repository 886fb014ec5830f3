"""Floods of chat messages, agent turns and proxy calls from one owner or one address are cut
off with a clear ``rate_limited`` error and the wait (item 4 of the review: 1,000 frames in
0.01 s were all answered; 200 POST /api/chat gave 200 turns; five sessions of one browser
made 100 of 100 proxy calls in 1.46 s because the proxy's limit was per chat session)."""

from __future__ import annotations

import asyncio
import json
import math
import time

import pytest
from channels.db import database_sync_to_async

from sessions_app.models import Message
from sessions_app.tests.agent_support import (
    make_browser,
    open_socket,
)
from tests.abuse.helpers import assert_json_error, post_json

pytestmark = pytest.mark.django_db(transaction=True)

FRAMES = 200


def allowance(started: float, per_minute: int) -> int:
    """Tokens regained while the test ran (slow on a loaded machine)."""
    return math.ceil((time.monotonic() - started) * per_minute / 60)


@pytest.fixture
def tight(settings):
    settings.CHAT_MESSAGES_PER_MINUTE = 10
    settings.AGENT_TURNS_PER_MINUTE = 5
    settings.LIMIT_ADDRESS_FACTOR = 5
    return settings


async def test_a_websocket_flood_gets_error_frames_with_the_wait(tight, alice):
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    started = time.monotonic()
    frame = {"type": "chat.message", "text": "help", "network": "testnet"}
    for n in range(FRAMES):
        await socket.send_to(text_data=json.dumps({**frame, "client_msg_id": f"m{n}"}))
    refused = []
    while len(refused) < FRAMES - 5 - allowance(started, 5):
        event = await socket.receive_json_from(timeout=30)
        if event["type"] == "error" and event["code"] == "rate_limited":
            refused.append(event)
    await socket.disconnect()
    assert refused[0]["retry_after"] >= 1 and "per minute" in refused[0]["message"]
    stored = await database_sync_to_async(Message.objects.filter(role="user").count)()
    assert 5 <= stored <= 5 + allowance(started, 5)


def test_http_chat_posts_get_429_with_retry_after_and_others_carry_on(tight, alice):
    chat = alice.new_chat()
    client = alice.client()
    started = time.monotonic()
    body = {"session_id": chat.public_id, "message": "help", "network": "testnet"}
    statuses = [post_json(client, "/api/chat", body).status_code for _ in range(30)]
    assert 5 <= statuses.count(202) <= 5 + allowance(started, 5)
    refused = post_json(client, "/api/chat", body)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert assert_json_error(refused)["code"] == "rate_limited"
    bob = make_browser("bob")
    bobs = {**body, "session_id": bob.new_chat().public_id}
    assert post_json(bob.client(REMOTE_ADDR="10.0.0.2"), "/api/chat", bobs).status_code == 202


def test_proxy_calls_are_limited_per_owner_across_their_sessions(settings, alice):
    settings.PROXY_RATE_LIMIT = 1000  # the per-session bucket out of the way
    settings.PROXY_CALLS_PER_MINUTE = 10
    client = alice.client()
    chats = [alice.new_chat() for _ in range(5)]
    started = time.monotonic()
    statuses = [
        post_json(
            client, "/api/mcp/testnet", {"session_id": c.public_id, "tool": "get_block_number"}
        ).status_code
        for c in chats
        for _ in range(20)
    ]
    assert 10 <= statuses.count(200) <= 10 + allowance(started, 10)
    refused = post_json(
        client, "/api/mcp/testnet", {"session_id": chats[0].public_id, "tool": "get_block_number"}
    )
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "rate_limited"


def test_proxy_calls_are_limited_per_address_across_browsers(settings, alice):
    settings.PROXY_RATE_LIMIT = 1000
    settings.PROXY_CALLS_PER_MINUTE = 4
    settings.LIMIT_ADDRESS_FACTOR = 2  # 4 per browser, 8 per address
    browsers = [make_browser(f"sybil{n}") for n in range(4)]
    started = time.monotonic()
    statuses = []
    for browser in browsers:
        chat = browser.new_chat()
        body = {"session_id": chat.public_id, "tool": "get_block_number"}
        client = browser.client(REMOTE_ADDR="10.6.6.6")
        statuses += [post_json(client, "/api/mcp/testnet", body).status_code for _ in range(4)]
    assert 8 <= statuses.count(200) <= 8 + allowance(started, 8)


async def test_turns_started_by_refused_frames_never_run(tight, alice):
    """The refused frames store nothing and start no turn: the session stays usable."""
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    for n in range(20):
        await socket.send_json_to(
            {"type": "chat.message", "text": "help", "network": "testnet", "client_msg_id": f"x{n}"}
        )
    await asyncio.sleep(0.5)
    await socket.disconnect()
    stored = await database_sync_to_async(Message.objects.filter(role="user").count)()
    assert stored <= 6
