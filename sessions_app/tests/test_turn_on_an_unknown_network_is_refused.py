"""A turn whose network left the network table between the message and the turn (a deploy
that removed it) ends with a clear error; it never runs on another network instead."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from chatproject.lib.networks import UnknownNetwork, get_network
from sessions_app.agent import runner
from sessions_app.tests.agent_support import (
    answer_text,
    ask,
    make_browser,
    of_type,
    open_socket,
    shown_status,
    stored_message,
)

pytestmark = pytest.mark.django_db(transaction=True)


class Recorder:
    def __init__(self) -> None:
        self.networks: list[str] = []

    async def respond(self, ctx) -> None:
        self.networks.append(ctx.network.name)
        await ctx.say(f"answered on {ctx.network.name}.")


def without(removed: str):
    def lookup(name: str):
        if name == removed:
            raise UnknownNetwork(name, [])
        return get_network(name)

    return lookup


async def test_a_turn_on_a_removed_network_ends_with_an_error_and_runs_nowhere(monkeypatch):
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    recorder = Recorder()
    monkeypatch.setattr(runner, "get_provider", lambda: recorder)
    monkeypatch.setattr(runner, "get_network", without("testnet"))
    socket, _ = await open_socket(alice, chat.public_id)
    seen = await ask(socket, "balance of alice")
    error = of_type(seen, "error")[0]
    assert error["code"] == "unknown_network" and "testnet" in error["message"]
    assert recorder.networks == []  # the provider never ran, on any network
    answer = await stored_message(seen[-1]["message_id"])
    assert shown_status(answer) == "error" and "not served here" in answer.content
    monkeypatch.setattr(runner, "get_network", get_network)  # the table has it again
    assert "answered on testnet" in answer_text(await ask(socket, "balance of alice"))
    assert recorder.networks == ["testnet"]
    await socket.disconnect()
