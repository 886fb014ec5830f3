"""The chat websocket: owner check, history on connect, malformed frames."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from sessions_app.consumers import CLOSE_NOT_FOUND
from sessions_app.tests.agent_support import (
    make_browser,
    open_socket,
    receive_until,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alice(transactional_db):
    return make_browser("alice")


@pytest.fixture
def bob(transactional_db):
    return make_browser("bob")


async def closed_code(socket) -> int:
    connected, _ = await socket.connect(timeout=10)
    assert connected
    output = await socket.receive_output(timeout=10)
    assert output["type"] == "websocket.close"
    # End the consumer inside this test's loop, not in the loop's teardown.
    await socket.disconnect()
    return output["code"]


async def test_owner_connects_and_gets_history(alice):
    chat = await database_sync_to_async(alice.new_chat)()
    await database_sync_to_async(chat.add_message)("user", "hello there")
    socket, state = await open_socket(alice, chat.public_id)
    assert state["session"]["id"] == chat.public_id
    assert [m["content"] for m in state["messages"]] == ["hello there"]
    await socket.disconnect()


async def test_foreign_session_is_indistinguishable_from_unknown(alice, bob):
    chat = await database_sync_to_async(alice.new_chat)()
    foreign = await closed_code(bob.socket(chat.public_id))
    unknown = await closed_code(bob.socket("x" * 32))
    assert foreign == unknown == CLOSE_NOT_FOUND


async def test_socket_without_browser_session_is_refused_alike(alice):
    from channels.testing import WebsocketCommunicator

    from chatproject.asgi import application

    chat = await database_sync_to_async(alice.new_chat)()
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    socket = WebsocketCommunicator(application, f"/ws/sessions/{chat.public_id}/", headers=headers)
    assert await closed_code(socket) == CLOSE_NOT_FOUND


@pytest.mark.parametrize(
    "frame, code",
    [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_event"),
        ('{"type": "chat.dance"}', "bad_event"),
        ('{"type": "chat.message", "text": "", "network": "testnet"}', "bad_event"),
        ('{"type": "chat.message", "text": 5, "network": "testnet"}', "bad_event"),
        ('{"type": "chat.message", "text": "hi", "network": "nowhere"}', "unknown_network"),
        ('{"type": "wallet.result", "request_id": "x", "status": "sent"}', "bad_event"),
        (
            '{"type": "wallet.result", "request_id": "x", "status": "rejected"}',
            "unknown_wallet_request",
        ),
    ],
)
async def test_malformed_frame_gets_error_and_socket_stays_usable(alice, frame, code):
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    await socket.send_to(text_data=frame)
    error = await socket.receive_json_from(timeout=10)
    assert error["type"] == "error" and error["code"] == code, error
    await socket.send_json_to({"type": "chat.message", "text": "help", "network": "testnet"})
    seen = await receive_until(socket, "turn.complete")
    assert "I understand" in "".join(e.get("text", "") for e in seen)
    await socket.disconnect()


async def test_oversized_message_is_refused(alice, settings):
    settings.MAX_MESSAGE_CHARS = 10
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    await socket.send_json_to({"type": "chat.message", "text": "x" * 11, "network": "testnet"})
    error = await socket.receive_json_from(timeout=10)
    assert error["code"] == "message_too_long"
    await socket.disconnect()


async def test_expired_session_takes_a_message_and_is_active_again(alice):
    from sessions_app import manager

    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    await database_sync_to_async(manager.expire)(chat)
    await socket.send_json_to({"type": "chat.message", "text": "help", "network": "testnet"})
    created = await socket.receive_json_from(timeout=10)
    assert created["type"] == "message.created" and created["message"]["content"] == "help"
    await database_sync_to_async(chat.refresh_from_db)()
    assert chat.status == "active"
    await socket.disconnect()
