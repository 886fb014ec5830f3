"""Served by the backend's HTTP handler (chatproject/lib/handler.py), a request leaves the
event loop three times: the request_started signal, the middleware chain with its view, and
the response's close (the request_finished signal). Django's own handler hands each middleware
hook to a thread on its own; both give the same answers.

The handler overrides Django internals (``BaseHandler.load_middleware``, ``get_response``,
``ASGIHandler.get_response_async``): Django is pinned, and the last tests fail, naming what
changed, when an upgrade reshapes them."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgiref.sync import AsyncToSync, SyncToAsync
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler

from chatproject.lib.handler import OneHopASGIHandler, http_handler
from testsupport import local_http
from testsupport.browsers import make_browser

PINNED = "5.2.19"
REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"
BASE_URL = "http://127.0.0.1"
ORIGIN = {"origin": BASE_URL}


@pytest.fixture
def hand_offs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The name of every function handed between the event loop and a thread, in order."""
    made: list[str] = []
    to_thread, to_loop = SyncToAsync.__call__, AsyncToSync.__call__

    async def counted_to_thread(self: SyncToAsync, *args: Any, **kwargs: Any) -> Any:
        made.append(f"to thread: {getattr(self.func, '__qualname__', self.func)}")
        return await to_thread(self, *args, **kwargs)

    def counted_to_loop(self: AsyncToSync, *args: Any, **kwargs: Any) -> Any:
        made.append(f"to loop: {getattr(self.awaitable, '__qualname__', self.awaitable)}")
        return to_loop(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counted_to_thread)
    monkeypatch.setattr(AsyncToSync, "__call__", counted_to_loop)
    yield made


def open_chat(handler: ASGIHandler, hand_offs: list[str]) -> dict[str, Any]:
    """A new browser loads the page and creates its chat, as the page's script does; the
    hand-offs of each request and the answers."""

    async def run() -> dict[str, Any]:
        transport = httpx.ASGITransport(app=handler)
        async with local_http.async_client(transport=transport, base_url=BASE_URL) as http:
            hand_offs.clear()
            page = await http.get("/")
            page_hand_offs = list(hand_offs)
            hand_offs.clear()
            token = http.cookies["csrftoken"]
            created = await http.post(
                "/api/sessions", json={}, headers={"x-csrftoken": token, **ORIGIN}
            )
            return {
                "page": page,
                "page hand-offs": page_hand_offs,
                "created": created,
                "created hand-offs": list(hand_offs),
            }

    return asyncio.run(run())


@pytest.mark.django_db(transaction=True)
def test_the_page_and_a_new_chat_leave_the_loop_three_times_each(hand_offs):
    opened = open_chat(http_handler("one_hop"), hand_offs)
    assert opened["page"].status_code == 200
    assert opened["created"].status_code == 201, opened["created"].text
    for request in ("page", "created"):
        made = opened[f"{request} hand-offs"]
        assert len(made) == 3, "\n".join(made)
        assert all(name.startswith("to thread:") for name in made), "\n".join(made)
        assert "get_response" in made[1], "\n".join(made)


@pytest.mark.django_db(transaction=True)
def test_django_s_own_handler_gives_the_same_answers_with_a_hand_off_per_hook(hand_offs):
    one_hop = open_chat(http_handler("one_hop"), hand_offs)
    django = open_chat(http_handler("django"), hand_offs)
    assert len(django["page hand-offs"]) > 10, "\n".join(django["page hand-offs"])
    for request in ("page", "created"):
        ours, theirs = one_hop[request], django[request]
        assert ours.status_code == theirs.status_code
        same = ("content-type", "content-security-policy", "x-frame-options",
                "x-content-type-options", "referrer-policy", "cross-origin-opener-policy",
                "vary")  # fmt: skip
        for header in same:
            assert ours.headers.get(header) == theirs.headers.get(header), header
        assert ours.cookies.keys() == theirs.cookies.keys()
    assert one_hop["created"].json()["session"].keys() == django["created"].json()["session"].keys()


@pytest.mark.django_db(transaction=True)
def test_an_async_view_streams_through_the_one_hop_chain():
    """The SSE stream (an async view, run on the loop from the chain's thread) answers with
    its first event while the stream stays open."""
    browser = make_browser("alice")
    chat = browser.new_chat()
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.session_key}".encode()
    scope = {
        "type": "http", "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/api/chat/stream", "raw_path": b"/api/chat/stream", "root_path": "",
        "query_string": f"session_id={chat.public_id}".encode(),
        "headers": [(b"host", b"127.0.0.1"), (b"cookie", cookie)],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80),
    }  # fmt: skip

    async def first_event() -> tuple[dict[str, Any], bytes]:
        communicator = ApplicationCommunicator(http_handler("one_hop"), scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(30)
        body = b""
        while b"\n\n" not in body:
            body += (await communicator.receive_output(30))["body"]
        await communicator.send_input({"type": "http.disconnect"})
        await communicator.wait(30)
        return start, body

    start, body = asyncio.run(first_event())
    assert start["status"] == 200
    assert (b"Content-Type", b"text/event-stream") in start["headers"]
    assert b'"session.state"' in body


def test_an_unknown_handler_is_refused():
    with pytest.raises(ValueError, match="one_hop, django"):
        http_handler("fast")


def test_django_is_pinned_to_the_version_the_handler_was_written_for():
    assert version("django") == PINNED
    assert f"Django=={PINNED}" in REQUIREMENTS.read_text().splitlines()


def test_django_s_handler_still_has_the_hooks_the_one_hop_handler_overrides():
    assert list(inspect.signature(BaseHandler.load_middleware).parameters) == [
        "self",
        "is_async",
    ], "BaseHandler.load_middleware no longer takes is_async"
    assert "self.load_middleware(is_async=True)" in inspect.getsource(ASGIHandler.__init__), (
        "ASGIHandler.__init__ no longer loads the chain through load_middleware(is_async=True)"
    )
    assert "await self.get_response_async(request)" in inspect.getsource(
        ASGIHandler.run_get_response
    ), "ASGIHandler no longer gets its response through get_response_async"
    assert "self._middleware_chain(request)" in inspect.getsource(BaseHandler.get_response), (
        "BaseHandler.get_response no longer calls the (sync) middleware chain"
    )
    assert OneHopASGIHandler.get_response_async is not ASGIHandler.get_response_async
