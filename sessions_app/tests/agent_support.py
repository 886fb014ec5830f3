"""Helpers of the agent / consumer tests: browsers that own chat sessions through their real
Django session cookie, websockets through the real ASGI stack, and event collection."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import AsyncClient

from sessions_app import dbthreads, manager
from sessions_app.models import ChatSession
from sessions_app.owner import Owner

DEADLINE = 30.0


def point_network(settings, name: str, rpc_url: str, *mcp_urls: str) -> None:
    """Replace the network table in settings (never mutate the shared one)."""
    table = dict(settings.NETWORKS)
    table[name] = replace(table[name], rpc_url=rpc_url, mcp_urls=tuple(mcp_urls))
    settings.NETWORKS = table


@dataclass
class Browser:
    name: str
    session_key: str

    @property
    def owner(self) -> Owner:
        return Owner(session_key=self.session_key)

    def new_chat(self) -> ChatSession:
        return manager.create_chat_session(self.owner)

    def socket(self, chat_id: str) -> WebsocketCommunicator:
        from chatproject.asgi import application

        cookie = f"{django_settings.SESSION_COOKIE_NAME}={self.session_key}".encode()
        headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookie)]
        return WebsocketCommunicator(application, f"/ws/sessions/{chat_id}/", headers=headers)

    def async_client(self) -> AsyncClient:
        client = AsyncClient()
        client.cookies[django_settings.SESSION_COOKIE_NAME] = self.session_key
        return client


def make_browser(name: str) -> Browser:
    store = SessionStore()
    store.create()
    assert store.session_key
    return Browser(name, store.session_key)


async def open_socket(browser: Browser, chat_id: str) -> tuple[WebsocketCommunicator, dict]:
    """A connected socket and its first event (session.state)."""
    socket = browser.socket(chat_id)
    connected, _ = await socket.connect(timeout=DEADLINE)
    assert connected
    state = await socket.receive_json_from(timeout=DEADLINE)
    assert state["type"] == "session.state", state
    return socket, state


async def receive_until(
    socket: WebsocketCommunicator, event_type: str, timeout: float = DEADLINE
) -> list[dict[str, Any]]:
    """Every event up to and including the first of ``event_type``."""
    seen: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        event = await socket.receive_json_from(timeout=max(0.1, deadline - loop.time()))
        seen.append(event)
        if event["type"] == event_type:
            return seen


async def say(socket: WebsocketCommunicator, text: str, network: str = "testnet", **extra) -> None:
    await socket.send_json_to({"type": "chat.message", "text": text, "network": network, **extra})


async def ask(socket: WebsocketCommunicator, text: str, network: str = "testnet", **extra):
    """Send a message and collect the events of its turn, up to turn.complete."""
    await say(socket, text, network, **extra)
    return await receive_until(socket, "turn.complete")


def of_type(seen: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [event for event in seen if event["type"] == event_type]


def answer_text(seen: list[dict[str, Any]]) -> str:
    return "".join(event["text"] for event in of_type(seen, "assistant.delta"))


def dumps(value: Any) -> str:
    return json.dumps(value)


@pytest.fixture(autouse=True, scope="module")
def _close_chat_db_threads():
    """The chat's database threads keep connections open: close them after each module, so
    the test database can be dropped at the end."""
    yield
    dbthreads.shutdown()


@pytest.fixture(autouse=True)
async def _finish_background_turns():
    """Let this test's turn tasks end in its own event loop: a channel-layer receive left
    pending in a closed loop would break the (process-wide) Redis layer for later tests."""
    yield
    from sessions_app.agent import interrupts, runner

    pending = [task for task in runner._background if not task.done()]
    if pending:
        await asyncio.wait(pending, timeout=10)
    await interrupts.settle()
