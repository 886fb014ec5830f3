"""The wallet hand-off on a non-dev network (polygon, chain 137, served by a second Anvil):
prepare_transaction -> pending request + wallet.request -> the page (played by the test)
signs with eth_sendTransaction -> wallet.result -> the agent checks the receipt."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from sessions_app import manager
from sessions_app.models import WalletRequest
from sessions_app.tests.agent_support import (
    answer_text,
    ask,
    make_browser,
    of_type,
    open_socket,
    point_network,
    receive_until,
)

pytestmark = pytest.mark.django_db(transaction=True)

TARGET = "0x000000000000000000000000000000000000bEEF"


@pytest.fixture
def wallet(anvil_polygon):
    return anvil_polygon.rpc("eth_accounts")[0]


@pytest.fixture
def alice(transactional_db, settings, anvil_polygon, mcp_polygon):
    point_network(settings, "polygon", mcp_polygon.url)
    return make_browser("alice")


async def request_transfer(alice, wallet):
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    seen = await ask(socket, f"send 0.25 POL to {TARGET}", network="polygon", wallet=wallet)
    return chat, socket, seen


async def test_sent_transaction_is_checked_on_chain(alice, wallet, anvil_polygon):
    chat, socket, seen = await request_transfer(alice, wallet)
    assert of_type(seen, "tool.call")[0]["tool"] == "prepare_transaction"
    request = of_type(seen, "wallet.request")[0]
    assert request["tx"]["chainId"] in ("0x89", 137)
    stored = await database_sync_to_async(
        lambda: WalletRequest.objects.select_related("tool_call").get(chat_session=chat)
    )()
    assert (stored.public_id, stored.status, stored.network) == (
        request["request_id"],
        "pending",
        "polygon",
    )
    assert stored.tool_call.tool == "prepare_transaction" and stored.transaction == request["tx"]

    before = int(anvil_polygon.rpc("eth_getBalance", TARGET, "latest"), 16)
    tx_hash = anvil_polygon.rpc("eth_sendTransaction", request["tx"])
    await socket.send_json_to(
        {
            "type": "wallet.result",
            "request_id": request["request_id"],
            "status": "sent",
            "tx_hash": tx_hash,
        }
    )
    after_turn = await receive_until(socket, "turn.complete")
    assert of_type(after_turn, "tool.call")[0]["tool"] == "get_transaction_receipt"
    assert of_type(after_turn, "tool.result")[0]["ok"] is True
    assert answer_text(after_turn)
    assert int(anvil_polygon.rpc("eth_getBalance", TARGET, "latest"), 16) - before == 25 * 10**16
    answered = await database_sync_to_async(WalletRequest.objects.get)(chat_session=chat)
    assert (answered.status, answered.tx_hash) == ("sent", tx_hash)
    assert answered.answered_at is not None
    pending = await database_sync_to_async(lambda: chat.pending_wallet_request)()
    assert pending is None
    await socket.disconnect()


async def test_pending_request_survives_reconnect_and_can_be_rejected(alice, wallet):
    chat, socket, seen = await request_transfer(alice, wallet)
    request = of_type(seen, "wallet.request")[0]
    await socket.disconnect()
    again, state = await open_socket(alice, chat.public_id)
    assert state["session"]["pending_wallet_request"]["request_id"] == request["request_id"]
    await again.send_json_to(
        {
            "type": "wallet.result",
            "request_id": request["request_id"],
            "status": "rejected",
            "reason": "user_rejected",
        }
    )
    seen = await receive_until(again, "turn.complete")
    assert "rejected" in answer_text(seen)
    assert "You rejected it in your wallet." in answer_text(seen)
    assert not of_type(seen, "tool.call")
    await again.send_json_to(
        {"type": "wallet.result", "request_id": request["request_id"], "status": "rejected"}
    )
    error = await again.receive_json_from(timeout=10)
    assert error["code"] == "unknown_wallet_request"
    answered = await database_sync_to_async(WalletRequest.objects.get)(chat_session=chat)
    assert (answered.status, answered.reason) == ("rejected", "user_rejected")
    await again.disconnect()


async def test_pending_request_expires_with_the_session(alice, wallet):
    chat, socket, _ = await request_transfer(alice, wallet)
    await database_sync_to_async(manager.expire)(chat)
    stored = await database_sync_to_async(WalletRequest.objects.get)(chat_session=chat)
    assert stored.status == "cancelled"
    assert await database_sync_to_async(lambda: chat.pending_wallet_request)() is None
    await socket.disconnect()


async def test_send_without_wallet_asks_to_connect_one(alice):
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    seen = await ask(socket, f"send 1 POL to {TARGET}", network="polygon")
    assert "wallet" in answer_text(seen) and not of_type(seen, "tool.call")
    help_text = answer_text(await ask(socket, "help", network="polygon"))
    assert "from alice" not in help_text and "your wallet signs" in help_text
    await socket.disconnect()


async def test_my_balance_uses_the_connected_wallet(alice, wallet):
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    seen = await ask(socket, "what's my balance?", network="polygon", wallet=wallet)
    call = of_type(seen, "tool.call")[0]
    assert call["tool"] == "get_balance" and call["arguments"] == {"address": wallet}
    assert of_type(seen, "tool.result")[0]["ok"] is True
    await socket.disconnect()
