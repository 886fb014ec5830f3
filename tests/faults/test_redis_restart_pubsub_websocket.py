"""A chat page through a Redis restart on the (default) Pub/Sub layer, against a real daphne
and the test's own redis-server: the socket is closed when Redis dies (as with the core
layer), the page's reconnect gets ``session.state`` with the history once Redis is back, and a
turn then works. Before the fix the socket stayed open and heard nothing more."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from sessions_app.tests.agent_support import (
    DEADLINE,
    make_browser,
    next_event,
)
from testsupport.processes import (
    PROCESS_START_TIMEOUT,
    free_port,
    start_daphne,
    start_redis,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_server():
    server = start_redis()
    yield server
    server.kill()


@pytest.fixture
async def backend(redis_server):
    database = django_settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
    url += f"{database['PORT'] or 5432}/{database['NAME']}"
    env = {"DATABASE_URL": url, "REDIS_URL": redis_server.url, "LOG_LEVEL": "ERROR"}
    env["REDIS_CHANNEL_LAYER"] = "pubsub"  # the default, whatever this run's layer is
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / f"test-redis-restart-{port}.log"
    daphne = await asyncio.to_thread(start_daphne, env, port, False, log_path)
    await asyncio.to_thread(wait_until, daphne.ready, PROCESS_START_TIMEOUT, "daphne")
    yield daphne
    daphne.stop()


async def reconnect(url: str, headers: dict[str, str]):
    """What static/js/connection.js does: try again until session.state arrives."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        try:  # refused (HTTP 500) or closed while the backend has not seen Redis back yet
            ws = await connect(
                url,
                origin=url.replace("ws://", "http://").split("/ws/")[0],
                additional_headers=headers,
            )
        except InvalidStatus:
            await asyncio.sleep(0.5)
            continue
        try:
            return ws, await next_event(ws, "session.state")
        except (ConnectionClosed, TimeoutError):
            await ws.close()
            await asyncio.sleep(0.5)
    raise AssertionError("no session.state after the restart")


async def test_socket_closes_on_redis_restart_and_the_reconnected_page_works(redis_server, backend):
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    headers = {"Cookie": f"{django_settings.SESSION_COOKIE_NAME}={alice.session_key}"}
    url = f"ws://127.0.0.1:{backend.port}/ws/sessions/{chat.public_id}/"
    async with connect(
        url, origin=url.replace("ws://", "http://").split("/ws/")[0], additional_headers=headers
    ) as ws:
        await next_event(ws, "session.state")
        await ws.send(json.dumps({"type": "chat.message", "text": "help", "network": "testnet"}))
        await next_event(ws, "turn.complete")
        redis_server.kill()
        with pytest.raises(ConnectionClosed):
            await next_event(ws, "never")  # closed within the deadline, not left open
    await asyncio.to_thread(redis_server.restart)
    ws, state = await reconnect(url, headers)
    async with ws:
        assert [m["role"] for m in state["messages"]] == ["user", "assistant"]
        await ws.send(json.dumps({"type": "chat.message", "text": "help", "network": "testnet"}))
        done = await next_event(ws, "turn.complete", "error")
        assert done["type"] == "turn.complete", done
