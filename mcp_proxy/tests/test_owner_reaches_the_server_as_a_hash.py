"""Every tool call carries its chat's owner to the MCP server, hashed, in ``_meta``: the spend
caps count per owner, so two chats of one owner share one tag and another owner's differs.

What is checked is what the proxy hands to its transport on the way to a real runmcp server
(which answers every call here), through both callers: the /api/mcp endpoint and the agent.
"""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model

from mcp_proxy import client
from mcp_proxy.tests.conftest import call
from sessions_app import manager
from sessions_app.models import ChatSession
from sessions_app.owner import Owner
from sessions_app.tests.agent_support import ask, make_browser, of_type, open_socket
from testsupport.browsers import Browser

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sent_meta(monkeypatch) -> list[dict[str, str]]:
    """The ``_meta`` of every tools/call the proxy sends, recorded on its way to the server."""
    sent: list[dict[str, str]] = []
    real = client._pool.request

    async def recording(network, method, params, deadline, retry):
        if method == "tools/call":
            sent.append(dict(params.get("_meta", {})))
        return await real(network, method, params, deadline, retry)

    monkeypatch.setattr(client._pool, "request", recording)
    return sent


def call_from(browser: Browser, chat: ChatSession) -> None:
    answer = call(browser.client(), "testnet", chat.public_id, "get_block_number")
    assert answer.status_code == 200, answer.json()


def test_two_chats_of_one_browser_carry_one_owner_tag_and_another_browser_another(
    networks, unlimited, alice, bob, sent_meta
):
    first, second, bobs = alice.new_chat(), alice.new_chat(), bob.new_chat()
    call_from(alice, first)
    call_from(alice, second)
    call_from(bob, bobs)
    owners = [meta["evmchat/owner"] for meta in sent_meta]
    assert owners[0] == owners[1] == client.owner_tag(first.owner_ref)
    assert owners[2] == client.owner_tag(bobs.owner_ref) != owners[0]
    sessions = [meta["evmchat/session"] for meta in sent_meta]
    assert len(set(sessions)) == 3  # the chats stay apart; their owner is what they share


def test_the_server_never_sees_the_browser_key_or_the_chat_id(networks, alice, sent_meta):
    chat = alice.new_chat()
    call_from(alice, chat)
    sent = str(sent_meta)
    for secret in (alice.session_key, chat.owner_key, chat.public_id, chat.owner_ref):
        assert secret not in sent


def test_an_accounts_chats_share_one_tag_across_browsers(networks, unlimited, sent_meta):
    carol = get_user_model().objects.create_user("carol", password="not-used-here")
    laptop, phone = make_browser("carol-laptop"), make_browser("carol-phone")
    chats = []
    for browser in (laptop, phone):
        owner = Owner(session_key=browser.session_key, user_id=carol.pk)
        chats.append(manager.create_chat_session(owner))
    for browser, chat in zip((laptop, phone), chats, strict=True):
        session = browser.client()
        session.force_login(carol)
        answer = call(session, "testnet", chat.public_id, "get_block_number")
        assert answer.status_code == 200, answer.json()
    owners = {meta["evmchat/owner"] for meta in sent_meta}
    assert owners == {client.owner_tag(f"user:{carol.pk}")}


async def test_the_agents_calls_carry_the_chats_owner(networks, sent_meta):
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    try:
        seen = await ask(socket, "what's the block number?")
    finally:
        await socket.disconnect()
    assert [c["tool"] for c in of_type(seen, "tool.call")] == ["get_block_number"]
    assert sent_meta == [
        {
            "evmchat/session": client.session_tag(chat.public_id),
            "evmchat/owner": client.owner_tag(chat.owner_ref),
        }
    ]
