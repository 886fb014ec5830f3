"""Shared checks of the abuse tests: the JSON error shape and 'nothing was written'; and
contracts on Anvil that answer with a chosen (hostile) string."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.test import Client
from django.urls import Resolver404, resolve

from sessions_app.models import ChatSession, Message, ToolCall
from testsupport.processes import Anvil


def row_counts() -> tuple[int, int, int]:
    return ChatSession.objects.count(), Message.objects.count(), ToolCall.objects.count()


def assert_json_error(response: HttpResponse) -> dict[str, Any]:
    """A refusal is JSON {"error": {"code", "message"}} with a 4xx status, never a 500 or HTML."""
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    error = json.loads(response.content)["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    return error


def csrf_client() -> tuple[Client, str]:
    """A browser-like client that enforces CSRF, with the token it got from GET /api/csrf."""
    client = Client(enforce_csrf_checks=True)
    token = client.get("/api/csrf").json()["csrf_token"]
    return client, token


def post_json(client: Client, path: str, body: object, token: str = "") -> HttpResponse:
    headers = {"X-CSRFToken": token} if token else {}
    return client.post(
        path, data=json.dumps(body), content_type="application/json", headers=headers
    )


def create_session(client: Client, token: str, network: str = "testnet") -> str:
    response = post_json(client, "/api/sessions", {"network": network}, token)
    assert response.status_code == 201, response.content
    return str(response.json()["session"]["id"])


def json_post_endpoints() -> list[str]:
    """Every JSON POST endpoint that exists in this tree (the chat API and proxy land later)."""
    candidates = [
        "/api/sessions",
        "/api/sessions/" + "x" * 32 + "/close",
        "/api/chat",
        "/api/interrupt",
        "/api/wallet",
        "/api/mcp/testnet",
        "/api/mcp/polygon",
        "/api/mcp/nonexistent",
    ]
    return [path for path in candidates if _routed(path)]


def _routed(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def string_returning_code(text: str) -> str:
    """Runtime code answering every call with abi.encode(text): CODECOPY a blob and RETURN it."""
    data = text.encode()
    blob = (32).to_bytes(32, "big") + len(data).to_bytes(32, "big")
    blob += data + b"\0" * (-len(data) % 32)
    size = len(blob).to_bytes(2, "big").hex()
    offset = (15).to_bytes(2, "big").hex()  # the prefix below is 15 bytes long
    prefix = f"61{size}61{offset}600039" + f"61{size}6000f3"
    return "0x" + prefix + blob.hex()


def install_string_contract(anvil: Anvil, address: str, text: str) -> str:
    """Put code at ``address`` on the Anvil that answers every call with ``text``."""
    anvil.rpc("anvil_setCode", address, string_returning_code(text))  # raises on an error
    return address
