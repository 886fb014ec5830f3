"""Test actors (alice, bob): browsers that own chat sessions through a real Django session
cookie, and the network table pointed at the test's own servers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import AsyncClient, Client

from sessions_app import manager
from sessions_app.models import ChatSession
from sessions_app.owner import Owner


def point_network(settings: Any, name: str, *mcp_urls: str) -> None:
    """Point the backend's network at these MCP servers (none: not configured), replacing the
    network table in settings (never mutating the shared one). The backend holds no RPC URL:
    the servers have their own."""
    table = dict(settings.NETWORKS)
    table[name] = replace(table[name], rpc_url="", mcp_urls=tuple(mcp_urls))
    settings.NETWORKS = table


@dataclass
class Browser:
    """A person's browser: a Django session cookie that owns chat sessions."""

    name: str
    session_key: str

    @property
    def owner(self) -> Owner:
        return Owner(session_key=self.session_key)

    def new_chat(self) -> ChatSession:
        return manager.create_chat_session(self.owner)

    def client(self, **kwargs: Any) -> Client:
        client = Client(**kwargs)
        client.cookies[django_settings.SESSION_COOKIE_NAME] = self.session_key
        return client

    def async_client(self) -> AsyncClient:
        client = AsyncClient()
        client.cookies[django_settings.SESSION_COOKIE_NAME] = self.session_key
        return client

    def socket(self, chat_id: str) -> WebsocketCommunicator:
        """A websocket through the real ASGI stack (origin check, session, owner check)."""
        from chatproject.asgi import application

        cookie = f"{django_settings.SESSION_COOKIE_NAME}={self.session_key}".encode()
        headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookie)]
        return WebsocketCommunicator(application, f"/ws/sessions/{chat_id}/", headers=headers)


def make_browser(name: str) -> Browser:
    store = SessionStore()
    store.create()
    assert store.session_key
    return Browser(name, store.session_key)
