"""Websocket Origin: scheme, host and port must match the site's own origin (or one of
CSRF_TRUSTED_ORIGINS). Another local app (``http://localhost:1234``) or the same host name on
another scheme (``https://localhost``) is refused, cookie or not (item 8 of the review)."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings

from chatproject.asgi import application
from sessions_app.tests.agent_support import make_browser

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alice_chat(transactional_db, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "backend"]
    alice = make_browser("alice")
    return alice, alice.new_chat()


async def connects(alice_chat, host: str, origin: str, *extra: tuple[bytes, bytes]) -> bool:
    alice, chat = alice_chat
    cookie = f"{django_settings.SESSION_COOKIE_NAME}={alice.session_key}".encode()
    headers = [(b"host", host.encode()), (b"origin", origin.encode()), (b"cookie", cookie)]
    socket = WebsocketCommunicator(
        application, f"/ws/sessions/{chat.public_id}/", [*headers, *extra]
    )
    connected, _ = await socket.connect(timeout=10)
    if connected:
        assert (await socket.receive_json_from(timeout=10))["type"] == "session.state"
    await socket.disconnect()
    return connected


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:1234",  # another app on the same machine
        "https://localhost",  # another scheme, another port
        "https://localhost:8080",  # another scheme
        "http://localhost",  # port 80, not 8080
        "http://127.0.0.1:8080",  # another host name for the same machine
        "ws://localhost:8080",
        "http://localhost:8080.evil.example",
    ],
)
async def test_same_host_name_on_another_scheme_or_port_is_refused(alice_chat, origin):
    assert not await connects(alice_chat, "localhost:8080", origin)


async def test_the_sites_own_origin_is_accepted(alice_chat):
    assert await connects(alice_chat, "localhost:8080", "http://localhost:8080")
    assert await connects(alice_chat, "localhost", "http://localhost:80")


async def test_behind_a_tls_proxy_only_the_https_origin_is_accepted(alice_chat, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proto = (b"x-forwarded-proto", b"https")
    assert await connects(alice_chat, "localhost", "https://localhost", proto)
    assert not await connects(alice_chat, "localhost", "http://localhost", proto)


async def test_csrf_trusted_origins_are_accepted_exactly(alice_chat, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://chat.example.com", "https://*.corp.example"]
    assert await connects(alice_chat, "backend:8080", "https://chat.example.com")
    assert await connects(alice_chat, "backend:8080", "https://eu.corp.example")
    assert not await connects(alice_chat, "backend:8080", "http://chat.example.com")
    assert not await connects(alice_chat, "backend:8080", "https://chat.example.com:8443")
    assert not await connects(alice_chat, "backend:8080", "https://corp.example.evil")


async def test_a_host_outside_allowed_hosts_is_refused_even_when_origin_matches(alice_chat):
    assert not await connects(alice_chat, "evil.example", "http://evil.example")
