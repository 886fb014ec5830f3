"""Fixtures of the proxy tests: the backend's network table pointed at real runmcp servers,
and browsers (alice, bob) that own chat sessions through their Django session cookie."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import AsyncClient, Client

from sessions_app import manager
from sessions_app.models import ChatSession
from sessions_app.owner import Owner
from testsupport.processes import Anvil, McpServer, start_runmcp


def point_network(settings, name: str, rpc_url: str, *mcp_urls: str) -> None:
    """Replace the network table in settings (never mutate the shared one)."""
    table = dict(settings.NETWORKS)
    table[name] = replace(table[name], rpc_url=rpc_url, mcp_urls=tuple(mcp_urls))
    settings.NETWORKS = table


@pytest.fixture
def networks(settings, anvil_testnet: Anvil, anvil_polygon: Anvil, mcp_testnet, mcp_polygon):
    """testnet and polygon served by the session's runmcp processes."""
    point_network(settings, "testnet", anvil_testnet.url, mcp_testnet.url)
    point_network(settings, "polygon", anvil_polygon.url, mcp_polygon.url)
    return settings


@pytest.fixture
def unlimited(settings):
    """Tests that make many calls on one chat session turn the rate limit off."""
    settings.PROXY_RATE_LIMIT = 0
    return settings


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

    def client(self, **kwargs) -> Client:
        client = Client(**kwargs)
        client.cookies[django_settings.SESSION_COOKIE_NAME] = self.session_key
        return client

    def async_client(self) -> AsyncClient:
        client = AsyncClient()
        client.cookies[django_settings.SESSION_COOKIE_NAME] = self.session_key
        return client


def make_browser(name: str) -> Browser:
    store = SessionStore()
    store.create()
    assert store.session_key
    return Browser(name, store.session_key)


@pytest.fixture
def alice(transactional_db) -> Browser:
    return make_browser("alice")


@pytest.fixture
def bob(transactional_db) -> Browser:
    return make_browser("bob")


@pytest.fixture
def own_testnet_server(anvil_testnet: Anvil) -> Iterator[McpServer]:
    """A testnet runmcp this test may kill, freeze or restart."""
    server = start_runmcp("testnet", anvil_testnet.url)
    yield server
    server.stop()


def call(client: Client, network: str, session_id: str, tool: str, params=None):
    body = {"session_id": session_id, "tool": tool, "params": params or {}}
    return client.post(f"/api/mcp/{network}", body, content_type="application/json")
