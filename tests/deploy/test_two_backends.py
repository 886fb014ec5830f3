"""Two daphne processes over one PostgreSQL and one Redis, as behind nginx without affinity.

A socket on one process sees the turn of a message posted to the other; a turn never runs
twice; when one process dies, every chat session goes on through the other.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from channels.db import database_sync_to_async
from websockets.asyncio.client import ClientConnection, connect

from sessions_app.models import ChatSession, Message
from tests.deploy.helpers import env_serving_only_testnet
from testsupport.processes import Daphne, free_port, wait_until

DEADLINE = 60.0


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.skip("needs Redis shared between processes: set REDIS_URL")
    return url


def _start_backend(env: dict[str, str], log_path: Path) -> Daphne:
    """Like testsupport's start_daphne, with the output kept for a failing test's report."""
    port = free_port()
    args = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
    process = Daphne(
        args=[*args, "chatproject.asgi:application"],
        env={**os.environ, **env},
        port=port,
        log_path=log_path,
    )
    process.start()
    return process


@pytest.fixture
def backends(
    database_url, redis_url, anvil_testnet, mcp_testnet, tmp_path
) -> Iterator[list[Daphne]]:
    """Processes A and B, configured alike (the way the compose replicas are)."""
    env = {
        **env_serving_only_testnet(anvil_testnet.url),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MCP_TESTNET_URL": mcp_testnet.url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "AGENT_PROVIDER": "builtin",
    }
    processes = [_start_backend(env, tmp_path / f"daphne-{name}.log") for name in "AB"]
    try:
        for process in processes:
            try:
                wait_until(process.ready, DEADLINE, f"daphne on port {process.port}")
            except TimeoutError:
                print(process.log_path.read_text())
                raise
        yield processes
    finally:
        for process in processes:
            process.stop()


class Visitor:
    """One browser: its cookies go to whichever process answers, as behind a load balancer."""

    def __init__(self) -> None:
        self.cookies = httpx.Cookies()
        self.csrf_token = ""

    async def post(self, backend: Daphne, path: str, body: dict[str, Any]) -> httpx.Response:
        async with httpx.AsyncClient(base_url=backend.base_url, cookies=self.cookies) as client:
            if not self.csrf_token:
                self.csrf_token = (await client.get("/api/csrf")).json()["csrf_token"]
            headers = {"X-CSRFToken": self.csrf_token}
            response = await client.post(path, json=body, headers=headers, timeout=DEADLINE)
            self.cookies.update(client.cookies)
        return response

    async def new_chat(self, backend: Daphne) -> str:
        response = await self.post(backend, "/api/sessions", {"network": "testnet"})
        assert response.status_code == 201, response.text
        return response.json()["session"]["id"]

    async def say(
        self, backend: Daphne, chat_id: str, text: str, client_msg_id: str = ""
    ) -> httpx.Response:
        body = {"session_id": chat_id, "message": text, "network": "testnet"}
        body["client_msg_id"] = client_msg_id or uuid.uuid4().hex
        return await self.post(backend, "/api/chat", body)

    def socket(self, backend: Daphne, chat_id: str) -> Any:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        headers = {"Cookie": cookie, "Origin": backend.base_url}
        url = f"ws://127.0.0.1:{backend.port}/ws/sessions/{chat_id}/"
        return connect(url, additional_headers=headers, open_timeout=DEADLINE)


async def events_until(socket: ClientConnection, event_type: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(DEADLINE):
        while not seen or seen[-1]["type"] != event_type:
            seen.append(json.loads(await socket.recv()))
    return seen


async def turns_completed(socket: ClientConnection, count: int) -> AsyncIterator[dict[str, Any]]:
    completed = 0
    async with asyncio.timeout(DEADLINE):
        while completed < count:
            event = json.loads(await socket.recv())
            completed += event["type"] == "turn.complete"
            yield event


@database_sync_to_async
def replies_by_user_message(chat_id: str) -> dict[int, int]:
    """How many assistant replies each user message of the chat session got."""
    messages = Message.objects.filter(chat_session__public_id=chat_id)
    counts = {message.pk: 0 for message in messages.filter(role=Message.Role.USER)}
    for reply in messages.filter(role=Message.Role.ASSISTANT):
        counts[reply.metadata["reply_to"]] += 1
    return counts


async def test_a_socket_on_one_process_receives_the_turn_posted_to_the_other(backends):
    process_a, process_b = backends
    alice = Visitor()
    chat_id = await alice.new_chat(process_a)
    async with alice.socket(process_a, chat_id) as socket:
        assert (await events_until(socket, "session.state"))[-1]["messages"] == []
        response = await alice.say(process_b, chat_id, "what is the current block number?")
        assert response.status_code == 202, response.text
        seen = await events_until(socket, "turn.complete")
    types = [event["type"] for event in seen]
    assert types[:2] == ["message.created", "message.created"]
    assert [event["message"]["role"] for event in seen[:2]] == ["user", "assistant"]
    assert "tool.call" in types and "tool.result" in types
    assert seen[-1]["message_id"] == seen[1]["message"]["id"]


async def test_a_message_posted_to_both_processes_at_once_runs_one_turn(backends):
    process_a, process_b = backends
    alice = Visitor()
    chat_id = await alice.new_chat(process_a)
    same_id = uuid.uuid4().hex
    async with alice.socket(process_a, chat_id) as socket:
        await events_until(socket, "session.state")
        duplicates = await asyncio.gather(
            alice.say(process_a, chat_id, "what is the current block number?", same_id),
            alice.say(process_b, chat_id, "what is the current block number?", same_id),
        )
        distinct = await asyncio.gather(
            *(alice.say(p, chat_id, f"balance of alice #{i}") for i, p in enumerate(backends))
        )
        assert {r.status_code for r in [*duplicates, *distinct]} == {202}
        assert sorted(r.json()["duplicate"] for r in duplicates) == [False, True]
        events = [event async for event in turns_completed(socket, 3)]
    assert sum(event["type"] == "turn.complete" for event in events) == 3
    assert list((await replies_by_user_message(chat_id)).values()) == [1, 1, 1]


async def test_killing_one_process_leaves_every_chat_session_usable_through_the_other(backends):
    process_a, process_b = backends
    alice, bob = Visitor(), Visitor()
    chats = [
        (alice, await alice.new_chat(process_a)),
        (bob, await bob.new_chat(process_b)),
        (bob, await bob.new_chat(process_a)),
    ]
    # Process A dies with a turn possibly in flight on it.
    assert (await alice.say(process_a, chats[0][1], "balance of bob")).status_code == 202
    process_a.kill()
    for visitor, chat_id in chats:
        async with visitor.socket(process_b, chat_id) as socket:
            await events_until(socket, "session.state")
            response = await visitor.say(process_b, chat_id, "what is the current block number?")
            assert response.status_code == 202, response.text
            await events_until(socket, "turn.complete")
        replies = await replies_by_user_message(chat_id)
        assert replies[response.json()["message"]["id"]] == 1
        # Never twice; a turn that died with process A may have no reply (its cut-short
        # assistant message, if it had begun one, counts as that reply).
        assert max(replies.values()) == 1, replies
    states = await database_sync_to_async(list)(
        ChatSession.objects.filter(public_id__in=[c for _, c in chats]).values_list("status")
    )
    assert states == [(ChatSession.Status.ACTIVE,)] * 3
