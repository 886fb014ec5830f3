"""Only the holder of a live chat session may use the proxy; foreign and unknown ids look alike."""

from __future__ import annotations

import pytest

from mcp_proxy.tests.conftest import call
from sessions_app import manager
from sessions_app.models import ToolCall


@pytest.mark.django_db(transaction=True)
def test_foreign_session_is_indistinguishable_from_unknown(networks, alice, bob):
    alices_chat = alice.new_chat()
    foreign = call(bob.client(), "testnet", alices_chat.public_id, "get_block_number")
    unknown = call(bob.client(), "testnet", "x" * 32, "get_block_number")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    assert foreign.json()["error"]["code"] == "session_not_found"
    assert not ToolCall.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_tool_list_refuses_foreign_and_unknown_sessions_alike(networks, alice, bob):
    alices_chat = alice.new_chat()
    foreign = bob.client().get(f"/api/mcp/testnet/tools?session_id={alices_chat.public_id}")
    unknown = bob.client().get("/api/mcp/testnet/tools?session_id=nope")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("session_id", [None, "", 12, ["a"], "y" * 65])
def test_missing_or_malformed_session_id_is_not_found(networks, alice, session_id):
    body = {"session_id": session_id, "tool": "get_block_number", "params": {}}
    response = alice.client().post("/api/mcp/testnet", body, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "session_not_found"


@pytest.mark.django_db(transaction=True)
def test_closed_session_is_refused(networks, alice):
    chat = alice.new_chat()
    manager.close(chat)
    response = call(alice.client(), "testnet", chat.public_id, "get_block_number")
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "session_expired"


@pytest.mark.django_db(transaction=True)
def test_owner_lists_tools_with_their_schemas(networks, alice):
    chat = alice.new_chat()
    response = alice.client().get(f"/api/mcp/polygon/tools?session_id={chat.public_id}")
    assert response.status_code == 200
    tools = {tool["name"]: tool for tool in response.json()["tools"]}
    assert tools["get_balance"]["input_schema"]["required"] == ["address"]
    assert tools["get_block_number"]["read_only"] is True
