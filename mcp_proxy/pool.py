"""The process-wide pool of MCP connections, one per server URL, living on the proxy loop.

Replicas of a network are used in turn, skipping those whose circuit is open. A call that
failed on one replica is tried once more on the next only when that cannot do anything
twice: the tool is read-only, or the first server never received the request. With one
replica, a read whose connection was dropped (a keep-alive connection the server closed as it
was reused) is tried once more on a new connection.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from django.conf import settings

from chatproject.lib.logcontext import bind
from chatproject.lib.networks import Network
from chatproject.lib.redact import redact
from mcp_proxy.breaker import CircuitBreaker
from mcp_proxy.errors import ProxyError, from_rpc_error
from mcp_proxy.rpc import AuthRefused, McpConnection, RpcError, TransportFailure

logger = logging.getLogger(__name__)


@dataclass
class Server:
    network: str
    connection: McpConnection
    breaker: CircuitBreaker
    probe: asyncio.Task[None] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Probe:
    """One look at a server's /health. ``up``: the server answered (what its circuit breaker
    cares about); ``chain_ok``: it also said its RPC answers on the expected chain (``rpc_ok``
    and ``chain_ok`` of its report), so the network can be used through it."""

    up: bool
    latency_ms: int | None
    error: str
    chain_ok: bool = False


# Keep-alive connections per server URL: a server on a 2-core machine gains nothing from more
# calls in flight at once; beyond this, calls queue for a connection.
CONNECTIONS_PER_SERVER = 16
# Idle connections are closed before the server (uvicorn: after 5 s) would close them, so a
# call never goes out on a connection the server is closing at that moment.
KEEPALIVE_SECONDS = 4.0


class Pool:
    def __init__(self) -> None:
        self._servers: dict[tuple[str, str], Server] = {}
        self._turn: dict[str, int] = {}

    def server(self, network: str, url: str) -> Server:
        key = (network, url)
        if key not in self._servers:
            connector = aiohttp.TCPConnector(
                limit=CONNECTIONS_PER_SERVER, keepalive_timeout=KEEPALIVE_SECONDS
            )
            http = aiohttp.ClientSession(connector=connector, trust_env=False)
            connection = McpConnection(url, http, _auth_token)
            breaker = CircuitBreaker(threshold=settings.MCP_BREAKER_THRESHOLD)
            self._servers[key] = Server(network, connection, breaker)
        return self._servers[key]

    def servers(self) -> list[Server]:
        return list(self._servers.values())

    async def close(self) -> None:
        """Close every server's HTTP connections (at process exit)."""
        for server in self._servers.values():
            await server.connection.http.close()

    def in_turn(self, network: Network) -> list[Server]:
        """The network's replicas with a closed circuit, starting with the next in turn."""
        turn = self._turn.get(network.name, 0)
        self._turn[network.name] = turn + 1
        urls = network.mcp_urls[turn % len(network.mcp_urls) :] + network.mcp_urls
        ordered = [self.server(network.name, url) for url in dict.fromkeys(urls)]
        return [server for server in ordered if not server.breaker.is_open]

    async def request(
        self, network: Network, method: str, params: dict[str, Any], deadline: float, retry: bool
    ) -> dict[str, Any]:
        """``method`` on a healthy replica, trying a second one when that is safe."""
        candidates = self.in_turn(network)
        if not candidates:
            raise server_down(network.name)
        failure: TransportFailure | None = None
        # A single replica gets its second try too, but only after a dropped connection.
        for server in candidates[:2] if len(candidates) > 1 else candidates * 2:
            if failure is not None and time.monotonic() >= deadline:
                break  # a timeout used the whole budget: nothing left for a second replica
            try:
                return await self._attempt(server, method, params, deadline)
            except RpcError as exc:
                raise from_rpc_error(network.name, exc.code, exc.message) from None
            except TransportFailure as exc:
                failure = exc
                if exc.request_sent and not retry:
                    break
                if len(candidates) == 1 and exc.kind != "dropped":
                    break  # refused or timed out: the same server again would not help
        assert failure is not None
        raise transport_error(network.name, failure)

    async def _attempt(
        self, server: Server, method: str, params: dict[str, Any], deadline: float
    ) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        started = time.perf_counter()
        if remaining <= 0:
            raise TransportFailure("timeout", "did not answer in time", False)
        try:
            async with asyncio.timeout(remaining):
                result = await server.connection.request(method, params, remaining)
        except TimeoutError:
            self._failed(server, TransportFailure("timeout", "did not answer in time", True))
            raise TransportFailure("timeout", "did not answer in time", True) from None
        except TransportFailure as failure:
            self._failed(server, failure)
            raise
        except AuthRefused:
            raise ProxyError("unreachable", _auth_message(server.network)) from None
        except RpcError:
            server.breaker.record_success(int((time.perf_counter() - started) * 1000))
            raise
        server.breaker.record_success(int((time.perf_counter() - started) * 1000))
        return result

    def _failed(self, server: Server, failure: TransportFailure) -> None:
        # A new process may answer next time: greet it again rather than reuse a dead handshake.
        server.connection.forget_handshake()
        if server.breaker.record_failure(failure.message):
            logger.warning(
                "circuit opened for a %s server after %d failures: it %s",
                server.network,
                server.breaker.consecutive_failures,
                failure.message,
            )
            # A fresh context: the probe outlives the call (and chat session) that tripped it.
            probe = self._probe_until_up(server)
            loop = asyncio.get_running_loop()
            server.probe = loop.create_task(probe, context=contextvars.Context())

    async def _probe_until_up(self, server: Server) -> None:
        """Watch /health until the server answers, then close its circuit."""
        bind(network=server.network)
        while server.breaker.is_open and _still_configured(server):
            await asyncio.sleep(settings.MCP_PROBE_INTERVAL)
            if (await self.probe(server, settings.MCP_HEALTH_TIMEOUT)).up:
                server.breaker.close()
                logger.info("circuit closed: a %s server is answering again", server.network)

    async def probe(self, server: Server, timeout: float) -> Probe:
        started = time.perf_counter()
        limit = aiohttp.ClientTimeout(total=timeout)
        try:
            # The servers guard /health with the bearer token too.
            async with server.connection.http.get(
                server.connection.health_url, headers=_auth_headers(), timeout=limit
            ) as response:
                status = response.status
                body = await response.read()
        except TimeoutError:
            return Probe(False, None, "its health check timed out")
        except aiohttp.ClientError:
            return Probe(False, None, "its health check could not connect")
        latency_ms = int((time.perf_counter() - started) * 1000)
        if status != 200:
            return Probe(False, latency_ms, f"its health check answered HTTP {status}")
        error = chain_error(body)
        return Probe(True, latency_ms, error, chain_ok=not error)


def chain_error(body: bytes) -> str:
    """What a server's /health report says is wrong with its chain, or "" when its RPC answers
    on the expected chain. The server has redacted its RPC error already; it is redacted
    again here (the report reaches /health and the logs)."""
    try:
        report = json.loads(body)
    except ValueError:
        return "its health check did not answer with a report"
    if not isinstance(report, dict):
        return "its health check did not answer with a report"
    if report.get("rpc_ok") is not True:
        reason = str(report.get("rpc_error") or "no reason given")
        return redact(f"its RPC is not answering: {reason}")
    if report.get("chain_ok") is not True:
        actual, expected = report.get("chain_id"), report.get("expected_chain_id")
        return f"its RPC serves chain id {actual}, not {expected}"
    return ""


def _auth_token() -> str:
    return str(settings.MCP_AUTH_TOKEN)


def _auth_headers() -> dict[str, str]:
    token = _auth_token()
    return {"authorization": f"Bearer {token}"} if token else {}


def _still_configured(server: Server) -> bool:
    network = settings.NETWORKS.get(server.network)
    return network is not None and server.connection.url in network.mcp_urls


def _auth_message(network: str) -> str:
    return f"The {network} server refused the proxy's credentials; check MCP_AUTH_TOKEN."


def server_down(network: str) -> ProxyError:
    return ProxyError(
        "server_down",
        f"The {network} server is down: calls fail fast until its health check answers again.",
    )


def transport_error(network: str, failure: TransportFailure) -> ProxyError:
    if failure.kind == "timeout":
        limit = settings.MCP_CALL_TIMEOUT
        return ProxyError("timeout", f"The {network} server did not answer within {limit:g} s.")
    return ProxyError(
        "unreachable", f"The {network} server could not be reached: it {failure.message}."
    )
