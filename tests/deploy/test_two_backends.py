"""Two daphne processes over one PostgreSQL and one Redis, as behind nginx without affinity.

A socket on one process sees the turn of a message posted to the other; a turn never runs
twice; when one process dies, every chat session goes on through the other.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from channels.db import database_sync_to_async
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import ClientConnection

from sessions_app.models import ChatSession, Message
from tests.deploy.helpers import DEADLINE, Visitor, events_until
from testsupport import local_http
from testsupport.processes import Daphne


async def turns_completed(socket: ClientConnection, count: int) -> AsyncIterator[dict[str, Any]]:
    completed = 0
    async with asyncio.timeout(DEADLINE):
        while completed < count:
            event = json.loads(await socket.recv())
            completed += event["type"] == "turn.complete"
            yield event


async def until_answered(socket: ClientConnection, message_id: int) -> None:
    """Read events until the turn answering ``message_id`` completes (others may come first)."""
    answer_id = None
    async with asyncio.timeout(DEADLINE):
        while True:
            event = json.loads(await socket.recv())
            if event["type"] == "message.created":
                if event["message"]["metadata"].get("reply_to") == message_id:
                    answer_id = event["message"]["id"]
            elif event["type"] == "turn.complete" and event["message_id"] == answer_id:
                return


@database_sync_to_async
def replies_by_user_message(chat_id: str) -> dict[int, int]:
    """How many assistant replies each user message of the chat session got."""
    messages = Message.objects.filter(chat_session__public_id=chat_id)
    counts = {message.pk: 0 for message in messages.filter(role=Message.Role.USER)}
    for reply in messages.filter(role=Message.Role.ASSISTANT).select_related("answered_turn"):
        counts[reply.answered_turn.request_id] += 1
    return counts


def _scrape(backend: Daphne) -> dict[tuple[str, tuple], float]:
    text = local_http.get(f"{backend.base_url}/metrics", timeout=DEADLINE).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


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
    # The process that ran the turn counted it, and each tool call once.
    metrics = _scrape(process_b)
    assert metrics[("chat_turns_total", (("network", "testnet"), ("outcome", "ok")))] == 1
    tool_calls = sum(v for (name, _), v in metrics.items() if name == "mcp_tool_calls_total")
    assert tool_calls == types.count("tool.call")


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
            await until_answered(socket, response.json()["message"]["id"])
        # Every message exactly once, the one in flight on process A included: answered there
        # (a cut-short answer counts) or, if its turn had not begun, by B before the new one.
        assert set((await replies_by_user_message(chat_id)).values()) == {1}, chat_id
    states = await database_sync_to_async(list)(
        ChatSession.objects.filter(public_id__in=[c for _, c in chats]).values_list("status")
    )
    assert states == [(ChatSession.Status.ACTIVE,)] * 3
