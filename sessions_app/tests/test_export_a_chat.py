"""Export a chat as a Markdown or JSON download: messages, each tool call with its arguments
and result, and the transaction hashes; the owner only."""

from __future__ import annotations

import json

import pytest

from sessions_app.models import ChatSession, ToolCall
from sessions_app.tests.agent_support import make_browser

pytestmark = pytest.mark.django_db

TX = "0x" + "cd" * 32
WALLET_TX = "0x" + "ef" * 32


def conversation(chat: ChatSession) -> None:
    chat.title = "Pay bob"
    chat.save(update_fields=["title"])
    chat.add_message("user", "send 1 ETH from alice to bob")
    answer = chat.add_message("assistant", "Done: alice sent 1 ETH to bob.")
    ToolCall.objects.create(
        chat_session=chat,
        message=answer,
        call_id="call_1",
        network="testnet",
        tool="send_transaction",
        arguments={"from_address": "alice", "to": "bob", "value": "1"},
        result={"ok": True, "text": "sent", "data": {"tx_hash": TX, "status": "success"}},
    )
    chat.add_message(
        "system",
        "Wallet: the user signed and sent the transaction.",
        {"kind": "wallet_result", "tx_hash": WALLET_TX, "network": "polygon"},
    )


def export(browser, chat_id: str, chosen: str):
    return browser.client().get(f"/api/sessions/{chat_id}/export", {"format": chosen})


def test_json_export_holds_messages_tool_calls_and_hashes():
    alice = make_browser("alice")
    chat = alice.new_chat()
    conversation(chat)
    response = export(alice, chat.public_id, "json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="chat-pay-bob.json"'
    data = json.loads(response.content)
    roles = [m["role"] for m in data["messages"]]
    assert roles == ["user", "assistant", "system"]
    call = data["messages"][1]["tool_calls"][0]
    assert call["tool"] == "send_transaction" and call["arguments"]["to"] == "bob"
    assert call["result"]["tx_hash"] == TX and call["ok"] is True
    hashes = {tx["hash"]: tx["network"] for tx in data["transactions"]}
    assert hashes == {TX: "testnet", WALLET_TX: "polygon"}


def test_markdown_export_reads_as_a_transcript():
    alice = make_browser("alice")
    chat = alice.new_chat()
    conversation(chat)
    response = export(alice, chat.public_id, "md")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    assert response["Content-Disposition"] == 'attachment; filename="chat-pay-bob.md"'
    text = response.content.decode()
    assert text.startswith("# Pay bob")
    assert "## You" in text and "send 1 ETH from alice to bob" in text
    assert "**Tool `send_transaction`** on testnet" in text and '"to": "bob"' in text
    assert f"- `{TX}` (testnet)" in text and f"- `{WALLET_TX}` (polygon)" in text


def test_an_unknown_format_is_refused():
    alice = make_browser("alice")
    chat = alice.new_chat()
    response = export(alice, chat.public_id, "pdf")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_format"


def test_a_foreign_chat_exports_like_an_unknown_one():
    alice, mallory = make_browser("alice"), make_browser("mallory")
    chat = alice.new_chat()
    conversation(chat)
    foreign = export(mallory, chat.public_id, "json")
    unknown = export(mallory, "y" * 32, "json")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.content == unknown.content and b"bob" not in foreign.content
