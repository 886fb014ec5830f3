"""The model providers get the builtin agent's rule, in the system prompt and in every tool
description: refuse what the tools can't do (naming the part), and name the network of every
answer. Shown on the wire, through the official SDKs, against the local fake server."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from sessions_app.agent.prompt import MAX_DESCRIPTION, tool_description
from sessions_app.tests.agent_support import (
    ask,
    make_browser,
    open_socket,
    point_network,
)
from sessions_app.tests.fake_llm import Reply

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["anthropic", "openai"])
def provider(request, settings, fake, anvil_testnet, mcp_testnet):
    point_network(settings, "testnet", mcp_testnet.url)
    settings.AGENT_PROVIDER = request.param
    settings.ANTHROPIC_API_KEY = settings.OPENAI_API_KEY = "test-key"
    settings.ANTHROPIC_BASE_URL = fake.anthropic_url
    settings.OPENAI_BASE_URL = fake.openai_url
    return request.param


def sent_prompt_and_tools(provider: str, wire: dict) -> tuple[str, list[str]]:
    if provider == "anthropic":
        return wire["system"], [tool["description"] for tool in wire["tools"]]
    system = wire["messages"][0]["content"]
    return system, [tool["function"]["description"] for tool in wire["tools"]]


async def test_system_prompt_and_every_tool_carry_the_rule(transactional_db, provider, fake):
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    fake.replies = [Reply(text="I can't price ETH: no tool gives prices.")]
    await ask(socket, "price of ETH?")
    await socket.disconnect()

    system, descriptions = sent_prompt_and_tools(provider, fake.requests[0])
    assert "Refuse what your tools can't do" in system
    assert "say plainly which part" in system
    assert "Name the network in every answer" in system and "testnet" in system
    assert "never name a tool, a setting or an environment variable" in system
    assert descriptions and all(
        d.endswith("instead of approximating.") and "Acts on testnet only" in d
        for d in descriptions
    )


def test_a_long_tool_description_keeps_the_whole_rule():
    described = tool_description("x" * 5000, "polygon")
    assert len(described) <= MAX_DESCRIPTION
    assert described.endswith(
        "name polygon with its result. If it can't do what the user "
        "asked, say so instead of approximating."
    )
