"""PostgreSQL unreachable for a moment (a cut TCP proxy between daphne and the database; the
machine's PostgreSQL is never stopped): the chat answers with a clear error event and keeps
the socket, then works again once the database is back, without restarting anything."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from websockets.asyncio.client import connect

from sessions_app.tests.agent_support import (
    make_browser,
    next_event,
)
from testsupport.processes import PROCESS_START_TIMEOUT, free_port, start_daphne, wait_until
from testsupport.tcpproxy import TcpProxy

pytestmark = pytest.mark.django_db(transaction=True)

AFTER_OUTAGE_MESSAGES = 12  # more than the backend's database threads (8)
DRAIN_SETTLES = 0.5  # seconds


@pytest.fixture
async def proxy():
    database = django_settings.DATABASES["default"]
    proxy = TcpProxy(database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432))
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest.fixture
async def backend(proxy):
    database = django_settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@127.0.0.1:{proxy.port}/{database['NAME']}"
    env = {"DATABASE_URL": url, "REDIS_URL": django_settings.REDIS_URL, "LOG_LEVEL": "ERROR"}
    env |= {"CHAT_MESSAGES_PER_MINUTE": "0", "AGENT_TURNS_PER_MINUTE": "0"}  # 25 messages here
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / f"test-postgres-outage-{port}.log"
    daphne = await asyncio.to_thread(start_daphne, env, port, False, log_path)
    await asyncio.to_thread(wait_until, daphne.ready, PROCESS_START_TIMEOUT, "daphne")
    yield daphne
    daphne.stop()


async def test_database_cut_gives_a_clear_error_then_recovers(proxy, backend):
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    cookie = f"{django_settings.SESSION_COOKIE_NAME}={alice.session_key}"
    url = f"ws://127.0.0.1:{backend.port}/ws/sessions/{chat.public_id}/"
    async with connect(
        url, origin=f"http://127.0.0.1:{backend.port}", additional_headers={"Cookie": cookie}
    ) as ws:
        assert (await next_event(ws, "session.state"))["session"]["id"] == chat.public_id
        for _ in range(AFTER_OUTAGE_MESSAGES):  # the database threads open their connections
            await ws.send(
                json.dumps({"type": "chat.message", "text": "help", "network": "testnet"})
            )
            assert (await next_event(ws, "turn.complete", "error"))["type"] == "turn.complete"
        await asyncio.sleep(DRAIN_SETTLES)  # after turn.complete the drain looks for a next turn
        proxy.cut()
        await ws.send(json.dumps({"type": "chat.message", "text": "help", "network": "testnet"}))
        error = await next_event(ws, "error")
        assert error["code"] == "database_unavailable", error
        proxy.restore()
        # Every message after the outage is answered: the backend's database threads (eight)
        # all had connections the cut killed, not only the one that failed.
        for _ in range(AFTER_OUTAGE_MESSAGES):
            frame = {"type": "chat.message", "text": "help", "network": "testnet"}
            await ws.send(json.dumps(frame))
            answered = await next_event(ws, "turn.complete", "error")
            assert answered["type"] == "turn.complete", answered
