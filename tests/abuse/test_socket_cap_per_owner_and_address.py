"""One owner, or one client address, holds a bounded number of sockets and streams (issue 27,
finding 10: no cap; each socket is a task, a channel-layer subscription and an idle watch).

Two real daphne processes share the count through Redis: alice's sockets on A and B add up.
The cap here is 3 per owner and 6 per address (LIMIT_ADDRESS_FACTOR 2)."""

from __future__ import annotations

import asyncio
import os
from contextlib import AsyncExitStack

import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings as django_settings

from sessions_app.consumers import CLOSE_TOO_MANY_SOCKETS
from sessions_app.socket_slots import KEY_PREFIX
from tests.abuse.live_backends import DEADLINE, Visitor, backends, closed_with, next_event
from testsupport import local_http
from testsupport.processes import postgres_url

pytestmark = pytest.mark.django_db(transaction=True)

PER_OWNER = 3
PER_ADDRESS = 6


@pytest.fixture(scope="module")
def live(django_db_setup):
    url = postgres_url(django_settings.DATABASES["default"])
    env = {"MAX_SOCKETS_PER_OWNER": str(PER_OWNER), "LIMIT_ADDRESS_FACTOR": "2"}
    with backends(url, 2, **env) as started:
        yield started


@pytest.fixture
def a_and_b(live, transactional_db):
    """The backends, with no slot left over from an earlier test's sockets (all closed, but
    their release may still be on its way: the address's slots are shared by the tests)."""
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for key in client.scan_iter(f"{KEY_PREFIX}*"):
        client.delete(key)
    return live


async def visitor_with_chat(address: str = "127.0.0.1") -> tuple[Visitor, str]:
    visitor = Visitor(address)
    return visitor, await sync_to_async(visitor.anonymous_chat)()


async def hold(stack: AsyncExitStack, visitor: Visitor, backend, chat_id: str) -> None:
    socket = await stack.enter_async_context(visitor.socket(backend, chat_id))
    await next_event(socket, "session.state")


async def refused(visitor: Visitor, backend, chat_id: str) -> str:
    """The socket is accepted, told why, and closed: the refusal's message."""
    async with visitor.socket(backend, chat_id) as socket:
        code, events = await closed_with(socket)
    assert code == CLOSE_TOO_MANY_SOCKETS, (code, events)
    assert events[-1]["type"] == "error" and events[-1]["code"] == "too_many_sockets"
    return str(events[-1]["message"])


async def connects_again(visitor: Visitor, backend, chat_id: str) -> None:
    """A closed socket gives its slot back (on its own process, a moment after the close)."""
    async with asyncio.timeout(DEADLINE):
        while True:
            async with visitor.socket(backend, chat_id) as socket:
                if (await next_event(socket))["type"] == "session.state":
                    return
            await asyncio.sleep(0.2)


async def test_the_extra_socket_of_one_owner_is_refused_on_any_backend(a_and_b):
    a, b = a_and_b
    alice, alice_chat = await visitor_with_chat()
    bob, bob_chat = await visitor_with_chat()
    async with AsyncExitStack() as stack:
        for backend in (a, a, b):
            await hold(stack, alice, backend, alice_chat)
        message = await refused(alice, b, alice_chat)
        assert f"{PER_OWNER} at most" in message and "browser or account" in message
        await refused(alice, a, alice_chat)
        async with bob.socket(a, bob_chat) as socket:  # another owner still connects
            assert (await next_event(socket))["type"] == "session.state"
    await connects_again(alice, b, alice_chat)


async def test_the_event_stream_counts_as_a_socket(a_and_b):
    a, b = a_and_b
    alice, alice_chat = await visitor_with_chat()
    async with AsyncExitStack() as stack:
        for backend in (a, b, b):
            await hold(stack, alice, backend, alice_chat)
        async with local_http.async_client(base_url=a.base_url, cookies=alice.cookies) as client:
            response = await client.get(f"/api/chat/stream?session_id={alice_chat}")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_sockets"


async def test_one_address_dropping_its_cookie_is_capped_and_another_address_is_not(a_and_b):
    """mallory makes a new browser session for every socket: the address's cap stops her;
    carol, at another address, still connects."""
    a, b = a_and_b
    async with AsyncExitStack() as stack:
        for index in range(PER_ADDRESS):
            mallory, chat = await visitor_with_chat()
            await hold(stack, mallory, (a, b)[index % 2], chat)
        mallory, chat = await visitor_with_chat()
        assert "network address" in await refused(mallory, a, chat)
        carol, carol_chat = await visitor_with_chat("127.0.0.2")
        async with carol.socket(b, carol_chat) as socket:
            assert (await next_event(socket))["type"] == "session.state"
