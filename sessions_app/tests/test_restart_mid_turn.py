"""Kill the backend (daphne, SIGKILL) in the middle of a turn and start it again: the history
is intact, what was shown is kept, and the session is usable (the dead claim is recovered)."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from websockets.asyncio.client import connect

from sessions_app.models import ChatSession, Message
from sessions_app.tests.agent_support import (
    make_browser,
    shown_status,
    stored_message,
)
from sessions_app.tests.fake_llm import Reply
from testsupport.processes import start_daphne

pytestmark = pytest.mark.django_db(transaction=True)


def backend_env(fake, anvil_testnet, mcp_testnet) -> dict[str, str]:
    database = django_settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    return {
        "DATABASE_URL": url,
        "REDIS_URL": django_settings.REDIS_URL,
        "AGENT_PROVIDER": "openai",
        "OPENAI_BASE_URL": fake.openai_url,
        "OPENAI_API_KEY": "test-key",
        "MCP_TESTNET_URL": mcp_testnet.url,
    }


async def next_of(ws, event_type: str, timeout: float = 30) -> list[dict]:
    seen = []
    while True:
        seen.append(json.loads(await ws.recv(decode=True)))
        if seen[-1]["type"] == event_type:
            return seen


def socket_to(daphne, browser, chat_id: str):
    cookie = f"{django_settings.SESSION_COOKIE_NAME}={browser.session_key}"
    url = f"ws://127.0.0.1:{daphne.port}/ws/sessions/{chat_id}/"
    return connect(
        url, origin=f"http://127.0.0.1:{daphne.port}", additional_headers={"Cookie": cookie}
    )


async def test_backend_killed_mid_turn_restarts_with_history_and_usable_session(
    transactional_db, fake, anvil_testnet, mcp_testnet
):
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    env = backend_env(fake, anvil_testnet, mcp_testnet)
    fake.replies = [Reply(text="A long and slow answer that will never finish " * 5, delay=0.3)]
    daphne = start_daphne(env)
    try:
        async with socket_to(daphne, alice, chat.public_id) as ws:
            await next_of(ws, "session.state")
            await ws.send(
                json.dumps(
                    {"type": "chat.message", "text": "tell me a story", "network": "testnet"}
                )
            )
            await next_of(ws, "assistant.delta")
            daphne.kill()
    finally:
        daphne.kill()

    stale = await database_sync_to_async(lambda: ChatSession.objects.get(pk=chat.pk).processing)()
    assert stale is True  # the dead process still holds the running turn
    shown = await database_sync_to_async(
        lambda: list(Message.objects.filter(chat_session=chat).order_by("seq"))
    )()
    assert [m.role for m in shown] == ["user", "assistant"]
    assert shown[1].content.startswith("A lo")

    fake.replies = [Reply(text="Fresh answer.")]
    daphne = start_daphne(env)
    try:
        async with socket_to(daphne, alice, chat.public_id) as ws:
            state = (await next_of(ws, "session.state"))[-1]
            assert state["messages"][0]["content"] == "tell me a story"
            await ws.send(
                json.dumps({"type": "chat.message", "text": "again", "network": "testnet"})
            )
            seen = await next_of(ws, "turn.complete")
            assert "Fresh answer." in "".join(e.get("text", "") for e in seen)
    finally:
        daphne.stop()
    cut_short = await stored_message(shown[1].pk)
    assert shown_status(cut_short) == "error" and cut_short.content.startswith("A lo")
