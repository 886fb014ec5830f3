"""Fixtures of the sessions_app tests."""

from __future__ import annotations

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
