"""Answers use words for people (issue 31, point 9): a failed step says what failed ("Sending
failed on testnet: …"), never a tool's name; no setting names; amounts formatted, in wei only
when the person asks in wei; small talk gets one short answer, never "did not understand".
The builtin agent through the real stack: websocket, turn, mcp_proxy, runmcp on Anvil."""

from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async

from mcp_servers.tools import TOOL_SPECS
from sessions_app.agent.actions import ACTIONS
from sessions_app.tests.agent_support import (
    answer_text,
    ask,
    make_browser,
    of_type,
    open_socket,
    point_network,
)
from testsupport import local_http

pytestmark = pytest.mark.django_db(transaction=True)

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
TOOL_NAME = re.compile(r"\b(?:" + "|".join(sorted(ACTIONS, key=len, reverse=True)) + r")\b")
SETTING_NAME = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")  # MAINNET_FORK_URL and the like
WEI = re.compile(r"\bwei\b", re.IGNORECASE)


def for_people(text: str) -> list[str]:
    """What in an answer is not for people: tool names, setting names."""
    return TOOL_NAME.findall(text) + SETTING_NAME.findall(text)


@pytest.fixture
async def socket(transactional_db, settings, anvil_testnet, mcp_testnet):
    point_network(settings, "testnet", mcp_testnet.url)
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    yield socket
    await socket.disconnect()


def wei_balance(anvil, address: str) -> int:
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_getBalance", "params": [address, "latest"]}
    return int(local_http.post(anvil.url, json=body, timeout=10).json()["result"], 16)


def test_every_tool_has_words_for_people():
    assert {spec.name for spec in TOOL_SPECS} <= set(ACTIONS)
    assert not [phrase for phrase in ACTIONS.values() if "_" in phrase]


async def test_a_failed_send_says_sending_failed_without_the_tool_name(socket):
    seen = await ask(socket, "send 100000000 ETH from alice to bob")
    assert [call["tool"] for call in of_type(seen, "tool.call")] == ["send_transaction"]
    assert of_type(seen, "tool.result")[0]["ok"] is False
    answer = answer_text(seen)
    assert answer.startswith("Sending failed on testnet: "), answer
    assert for_people(answer) == [], answer


async def test_a_failed_lookup_says_what_was_looked_up(socket):
    answer = answer_text(await ask(socket, "receipt for 0x" + "ab" * 32))
    assert answer.startswith("Looking up the receipt failed on testnet: "), answer
    assert for_people(answer) == [], answer


async def test_an_ens_name_off_mainnet_names_no_setting(socket):
    answer = answer_text(await ask(socket, "balance of vitalik.eth"))
    assert "ENS lives on mainnet" in answer, answer
    assert for_people(answer) == [], answer


async def test_a_balance_is_said_in_eth_and_in_wei_only_when_asked(socket, anvil_testnet):
    seen = await ask(socket, "balance of alice")
    answer = answer_text(seen)
    wei = of_type(seen, "tool.result")[0]["result"]["balance_wei"]  # the data keeps the wei
    assert " ETH on testnet" in answer and not WEI.search(answer) and wei not in answer, answer
    asked = answer_text(await ask(socket, "what's alice's balance in wei?"))
    assert f"In wei: {wei_balance(anvil_testnet, ALICE)}." in asked, asked
    assert for_people(answer + asked) == []


async def test_in_wei_on_something_other_than_a_balance_is_refused_plainly(socket):
    seen = await ask(socket, "gas price in wei")
    assert not of_type(seen, "tool.call")
    assert "“in wei”" in answer_text(seen) and "did not understand" not in answer_text(seen)


@pytest.mark.parametrize(
    "text, says",
    [
        ("hi! how are you?", "Hello! I'm doing well, thanks."),
        ("how are you?", "I'm doing well, thanks!"),
        ("Hey, how's it going?", "Hello! I'm doing well, thanks."),
        ("hello", "Hello!"),
    ],
)
async def test_small_talk_gets_one_short_friendly_answer(socket, text, says):
    seen = await ask(socket, text)
    answer = answer_text(seen)
    assert not of_type(seen, "tool.call")
    assert answer.startswith(says), answer
    assert "did not understand" not in answer and "Sorry" not in answer
    assert answer.count("Hello") <= 1 and len(answer) < 200
