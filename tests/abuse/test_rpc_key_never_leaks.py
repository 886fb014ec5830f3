"""An RPC provider that quotes the bare API key in its error text ("API key … has exceeded"):
the key must not come back in the proxy's answer, the MCP server's /health, the agent's stored
answer, nor a log line (item 2 of the abuse review)."""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from channels.db import database_sync_to_async

from sessions_app.models import Message, ToolCall
from sessions_app.tests.agent_support import (
    ask,
    make_browser,
    open_socket,
    point_network,
)
from tests.abuse.helpers import post_json
from testsupport import local_http
from testsupport.processes import McpServer, free_port, start_runmcp

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "SEKRETk3y9f1c0ffee77"
ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


class QuotaExceeded(BaseHTTPRequestHandler):
    """A provider whose every answer is a JSON-RPC error quoting the caller's key."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        error = {"code": -32005, "message": f"API key {KEY} has exceeded its daily quota"}
        answer = (
            [{"jsonrpc": "2.0", "id": r.get("id"), "error": error} for r in request]
            if (isinstance(request, list))
            else {"jsonrpc": "2.0", "id": request.get("id"), "error": error}
        )
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), QuotaExceeded)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/?apikey={KEY}"
    server.shutdown()


@pytest.fixture(scope="module")
def polygon_server(provider: str) -> Iterator[McpServer]:
    server = start_runmcp("polygon", provider, env={"MCP_AUTH_TOKEN": ""})
    yield server
    server.stop()


@pytest.fixture
def alice(settings, provider, polygon_server):
    point_network(settings, "polygon", polygon_server.url)
    return make_browser("alice")


def test_the_proxy_answer_does_not_carry_the_key(alice):
    chat = alice.new_chat()
    response = post_json(
        alice.client(),
        "/api/mcp/polygon",
        {"session_id": chat.public_id, "tool": "get_balance", "params": {"address": ALICE}},
    )
    assert response.status_code == 422, response.content
    assert "quota" in response.json()["error"]["message"]  # the reason is still told
    assert KEY not in response.content.decode()
    assert not any(KEY in json.dumps(row.result) for row in ToolCall.objects.all())


def test_the_mcp_server_health_does_not_carry_the_key(polygon_server):
    report = local_http.get(polygon_server.health_url, timeout=10)
    assert "rpc_error" in report.json(), report.text
    assert KEY not in report.text


async def test_the_agent_stored_answer_does_not_carry_the_key(alice):
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    seen = await ask(socket, f"balance of {ALICE}", network="polygon")
    await socket.disconnect()
    assert KEY not in json.dumps(seen)
    stored = await database_sync_to_async(list)(Message.objects.values_list("content", flat=True))
    assert stored and not any(KEY in text for text in stored)


def test_a_log_line_quoting_the_key_is_redacted(settings, provider):
    """Through the console handler LOGGING configures: message, arguments and traceback, in
    a process that holds the RPC URL (the polygon MCP server's settings)."""
    settings.NETWORKS = {
        **settings.NETWORKS,
        "polygon": replace(settings.NETWORKS["polygon"], rpc_url=provider),
    }
    console = next(h for h in logging.getLogger().handlers if h.filters)
    try:
        raise RuntimeError(f"connect to {provider} failed")
    except RuntimeError:
        record = logging.getLogger("mcp_proxy").makeRecord(
            "mcp_proxy",
            logging.WARNING,
            __file__,
            1,
            "API key %s exceeded",
            (KEY,),
            sys.exc_info(),
        )
    assert console.filter(record)
    line = console.format(record)
    assert "API key [redacted] exceeded" in line and "RuntimeError" in line
    assert KEY not in line
