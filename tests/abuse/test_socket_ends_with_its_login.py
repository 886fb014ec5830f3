"""A socket or stream opened while signed in ends with that login (issue 27, finding 5: a
websocket kept working after logout and ran a whole turn, while HTTP already answered 404).

Replayed against two real daphne processes sharing PostgreSQL and Redis: alice's socket is on
backend A, her logout (or the password change) goes through backend B, as behind a balancer.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings as django_settings
from django.contrib.auth.models import User

from sessions_app import manager
from sessions_app.login_watch import CLOSE_SIGNED_OUT, SIGNED_OUT_CODE
from sessions_app.models import Message
from sessions_app.owner import Owner
from tests.abuse.live_backends import DEADLINE, Visitor, backends, closed_with, next_event
from testsupport import local_http
from testsupport.processes import postgres_url

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long and unusual passphrase 27"
PROBE = {"type": "wallet.result", "request_id": "probe", "status": "rejected"}


@pytest.fixture(scope="module")
def live(django_db_setup):
    """Started once for the module: each test's rows are its own (transactional_db)."""
    with backends(postgres_url(django_settings.DATABASES["default"]), 2) as started:
        yield started


@pytest.fixture
def two_backends(live, transactional_db):
    return live


def user_with_chat(name: str, **fields: object) -> tuple[User, str]:
    user = User.objects.create_user(name, password=PASSWORD, **fields)
    chat = manager.create_chat_session(Owner(session_key="", user_id=user.pk))
    return user, chat.public_id


def signed_in(name: str, backend) -> tuple[Visitor, str]:
    """``name``, signed in through ``backend``, with a chat of her account."""
    _, chat_id = user_with_chat(name)
    visitor = Visitor()
    visitor.sign_in(backend, name, PASSWORD, "/accounts/login/")
    return visitor, chat_id


def assert_signed_out(code: int | None, events: list[dict]) -> None:
    assert code == CLOSE_SIGNED_OUT, (code, events)
    assert events and events[-1]["type"] == "error", events
    assert events[-1]["code"] == SIGNED_OUT_CODE
    assert "sign" in events[-1]["message"] and "reload" in events[-1]["message"]


async def test_logout_elsewhere_closes_the_socket_and_no_turn_runs(two_backends):
    a, b = two_backends
    alice, chat_id = await sync_to_async(signed_in)("alice", b)
    async with alice.socket(a, chat_id) as socket:
        await next_event(socket, "session.state")
        await sync_to_async(alice.sign_out)(b)
        code, events = await closed_with(socket)  # no frame sent: the logout closed it
    assert_signed_out(code, events)
    with alice.http(a) as client:  # HTTP agrees: the old cookie owns nothing any more
        assert client.get(f"/api/sessions/{chat_id}").status_code == 404
    count = await sync_to_async(Message.objects.filter(chat_session__public_id=chat_id).count)()
    assert count == 0


async def test_a_frame_racing_the_logout_is_refused(two_backends):
    """The pulled half: a frame checks the login before anything runs, whatever the push."""
    a, b = two_backends
    alice, chat_id = await sync_to_async(signed_in)("alice", b)
    async with alice.socket(a, chat_id) as socket:
        await next_event(socket, "session.state")
        await sync_to_async(alice.sign_out)(b)
        chat = {"type": "chat.message", "text": "hello", "network": "testnet"}
        try:
            await socket.send(json.dumps(chat))
        except Exception:
            pass  # already closed by the push: as good
        code, events = await closed_with(socket)
    assert_signed_out(code, events)
    count = await sync_to_async(Message.objects.filter(chat_session__public_id=chat_id).count)()
    assert count == 0


def change_password_in_admin(backend, username: str) -> None:
    """carol, an operator, sets a new password for ``username`` in the admin (after alice
    reported a stolen laptop, say)."""
    carol = Visitor()
    User.objects.create_superuser("carol", password=PASSWORD)
    carol.sign_in(backend, "carol", PASSWORD, "/admin/login/")
    user = User.objects.get(username=username)
    form = {"password1": PASSWORD + "!", "password2": PASSWORD + "!", "usable_password": "true"}
    response = carol.post_form(backend, f"/admin/auth/user/{user.pk}/password/", form)
    assert response.status_code == 302, response.text[:500]


async def test_password_change_closes_the_sockets_of_the_old_login(two_backends):
    a, b = two_backends
    alice, chat_id = await sync_to_async(signed_in)("alice", b)
    async with alice.socket(a, chat_id) as socket:
        await next_event(socket, "session.state")
        await sync_to_async(change_password_in_admin)(b, "alice")
        code, events = await closed_with(socket)
    assert_signed_out(code, events)


async def test_the_stream_ends_with_the_login(two_backends):
    a, b = two_backends
    alice, chat_id = await sync_to_async(signed_in)("alice", b)
    async with local_http.async_client(base_url=a.base_url, cookies=alice.cookies) as client:
        url = f"/api/chat/stream?session_id={chat_id}"
        async with client.stream("GET", url, timeout=DEADLINE) as response:
            assert response.status_code == 200
            lines = response.aiter_lines()
            assert await anext(lines) == "event: session.state"
            await sync_to_async(alice.sign_out)(b)
            async with asyncio.timeout(DEADLINE):
                rest = [line async for line in lines]  # the stream ends by itself
    assert "event: error" in rest and any(SIGNED_OUT_CODE in line for line in rest)


async def test_someone_elses_logout_leaves_an_anonymous_socket_alone(two_backends):
    a, b = two_backends
    alice, _ = await sync_to_async(signed_in)("alice", b)
    bob = Visitor()
    bob_chat = await sync_to_async(bob.anonymous_chat)()
    async with bob.socket(a, bob_chat) as socket:
        await next_event(socket, "session.state")
        await sync_to_async(alice.sign_out)(b)
        await socket.send(json.dumps(PROBE))  # still answered, not closed
        answer = await next_event(socket, "error")
        assert answer["code"] == "unknown_wallet_request", answer
