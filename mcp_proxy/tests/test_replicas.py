"""Several URLs for one network are replicas: used in turn, a dead one costs no failed call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mcp_proxy import client as proxy
from mcp_proxy.tests.conftest import call, point_network
from testsupport.processes import McpServer, start_runmcp


@pytest.fixture
def two_replicas(anvil_testnet) -> Iterator[tuple[McpServer, McpServer]]:
    first = start_runmcp("testnet", anvil_testnet.url)
    second = start_runmcp("testnet", anvil_testnet.url)
    yield first, second
    first.stop()
    second.stop()


@pytest.mark.django_db(transaction=True)
def test_replicas_are_used_in_turn_and_a_killed_one_fails_no_call(
    settings, unlimited, anvil_testnet, two_replicas, alice
):
    first, second = two_replicas
    point_network(settings, "testnet", first.url, second.url)
    chat, browser = alice.new_chat(), alice.client()
    for _ in range(4):
        assert call(browser, "testnet", chat.public_id, "get_block_number").status_code == 200
    counts = proxy.initialize_counts()
    assert counts[first.url] == 1 and counts[second.url] == 1  # both served calls
    first.kill()
    statuses = [
        call(browser, "testnet", chat.public_id, "get_network_info").status_code for _ in range(20)
    ]
    assert statuses == [200] * 20
    settings.METRICS_TOKEN = "replica-operator"  # the replicas are the operator's detail
    operator = {"Authorization": "Bearer replica-operator"}
    health = browser.get("/api/mcp/health", headers=operator).json()["networks"]["testnet"]
    assert health["state"] == "up"
    assert sorted(r["state"] for r in health["replicas"]) == ["down", "up"]


@pytest.mark.django_db(transaction=True)
def test_write_is_retried_on_another_replica_only_when_the_first_never_received_it(
    settings, unlimited, anvil_testnet, two_replicas, alice
):
    first, second = two_replicas
    point_network(settings, "testnet", first.url, second.url)
    chat, browser = alice.new_chat(), alice.client()
    assert call(browser, "testnet", chat.public_id, "get_block_number").status_code == 200
    first.kill()  # refused connections: the dead replica never sees the transaction
    transfer = {"from_address": "carol", "to": "dave", "value": "0.001"}
    responses = [
        call(browser, "testnet", chat.public_id, "send_transaction", transfer) for _ in range(4)
    ]
    assert [r.status_code for r in responses] == [200] * 4, [r.content for r in responses]
    hashes = {r.json()["result"]["tx_hash"] for r in responses}
    assert len(hashes) == 4  # each call sent exactly one transaction
