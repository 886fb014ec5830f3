"""Helpers of the agent / consumer tests: browsers that own chat sessions through their real
Django session cookie, websockets through the real ASGI stack, and event collection."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from channels.testing import WebsocketCommunicator

from testsupport.browsers import Browser
from testsupport.browsers import make_browser as make_browser  # re-exported for the tests
from testsupport.browsers import point_network as point_network  # re-exported for the tests

DEADLINE = 30.0


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


async def next_event(ws: Any, *types: str, timeout: float = DEADLINE) -> dict[str, Any]:
    """The next event of one of ``types`` on a real websocket client (``websockets``) to a
    daphne, skipping the others."""
    while True:
        event = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if event["type"] in types:
            return event


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


def shown_status(message) -> str:
    """The status the page shows for a stored message (from its turn)."""
    from sessions_app.serializers import message_status_and_metadata

    return message_status_and_metadata(message)[0]


async def stored_message(pk: int):
    """A message as stored, with the turn its status comes from."""
    from channels.db import database_sync_to_async

    from sessions_app.models import Message

    query = Message.objects.select_related("turn", "answered_turn")
    return await database_sync_to_async(query.get)(pk=pk)


async def settle_turns(timeout: float = 10) -> None:
    """Wait for this process's turn tasks (a drain ends a little after turn.complete)."""
    from sessions_app.agent import runner

    pending = [task for task in runner._background if not task.done()]
    if pending:
        await asyncio.wait(pending, timeout=timeout)
