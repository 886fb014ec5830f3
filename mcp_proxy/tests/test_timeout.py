"""A server that stops answering costs a caller at most MCP_CALL_TIMEOUT, then a 504."""

from __future__ import annotations

import signal
import time

import pytest

from mcp_proxy.tests.conftest import call, point_network
from testsupport.processes import wait_until


@pytest.mark.django_db(transaction=True)
def test_frozen_server_times_out_with_504_and_answers_again_when_thawed(
    settings, anvil_testnet, own_testnet_server, alice
):
    point_network(settings, "testnet", own_testnet_server.url)
    settings.MCP_CALL_TIMEOUT = 1.0
    chat, browser = alice.new_chat(), alice.client()
    assert call(browser, "testnet", chat.public_id, "get_block_number").status_code == 200
    assert own_testnet_server.popen is not None
    own_testnet_server.popen.send_signal(signal.SIGSTOP)  # alive, accepts, never answers
    try:
        started = time.monotonic()
        response = call(browser, "testnet", chat.public_id, "get_block_number")
        elapsed = time.monotonic() - started
    finally:
        own_testnet_server.popen.send_signal(signal.SIGCONT)
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "timeout"
    assert "1 s" in response.json()["error"]["message"]
    assert elapsed >= 1.0  # it waited for the server, up to the timeout and not much past it
    assert elapsed < 1.0 + 4.0
    wait_until(
        lambda: call(browser, "testnet", chat.public_id, "get_block_number").status_code == 200,
        10,
        "thawed server",
    )
