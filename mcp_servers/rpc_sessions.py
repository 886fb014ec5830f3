"""The HTTP sessions under every RPC call: one keep-alive aiohttp session per event loop.

web3's own ``HTTPSessionManager`` (web3 8.0.0) cannot carry this server, for two reasons:

- Every request takes one process-wide ``threading.Lock`` through a thread pool. A request
  cancelled while it waits for that lock (any tool call that times out) can leave it held
  by nobody: from then on every RPC call of the process hangs until a restart (web3.py
  issue #3867). Two CI runs of this project lost a whole MCP test module that way.
- Its sessions open a new connection, with a DNS lookup on a thread, for every request
  (``TCPConnector(force_close=True)``): most of this server's CPU per call went there.

An event loop runs in one thread, so a dict keyed by loop needs no lock at all.
``AsyncHTTPProvider`` reaches its manager through the private ``_request_session_manager``;
web3 is pinned in requirements.txt, and mcp_servers/tests/test_rpc_calls_survive_cancellation.py
fails loudly if that attribute or its use changes.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from web3 import AsyncHTTPProvider
from web3._utils.http_session_manager import HTTPSessionManager

# Idle connections close before common servers close theirs (uvicorn after 5 s), so none is
# reused just as the RPC closes it.
KEEPALIVE_SECONDS = 4.0


def keepalive_session() -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS, ttl_dns_cache=300)
    return aiohttp.ClientSession(raise_for_status=True, connector=connector)


class OneSessionPerLoop(HTTPSessionManager):
    """web3's session manager without its lock: a session per running event loop."""

    def __init__(self) -> None:
        super().__init__()
        # provider.disconnect() closes what is here: items() and clear() are all it uses.
        self.session_cache: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}  # type: ignore[assignment]

    async def async_cache_and_return_session(
        self,
        endpoint_uri: Any,
        session: aiohttp.ClientSession | None = None,
        request_timeout: aiohttp.ClientTimeout | None = None,
    ) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        current = self.session_cache.get(loop)
        if current is None or current.closed:
            self.forget_closed_loops()
            current = session or keepalive_session()
            self.session_cache[loop] = current
        return current

    def forget_closed_loops(self) -> None:
        # list(): another thread's loop may add its own entry meanwhile.
        for loop in list(self.session_cache):
            if loop.is_closed():
                self.session_cache.pop(loop, None)


def use_one_session_per_loop(provider: AsyncHTTPProvider) -> None:
    provider._request_session_manager = OneSessionPerLoop()
