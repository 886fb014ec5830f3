"""Two backend processes sharing PostgreSQL and Redis: a turn running in a daphne subprocess
streams to a socket of this process (group fan-out through Redis), an interrupt sent through
this process ends it within 1 s, and a message sent here meanwhile is queued, not run twice."""

from __future__ import annotations

import json
import time

import pytest
from channels.db import database_sync_to_async

from sessions_app.models import Message
from sessions_app.tests.agent_support import (
    make_browser,
    open_socket,
    point_network,
    receive_until,
    say,
)
from sessions_app.tests.fake_llm import Reply
from sessions_app.tests.test_restart_mid_turn import backend_env, next_of, socket_to
from testsupport.processes import start_daphne

pytestmark = pytest.mark.django_db(transaction=True)


async def test_turn_in_other_process_streams_here_and_obeys_interrupt_from_here(
    transactional_db, settings, fake, anvil_testnet, mcp_testnet
):
    point_network(settings, "testnet", mcp_testnet.url)
    settings.AGENT_PROVIDER = "openai"
    settings.OPENAI_BASE_URL = fake.openai_url
    settings.OPENAI_API_KEY = "test-key"
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    fake.replies = [
        Reply(text="a very slow answer " * 20, delay=0.5),
        Reply(text="Queued one answered."),
    ]
    daphne = start_daphne(backend_env(fake, anvil_testnet, mcp_testnet))
    try:
        here, _ = await open_socket(alice, chat.public_id)
        async with socket_to(daphne, alice, chat.public_id) as there:
            await next_of(there, "session.state")
            await there.send(
                json.dumps({"type": "chat.message", "text": "slow please", "network": "testnet"})
            )
            await receive_until(here, "assistant.delta")  # streamed from the other process
            await say(here, "and then this")
            queued = await receive_until(here, "message.created")
            assert queued[-1]["message"]["status"] == "queued"
            started = time.monotonic()
            await here.send_json_to({"type": "chat.interrupt"})
            done = await next_of(there, "turn.complete")
            assert time.monotonic() - started < 1.0
            assert "Interrupted" in done[-1]["html"]
            second = await next_of(there, "turn.complete")
            assert "Queued one answered." in "".join(e.get("text", "") for e in second)
        await here.disconnect()
    finally:
        daphne.stop()
    users = await database_sync_to_async(
        lambda: list(
            Message.objects.filter(chat_session=chat, role="user").values_list("content", flat=True)
        )
    )()
    assert users == ["slow please", "and then this"]
    assert len(fake.requests) == 2
