"""Fixtures of the sessions_app tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import psycopg
import pytest
from django.db import connection

from sessions_app import turns
from sessions_app.models import ChatSession, Turn
from sessions_app.tests.agent_support import make_browser
from sessions_app.tests.fake_llm import FakeLLM


@pytest.fixture
async def fake() -> AsyncIterator[FakeLLM]:
    """A local HTTP server speaking the Anthropic and OpenAI wire formats (fake_llm.py)."""
    server = FakeLLM()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def alice_chat() -> ChatSession:
    return make_browser("alice").new_chat()


@pytest.fixture
def alice_turn(alice_chat: ChatSession) -> Turn:
    """Alice's balance question, its turn running with its (empty) answer begun."""
    turn = turns.store(alice_chat, "user", "balance of alice", {"network": "testnet"}).turn
    assert turn is not None and turn.answer_id is not None
    return turn


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """This thread's round trips to PostgreSQL, one entry each: "pipeline" (its statements go
    out together and end with one Sync) or the SQL of a statement sent alone."""
    seen: list[str] = []
    pipeline = psycopg.Connection.pipeline

    def counted(conn: psycopg.Connection[object]) -> object:
        seen.append("pipeline")
        return pipeline(conn)

    def alone(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if context["connection"].connection._pipeline is None:
            seen.append(sql)
        return execute(sql, params, many, context)

    monkeypatch.setattr(psycopg.Connection, "pipeline", counted)
    with connection.execute_wrapper(alone):
        yield seen


@pytest.fixture(autouse=True)
async def _finish_background_turns() -> AsyncIterator[None]:
    """Let this test's turn tasks end in its own event loop: a channel-layer receive left
    pending in a closed loop would break the (process-wide) Redis layer for later tests."""
    yield
    from sessions_app.agent import interrupts, runner

    pending = [task for task in runner._background if not task.done()]
    if pending:
        await asyncio.wait(pending, timeout=10)
    await interrupts.settle()
