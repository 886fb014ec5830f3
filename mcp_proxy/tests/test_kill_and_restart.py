"""Kill one network's server mid-run: its calls fail clearly and fast, the other network is
untouched, health shows it down; restart it on the same port: calls succeed again by themselves."""

from __future__ import annotations

import time

import pytest

from mcp_proxy.tests.conftest import call, point_network
from testsupport.processes import start_runmcp, wait_until

CALLS = 30
KILL_AT = 8
RECOVERY_SECONDS = 5.0


def network_state(browser, name: str) -> str:
    return browser.get("/api/mcp/health").json()["networks"][name]["state"]


@pytest.mark.django_db(transaction=True)
def test_killed_server_fails_fast_other_network_unaffected_and_recovers(
    networks, unlimited, anvil_testnet, own_testnet_server, alice, settings
):
    settings.MCP_CALL_TIMEOUT = 5.0
    settings.MCP_HEALTH_CACHE_SECONDS = 0  # states seconds apart: no cached report
    point_network(settings, "testnet", own_testnet_server.url)
    chat, browser = alice.new_chat(), alice.client()
    testnet_codes: list[str] = []
    for index in range(CALLS):
        if index == KILL_AT:
            own_testnet_server.kill()
        started = time.monotonic()
        testnet = call(browser, "testnet", chat.public_id, "get_block_number").json()
        assert time.monotonic() - started < settings.MCP_CALL_TIMEOUT
        testnet_codes.append("ok" if testnet["ok"] else testnet["error"]["code"])
        polygon = call(browser, "polygon", chat.public_id, "get_block_number")
        assert polygon.status_code == 200 and polygon.json()["ok"], polygon.content
    assert testnet_codes[:KILL_AT] == ["ok"] * KILL_AT
    failures = testnet_codes[KILL_AT:]
    assert set(failures) <= {"unreachable", "server_down"} and failures[-1] == "server_down"
    assert network_state(browser, "testnet") == "down"
    assert network_state(browser, "polygon") == "up"

    restarted = start_runmcp("testnet", anvil_testnet.url, port=own_testnet_server.port)
    try:
        back_at = time.monotonic()
        wait_until(
            lambda: call(browser, "testnet", chat.public_id, "get_block_number").json()["ok"],
            RECOVERY_SECONDS,
            "recovery of testnet calls",
        )
        assert time.monotonic() - back_at < RECOVERY_SECONDS
        assert network_state(browser, "testnet") == "up"
    finally:
        restarted.stop()


@pytest.mark.django_db(transaction=True)
def test_down_server_message_is_clear_and_leaks_no_url(
    networks, unlimited, anvil_testnet, own_testnet_server, alice, settings
):
    point_network(settings, "testnet", own_testnet_server.url)
    chat, browser = alice.new_chat(), alice.client()
    own_testnet_server.kill()
    responses = [call(browser, "testnet", chat.public_id, "get_block_number") for _ in range(5)]
    assert responses[0].status_code == 502
    assert responses[-1].status_code == 503
    for response in responses:
        message = response.json()["error"]["message"]
        assert "testnet" in message
        assert "127.0.0.1" not in message and "http" not in message
