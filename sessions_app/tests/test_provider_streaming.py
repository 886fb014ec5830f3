"""The anthropic and openai providers through their official SDKs against a local fake server
speaking each streaming wire format: text streaming, a tool round against the real testnet
runmcp server, history replay in the provider's own format, and a provider error."""

from __future__ import annotations

import asyncio
import time

import pytest
from channels.db import database_sync_to_async

from sessions_app.models import ChatSession, Message
from sessions_app.tests.agent_support import (
    answer_text,
    ask,
    make_browser,
    of_type,
    open_socket,
    point_network,
    shown_status,
    stored_message,
)
from sessions_app.tests.fake_llm import Reply

pytestmark = pytest.mark.django_db(transaction=True)

PROVIDERS = ["anthropic", "openai"]


@pytest.fixture(params=PROVIDERS)
def provider(request, settings, fake, anvil_testnet, mcp_testnet):
    point_network(settings, "testnet", mcp_testnet.url)
    settings.AGENT_PROVIDER = request.param
    settings.ANTHROPIC_API_KEY = "test-key"
    settings.ANTHROPIC_BASE_URL = fake.anthropic_url
    settings.OPENAI_API_KEY = "test-key"
    settings.OPENAI_BASE_URL = fake.openai_url
    return request.param


@pytest.fixture
async def socket(transactional_db, provider):
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    yield socket
    await socket.disconnect()


async def test_text_streams_as_deltas_and_is_recorded(socket, fake):
    fake.replies = [Reply(text="Hello from the model, streaming in pieces.")]
    seen = await ask(socket, "hi")
    assert len(of_type(seen, "assistant.delta")) >= 1
    assert answer_text(seen) == "Hello from the model, streaming in pieces."
    message = await database_sync_to_async(Message.objects.get)(pk=seen[-1]["message_id"])
    assert message.content == "Hello from the model, streaming in pieces."


async def test_tool_round_calls_the_real_server_and_answers_after_seeing_the_result(
    socket, fake, provider
):
    fake.replies = [
        Reply(text="Let me look.", tool="get_balance", arguments={"address": "alice"}),
        Reply(text="Alice has plenty of ETH."),
    ]
    seen = await ask(socket, "what does alice have?")
    call = of_type(seen, "tool.call")[0]
    assert call["tool"] == "get_balance" and call["arguments"] == {"address": "alice"}
    assert of_type(seen, "tool.result")[0]["ok"] is True
    assert answer_text(seen).endswith("Alice has plenty of ETH.")
    second = fake.requests[1]
    wire = str(second["messages"])
    assert "get_balance" in wire and "ETH" in wire  # the tool result went back to the model
    if provider == "anthropic":
        assert second["tools"][0]["input_schema"]
        assert second["messages"][-1]["content"][0]["type"] == "tool_result"
    else:
        assert second["tools"][0]["type"] == "function"
        assert second["messages"][-1]["role"] == "tool"


async def test_history_is_replayed_with_tool_calls(socket, fake, provider):
    fake.replies = [
        Reply(tool="get_block_number"),
        Reply(text="The chain is at some block."),
        Reply(text="You asked about the block number."),
    ]
    await ask(socket, "block number?")
    await ask(socket, "what did I ask?")
    wire = fake.requests[2]
    flat = str(wire["messages"])
    assert "block number?" in flat and "get_block_number" in flat
    assert "The chain is at some block." in flat
    if provider == "openai":
        assert wire["messages"][0]["role"] == "system"
        assert "chain id 31337" in wire["messages"][0]["content"]
    else:
        assert "chain id 31337" in wire["system"]
        assert wire["messages"][0]["role"] == "user"


async def test_first_turn_gets_a_title_from_the_model(socket, fake):
    fake.replies = [Reply(text="Hi.")]
    fake.title = "Greeting the assistant"
    await ask(socket, "hello there, who are you?")
    deadline = time.monotonic() + 30
    while not fake.title_requests or await current_title() != "Greeting the assistant":
        assert time.monotonic() < deadline, "no model title"
        await asyncio.sleep(0.05)
    assert "hello there" in str(fake.title_requests[0]["messages"])


async def current_title() -> str:
    return await database_sync_to_async(lambda: ChatSession.objects.get().title)()


async def test_provider_error_ends_with_error_event_and_session_stays_usable(socket, fake):
    fake.replies = [Reply(status=529), Reply(text="Back again.")]
    seen = await ask(socket, "hi")
    error = of_type(seen, "error")[0]
    assert error["code"] == "provider_error" and "529" in error["message"]
    message = await stored_message(seen[-1]["message_id"])
    assert shown_status(message) == "error"
    assert "529" in message.content
    assert answer_text(await ask(socket, "again")) == "Back again."


async def test_runaway_tool_loop_is_capped(socket, fake, settings):
    settings.AGENT_MAX_TOOL_ROUNDS = 2
    fake.replies = [
        Reply(tool="get_gas_price"),
        Reply(tool="get_gas_price"),
        Reply(tool="get_gas_price"),
    ]
    seen = await ask(socket, "loop forever")
    assert len(of_type(seen, "tool.call")) == 2
    assert "stopped after 2 rounds" in answer_text(seen)
