"""Which networks the chat can use comes from their MCP servers' /health, never from an RPC URL
(mcp_proxy/availability.py): a network not checked yet is tried while a check starts; one whose
server stops answering is unusable, in words for people, and usable again as soon as it
answers, not once the old report has aged; one without MCP servers is not configured."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from chatproject.lib.networks import Network
from mcp_proxy import availability, health
from mcp_proxy.tests.conftest import point_network
from testsupport.stand_in_mcp import StandInMcp, stand_in_mcp_server

PERIOD = 0.2  # MCP_HEALTH_CACHE_SECONDS here


@pytest.fixture
def server() -> Iterator[StandInMcp]:
    with stand_in_mcp_server() as stand_in:
        yield stand_in


@pytest.fixture
def base(settings, server: StandInMcp) -> Network:
    """base served by the stand-in; no RPC URL anywhere in this process's table."""
    point_network(settings, "base", server.url)
    settings.MCP_HEALTH_CACHE_SECONDS = PERIOD
    return settings.NETWORKS["base"]


async def until_checked(network: Network) -> None:
    deadline = time.monotonic() + 10
    while health.known(network) is None:
        assert time.monotonic() < deadline, "no round of probes started"
        await asyncio.sleep(0.02)


async def test_a_network_not_checked_yet_is_tried_and_a_check_starts(base):
    first = availability.known(base)
    assert (first.state, first.usable, first.reason) == ("unchecked", True, "")
    await until_checked(base)
    assert availability.known(base).state == "up"


async def test_a_silent_server_makes_its_network_unusable_until_it_answers_again(base, server):
    server.healthy = False
    await health.network_health()
    down = availability.known(base)
    assert not down.usable
    assert down.reason == "its server is not answering right now"
    server.healthy = True
    await asyncio.sleep(PERIOD + 0.1)  # the report is past its period: checked again first
    assert (await availability.current(base)).usable


def test_a_network_without_mcp_servers_is_not_configured(settings):
    point_network(settings, "base")
    judged = availability.known(settings.NETWORKS["base"])
    assert (judged.state, judged.usable) == ("unavailable", False)
    assert judged.reason == "not configured on this server"
