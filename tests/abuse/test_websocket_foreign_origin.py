"""Cross-site websocket hijacking: a page on another origin, riding the victim's cookie,
gets no socket and no history; the chat's own origin does."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings

from chatproject.asgi import application
from sessions_app.tests.agent_support import make_browser

pytestmark = pytest.mark.django_db(transaction=True)

FOREIGN_ORIGINS = [
    b"https://evil.example",
    b"http://127.0.0.1.evil.example",
    b"http://evil.example:8080",
    b"null",
    b"file://",
    b"",
]


def socket_from(origin: bytes | None, session_key: str, chat_id: str) -> WebsocketCommunicator:
    cookie = f"{django_settings.SESSION_COOKIE_NAME}={session_key}".encode()
    headers = [(b"host", b"127.0.0.1"), (b"cookie", cookie)]
    if origin is not None:
        headers.append((b"origin", origin))
    return WebsocketCommunicator(application, f"/ws/sessions/{chat_id}/", headers=headers)


@pytest.fixture
def alice_chat(transactional_db):
    alice = make_browser("alice")
    return alice, alice.new_chat()


@pytest.mark.parametrize("origin", [*FOREIGN_ORIGINS, None])
async def test_foreign_or_missing_origin_gets_no_socket_even_with_the_cookie(alice_chat, origin):
    alice, chat = alice_chat
    socket = socket_from(origin, alice.session_key, chat.public_id)
    connected, _ = await socket.connect(timeout=10)
    assert not connected
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


@pytest.mark.parametrize("origin", [b"http://127.0.0.1", b"http://127.0.0.1:80"])
async def test_the_chats_own_origin_is_accepted(alice_chat, origin):
    alice, chat = alice_chat
    socket = socket_from(origin, alice.session_key, chat.public_id)
    connected, _ = await socket.connect(timeout=10)
    assert connected
    state = await socket.receive_json_from(timeout=10)
    assert state["type"] == "session.state" and state["session"]["id"] == chat.public_id
    await socket.disconnect()


async def test_foreign_origin_refusal_leaves_the_session_untouched(alice_chat):
    alice, chat = alice_chat
    socket = socket_from(b"https://evil.example", alice.session_key, chat.public_id)
    await socket.send_json_to({"type": "chat.message", "text": "send 1 eth to bob"})
    connected, _ = await socket.connect(timeout=10)
    assert not connected
    await socket.disconnect()
    assert await database_sync_to_async(chat.messages.count)() == 0
