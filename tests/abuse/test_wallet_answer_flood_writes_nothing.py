"""300 wallet.result frames answering nothing open no write transaction, and are rate limited
(issue 27, finding 10: each opened a transaction that locked the session's wallet requests).

Through the real ASGI stack (origin check, session, consumer) on PostgreSQL and Redis, in this
process, so that every statement of the chat's database threads can be watched: each is
recorded with whether it ran inside a transaction (``in_atomic_block``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db.backends.signals import connection_created

from chatproject.lib import dbthreads
from sessions_app.models import WalletRequest
from sessions_app.tests.agent_support import open_socket

pytestmark = pytest.mark.django_db(transaction=True)

FLOOD = 300
WRITES = ("INSERT", "UPDATE", "DELETE", "SAVEPOINT")


class Statements:
    """Every statement of every database connection opened while it listens."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.seen.append((sql, context["connection"].in_atomic_block))
        return execute(sql, params, many, context)

    def attach(self, sender: Any, connection: Any, **kwargs: Any) -> None:
        connection.execute_wrappers.append(self)

    def writes(self) -> list[str]:
        return [
            sql
            for sql, in_transaction in self.seen
            if in_transaction or "FOR UPDATE" in sql or sql.lstrip().upper().startswith(WRITES)
        ]


@pytest.fixture
def statements() -> Iterator[Statements]:
    recorder = Statements()
    dbthreads.shutdown()  # the chat's database threads reconnect, through the recorder
    connection_created.connect(recorder.attach)
    try:
        yield recorder
    finally:
        connection_created.disconnect(recorder.attach)
        dbthreads.shutdown()


async def answers(socket: Any, count: int) -> list[dict[str, Any]]:
    """The next ``count`` error events (one per refused frame)."""
    seen = []
    while len(seen) < count:
        event = await socket.receive_json_from(timeout=30)
        if event["type"] == "error":
            seen.append(event)
    return seen


async def test_answers_to_nothing_open_no_write_transaction_and_are_limited(alice, statements):
    chat = await sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    statements.seen.clear()  # connect's own work is not the flood's
    frame = {"type": "wallet.result", "request_id": "nothing-here", "status": "rejected"}
    for _ in range(FLOOD):
        await socket.send_json_to(frame)
    codes = [event["code"] for event in await answers(socket, FLOOD)]
    await socket.disconnect()
    assert statements.writes() == []
    assert set(codes) == {"rate_limited", "unknown_wallet_request"}
    assert codes.count("rate_limited") >= FLOOD - 60, codes.count("rate_limited")


async def test_a_pending_request_is_still_answered(alice, statements):
    """The check is not a wall: the answer to the chat's real pending request is taken."""
    chat = await sync_to_async(alice.new_chat)()
    pending = await sync_to_async(WalletRequest.objects.create)(
        chat_session=chat, network="testnet", description="a send"
    )
    socket, _ = await open_socket(alice, chat.public_id)
    await socket.send_json_to(
        {"type": "wallet.result", "request_id": pending.public_id, "status": "rejected"}
    )
    async with asyncio.timeout(30):
        while (await sync_to_async(lambda: WalletRequest.objects.get(pk=pending.pk).status)()) == (
            WalletRequest.Status.PENDING
        ):
            await asyncio.sleep(0.1)
    await socket.disconnect()
