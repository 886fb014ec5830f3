"""Every log line says which chat session and which network it is about."""

from __future__ import annotations

import asyncio
import contextvars
import io
import logging
import re
import subprocess

from django.conf import settings

from chatproject.lib.logcontext import ChatContextFilter, bind, bound
from chatproject.stack import backend_argv
from tests.deploy.helpers import DEADLINE, Visitor
from testsupport import local_http
from testsupport.processes import BASE_DIR, free_port, wait_until

TIMESTAMPED = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def _configured_handler() -> tuple[logging.Handler, io.StringIO]:
    """A handler with the format and filter of settings.LOGGING, writing to a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]))
    handler.addFilter(ChatContextFilter())
    return handler, stream


def _log_through(handler: logging.Handler, message: str) -> None:
    logger = logging.getLogger("tests.deploy.log_lines")
    logger.addHandler(handler)
    try:
        logger.warning(message)
    finally:
        logger.removeHandler(handler)


def test_a_bound_line_carries_session_and_network_and_an_unbound_one_dashes():
    handler, stream = _configured_handler()

    def log_inside_then_outside() -> None:
        with bound(session="AbCdEfGh12345678", network="polygon"):
            _log_through(handler, "inside")
        _log_through(handler, "outside")

    # A fresh context, as each request and turn has: the test client's async_to_sync copies
    # context changes of earlier tests' async views back into this thread.
    contextvars.Context().run(log_inside_then_outside)
    inside, outside = stream.getvalue().splitlines()
    assert "session=AbCdEfGh network=polygon inside" in inside
    assert "session=- network=- outside" in outside


async def test_concurrent_turns_keep_their_own_session_on_their_lines():
    handler, stream = _configured_handler()

    async def turn(session: str, network: str) -> None:
        bind(session=session, network=network)
        await asyncio.sleep(0)
        _log_through(handler, f"turn of {session}")

    await asyncio.gather(
        asyncio.create_task(turn("alice000", "testnet")),
        asyncio.create_task(turn("bob00000", "base")),
    )
    lines = stream.getvalue().splitlines()
    assert any("session=alice000 network=testnet turn of alice000" in line for line in lines)
    assert any("session=bob00000 network=base turn of bob00000" in line for line in lines)


def test_the_backend_process_writes_every_line_through_the_configured_format(tmp_path):
    port = free_port()
    log_path = tmp_path / "daphne.log"
    with open(log_path, "wb") as log:
        daphne = subprocess.Popen(
            backend_argv("127.0.0.1", port), cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        url = f"http://127.0.0.1:{port}/no-such-page"
        wait_until(lambda: local_http.get(url, timeout=2).status_code == 404, 60, "daphne")
    finally:
        daphne.terminate()
        daphne.wait(timeout=20)
    lines = [line for line in log_path.read_text().splitlines() if TIMESTAMPED.match(line)]
    assert any("Not Found: /no-such-page" in line for line in lines)
    assert all(" session=" in line and " network=" in line for line in lines)
    assert "GET /no-such-page" not in log_path.read_text()  # no access log past LOGGING


async def test_a_chat_session_view_logs_its_session_and_network(backends):
    process = backends[0]
    alice = Visitor()
    chat_id = await alice.new_chat(process)
    body = {"session_id": chat_id, "tool": "no_such_tool", "params": {}}
    response = await alice.post(process, "/api/mcp/testnet", body)
    assert response.status_code >= 400
    expected = f"session={chat_id[:8]} network=testnet"

    def logged() -> bool:
        return any(
            expected in line and "no_such_tool" in line
            for line in process.log_path.read_text().splitlines()
        )

    wait_until(logged, DEADLINE, "the refused tool call's log line")
