"""Fixtures of the sessions_app tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from sessions_app.tests.fake_llm import FakeLLM


@pytest.fixture
async def fake() -> AsyncIterator[FakeLLM]:
    """A local HTTP server speaking the Anthropic and OpenAI wire formats (fake_llm.py)."""
    server = FakeLLM()
    await server.start()
    yield server
    await server.stop()


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
