"""The tool call endpoint as served (chatproject.asgi: mcp_proxy.asgi in front of Django)
answers as the Django view does, with the checks of Django's chain: CSRF, allowed hosts,
the one ownership rule, the body limit, the security headers."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from django.conf import settings as django_settings

from chatproject.asgi import application
from sessions_app.models import ToolCall
from testsupport import local_http
from testsupport.browsers import Browser

BASE_URL = "http://127.0.0.1"


def served(browser: Browser | None, *requests: tuple[str, str, dict[str, Any]]) -> list[Any]:
    """Send ``requests`` (method, path, httpx kwargs) through the ASGI app as ``browser``,
    after it fetched its CSRF cookie; returns the responses."""

    async def send_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=application)
        async with local_http.async_client(transport=transport, base_url=BASE_URL) as http:
            if browser is not None:
                http.cookies.set(django_settings.SESSION_COOKIE_NAME, browser.session_key)
            token = (await http.get("/api/csrf")).json()["csrf_token"]
            answers = []
            for method, path, kwargs in requests:
                headers = {"x-csrftoken": token, **kwargs.pop("headers", {})}
                answers.append(await http.request(method, path, headers=headers, **kwargs))
            return answers

    return asyncio.run(send_all())


def tool_call(session_id: str, tool: str = "get_network_info", **kwargs: Any):
    body = {"session_id": session_id, "tool": tool, "params": {}}
    return ("POST", "/api/mcp/testnet", {"json": body, **kwargs})


@pytest.mark.django_db(transaction=True)
def test_a_served_call_answers_and_is_recorded_like_the_django_view(networks, alice):
    chat = alice.new_chat()
    [answer] = served(alice, tool_call(chat.public_id))
    assert answer.status_code == 200, answer.text
    assert answer.json()["ok"] is True
    assert answer.json()["result"]["chain_id"] == 31337
    row = ToolCall.objects.get(chat_session=chat)
    assert row.call_id == answer.json()["call_id"] and row.tool == "get_network_info"
    django_answer = alice.client().post(
        "/api/mcp/testnet", tool_call(chat.public_id)[2]["json"], content_type="application/json"
    )
    assert django_answer.json().keys() == answer.json().keys()
    for header in ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
        assert answer.headers[header] == django_answer.headers[header]
    assert answer.headers["content-type"] == "application/json"


@pytest.mark.django_db(transaction=True)
def test_a_served_call_without_the_csrf_token_is_refused(networks, alice):
    chat = alice.new_chat()
    [refused] = served(alice, tool_call(chat.public_id, headers={"x-csrftoken": "forged"}))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    assert not ToolCall.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_served_call_to_a_host_not_allowed_is_refused(networks, alice):
    chat = alice.new_chat()
    [refused] = served(alice, tool_call(chat.public_id, headers={"host": "evil.example"}))
    assert refused.status_code == 400
    assert not ToolCall.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_served_foreign_and_unknown_sessions_are_refused_alike(networks, alice, bob):
    alices_chat = alice.new_chat()
    foreign, unknown = served(bob, tool_call(alices_chat.public_id), tool_call("x" * 32))
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.content == unknown.content
    [cookieless] = served(None, tool_call(alices_chat.public_id))
    assert cookieless.content == unknown.content
    assert not ToolCall.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_served_oversized_body_gets_413_and_the_next_call_works(networks, settings, alice):
    chat = alice.new_chat()
    padding = "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    big = tool_call(chat.public_id)
    big[2]["json"]["params"] = {"padding": padding}
    too_big, malformed, fine = served(
        alice,
        big,
        ("POST", "/api/mcp/testnet", {"content": b"{not json"}),
        tool_call(chat.public_id),
    )
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "bad_request"
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "bad_request"
    assert fine.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_other_methods_and_paths_still_go_to_django(networks, alice):
    chat = alice.new_chat()
    wrong_method, health, tools = served(
        alice,
        ("GET", "/api/mcp/testnet", {}),
        ("GET", "/api/mcp/health", {}),
        ("GET", f"/api/mcp/testnet/tools?session_id={chat.public_id}", {}),
    )
    assert wrong_method.status_code == 405
    assert health.status_code == 200 and "testnet" in health.json()["networks"]
    assert tools.status_code == 200 and tools.json()["tools"]
