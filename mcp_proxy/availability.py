"""Which networks the chat can use now, as their MCP servers' health says.

The backend holds no RPC URL: each network's server reports at `/health` whether its own RPC
answers (`rpc_ok`) on the expected chain (`chain_ok`), and the backend probes those reports
(mcp_proxy/health.py, one round per MCP_HEALTH_CACHE_SECONDS for the whole process). A network
can be used when:

- it has MCP servers (`MCP_<NAME>_URL` is not empty): else "not configured on this server";
- and a replica answers with its chain reachable: else "its server is not answering right
  now" (none answers) or "its server cannot reach the chain right now" (its RPC fails or
  serves another chain);
- or it was not checked yet (a process that just started, a changed configuration): then the
  first call is the check, and if the server is down or cannot reach its chain, the person
  reads that server's own error. A round of probes starts meanwhile.

Good news is used while it is refreshed; bad news older than the period is checked again
before anything is refused for it (`current`), so a server that came back is usable at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from django.conf import settings

from chatproject.lib.networks import Network
from mcp_proxy import health
from mcp_proxy.client import NOT_CONFIGURED
from mcp_proxy.loop import proxy_loop

UNCHECKED = "unchecked"
USABLE = frozenset({"up", UNCHECKED})
# Why a network cannot be used, in words for the person at the page (no variable names: the
# operator's detail is in /health and the logs).
REASONS = {
    "unavailable": NOT_CONFIGURED,
    "down": "its server is not answering right now",
    "degraded": "its server cannot reach the chain right now",
}


@dataclass(frozen=True)
class Availability:
    state: str  # up, unchecked, degraded, down or unavailable (client.network_health)

    @property
    def usable(self) -> bool:
        return self.state in USABLE

    @property
    def reason(self) -> str:
        """Why it cannot be used, for people; "" when it can."""
        return "" if self.usable else REASONS.get(self.state, REASONS["down"])


def known(network: Network) -> Availability:
    """The last round's word on ``network``, without waiting; starts a new round when that
    one is older than MCP_HEALTH_CACHE_SECONDS, or there was none."""
    if not network.mcp_urls:
        return Availability("unavailable")
    last = health.known(network)
    if last is None or _stale(last):
        health.refresh()
    return Availability(last.state if last is not None else UNCHECKED)


async def current(network: Network) -> Availability:
    """As ``known``, except that bad news past its period is checked again first (within
    MCP_HEALTH_TIMEOUT and a second): a network is never refused on an old report."""
    availability = known(network)
    last = health.known(network)
    if availability.usable or last is None or not _stale(last):
        return availability
    with contextlib.suppress(Exception):  # no answer in time: the old report stands
        async with asyncio.timeout(_round_seconds()):
            await health.network_health()
    return known(network)


def first_checked(networks: Iterable[Network]) -> dict[str, Availability]:
    """Each network's availability for a page, from a thread that may wait: before the first
    round of probes has answered, it waits for it (MCP_HEALTH_TIMEOUT and a second at most,
    once per process and configuration), so the page does not offer a network that is down."""
    networks = list(networks)
    if any(network.mcp_urls and health.known(network) is None for network in networks):
        _wait_for_a_round()
    return {network.name: known(network) for network in networks}


def _wait_for_a_round() -> None:
    loop = proxy_loop()
    with contextlib.suppress(RuntimeError):
        if asyncio.get_running_loop() is loop:
            return  # on the proxy loop itself: waiting would stop the round it waits for
    future = asyncio.run_coroutine_threadsafe(health.network_health(), loop)
    with contextlib.suppress(FutureTimeout, Exception):
        future.result(timeout=_round_seconds())


def _round_seconds() -> float:
    return float(settings.MCP_HEALTH_TIMEOUT) + 1.0


def _stale(last: health.Known) -> bool:
    return time.monotonic() - last.checked_at >= float(settings.MCP_HEALTH_CACHE_SECONDS)
