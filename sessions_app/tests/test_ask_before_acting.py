"""Ask before acting, through the real Anthropic and OpenAI SDKs (a fake server speaking their
wire formats) and the real testnet MCP server: a send_transaction from a dev account waits for
the person's Confirm on a card that a reload and another tab show; Confirm runs it once and
tells the agent; Reject runs nothing and tells the agent the person declined. The builtin
agent, and a chat that turned the setting off, act at once."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from sessions_app.models import Message, ToolCall, WalletRequest
from sessions_app.tests.agent_support import (
    ask,
    make_browser,
    of_type,
    open_socket,
    point_network,
    receive_until,
)
from sessions_app.tests.fake_llm import Reply
from testsupport import local_http

pytestmark = pytest.mark.django_db(transaction=True)

BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # Anvil account 1
SEND = {"from_address": "alice", "to": "bob", "value": "1"}


def balance(rpc_url: str, address: str) -> int:
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_getBalance", "params": [address, "latest"]}
    return int(local_http.post(rpc_url, json=body, timeout=10).json()["result"], 16)


@pytest.fixture
def testnet_agent(settings, fake, anvil_testnet, mcp_testnet):
    """The LLM provider named by the test, over the fake server, on the real testnet."""
    point_network(settings, "testnet", mcp_testnet.url)
    settings.ANTHROPIC_API_KEY = settings.OPENAI_API_KEY = "test-key"
    settings.ANTHROPIC_BASE_URL = fake.anthropic_url
    settings.OPENAI_BASE_URL = fake.openai_url

    def use(provider: str) -> None:
        settings.AGENT_PROVIDER = provider

    return use


async def chat_of(name: str):
    browser = await database_sync_to_async(make_browser)(name)
    return browser, await database_sync_to_async(browser.new_chat)()


async def asks_to_send(fake, socket) -> dict:
    """The agent asks to send 1 ETH from alice to bob; the card it makes."""
    fake.replies = [Reply(tool="send_transaction", arguments=SEND), Reply(text="Please confirm.")]
    seen = await ask(socket, "send 1 ETH from alice to bob")
    waiting = of_type(seen, "tool.result")[0]
    assert waiting["ok"] is True and waiting["result"] == {"awaiting_confirmation": True}
    (card,) = of_type(seen, "wallet.request")
    assert card["kind"] == "confirm" and card["tx"] is None
    assert card["summary"] == {"tool": "send_transaction", "arguments": SEND}
    return card


def told_to_model(fake) -> str:
    return json.dumps(fake.requests[-1])


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
async def test_a_confirmed_send_runs_once_and_the_agent_hears_of_it(
    provider, testnet_agent, fake, transactional_db, anvil_testnet
):
    testnet_agent(provider)
    alice, chat = await chat_of("alice")
    socket, state = await open_socket(alice, chat.public_id)
    assert state["session"]["confirm_actions"] is True  # the LLM providers' default
    bob_before = balance(anvil_testnet.url, BOB)
    card = await asks_to_send(fake, socket)
    assert balance(anvil_testnet.url, BOB) == bob_before  # nothing ran yet

    # A reload, and another tab of the chat, show the same card.
    reloaded = (await alice.async_client().get(f"/api/sessions/{chat.public_id}")).json()
    assert reloaded["session"]["pending_wallet_request"]["request_id"] == card["request_id"]
    other_tab, other_state = await open_socket(alice, chat.public_id)
    assert other_state["session"]["pending_wallet_request"]["kind"] == "confirm"

    fake.replies = [Reply(text="Sent.")]
    answer = {"type": "wallet.result", "request_id": card["request_id"], "status": "confirmed"}
    await socket.send_json_to(answer)
    seen = await receive_until(socket, "turn.complete")
    await other_tab.send_json_to(answer)  # the second tab's Confirm comes too late
    late = await receive_until(other_tab, "error")
    await other_tab.disconnect()
    await socket.disconnect()

    assert late[-1]["code"] == "unknown_wallet_request"
    assert balance(anvil_testnet.url, BOB) == bob_before + 10**18  # sent once
    ran = [e for e in of_type(seen, "tool.result") if e["call_id"] == of_call(seen, card)]
    tx_hash = ran[0]["result"]["tx_hash"]
    outcome = await database_sync_to_async(
        lambda: Message.objects.get(chat_session=chat, metadata__kind="wallet_result")
    )()
    assert outcome.metadata["wallet_status"] == "confirmed"
    assert outcome.metadata["tx_hash"] == tx_hash
    assert outcome.content.startswith("The person confirmed send_transaction; it ran:")
    assert "The person confirmed send_transaction" in told_to_model(fake)
    stored = await database_sync_to_async(ToolCall.objects.get)(chat_session=chat)
    assert stored.result["data"]["tx_hash"] == tx_hash  # a reload shows the real result


def of_call(seen: list[dict], card: dict) -> str:
    """The call id of the confirmed call: the tool.result that carries a tx hash."""
    results = [e for e in of_type(seen, "tool.result") if "tx_hash" in (e.get("result") or {})]
    return results[0]["call_id"]


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
async def test_a_rejected_send_runs_nothing_and_the_agent_hears_the_person_declined(
    provider, testnet_agent, fake, transactional_db, anvil_testnet
):
    testnet_agent(provider)
    alice, chat = await chat_of("alice")
    socket, _ = await open_socket(alice, chat.public_id)
    bob_before = balance(anvil_testnet.url, BOB)
    card = await asks_to_send(fake, socket)
    fake.replies = [Reply(text="Understood, nothing was sent.")]
    await socket.send_json_to(
        {
            "type": "wallet.result",
            "request_id": card["request_id"],
            "status": "rejected",
            "reason": "rejected_on_card",
        }
    )
    await receive_until(socket, "turn.complete")
    await socket.disconnect()
    assert balance(anvil_testnet.url, BOB) == bob_before
    assert "The person declined it: sending did not run." in told_to_model(fake)
    request = await database_sync_to_async(WalletRequest.objects.get)(chat_session=chat)
    assert request.status == WalletRequest.Status.REJECTED


async def test_a_chat_that_turned_it_off_sends_at_once(
    testnet_agent, fake, transactional_db, anvil_testnet
):
    testnet_agent("openai")
    alice, chat = await chat_of("alice")
    turned = await alice.async_client().post(
        f"/api/sessions/{chat.public_id}/confirm-actions",
        {"on": False},
        content_type="application/json",
    )
    assert turned.json()["session"]["confirm_actions"] is False
    socket, _ = await open_socket(alice, chat.public_id)
    bob_before = balance(anvil_testnet.url, BOB)
    fake.replies = [Reply(tool="send_transaction", arguments=SEND), Reply(text="Sent.")]
    seen = await ask(socket, "send 1 ETH from alice to bob")
    await socket.disconnect()
    assert not of_type(seen, "wallet.request")
    assert balance(anvil_testnet.url, BOB) == bob_before + 10**18


async def test_the_builtin_agent_does_not_ask_by_default(settings, transactional_db):
    settings.AGENT_PROVIDER = "builtin"
    alice, chat = await chat_of("alice")
    detail = await alice.async_client().get(f"/api/sessions/{chat.public_id}")
    assert detail.json()["session"]["confirm_actions"] is False
