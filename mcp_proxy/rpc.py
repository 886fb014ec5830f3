"""One MCP server URL, spoken to as JSON-RPC over a persistent aiohttp.ClientSession.

The HTTP client is aiohttp (web3's own dependency): per call it costs the proxy about 0.14 ms
of CPU against 0.78 ms for httpx2, the MCP SDK's client (bench/bench_http_clients.py,
docs/benchmarks.md); a shared httpx.AsyncClient had managed about half the calls per second
under 50 concurrent calls (its connection pool).

Why not the SDK's ``mcp.Client``: its streamable-HTTP transport runs a task group, memory
streams and a dispatcher per session, which costs far more per call than the call itself
and binds the session to one task: under the same pool, breakers and catalog it cost 1.1-1.2
ms of CPU a call against 0.26-0.34 ms here (bench/bench_infra.py --piece mcp-client). Our
servers are stateless and answer JSON, so one keep-alive HTTP client that does the real MCP
exchange -- ``initialize`` once (plus the ``notifications/initialized`` notification), then
``tools/list`` and ``tools/call`` with the negotiated ``MCP-Protocol-Version`` (and
``Mcp-Session-Id`` should a server hand one out) -- is the whole protocol we need. SSE
answers are understood too, for servers that send them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

PROTOCOL_VERSION = "2025-11-25"
CLIENT_INFO = {"name": "evmchat-mcp-proxy", "version": "1.0"}


class TransportFailure(Exception):
    """The server could not be reached or did not answer in time (counts for the breaker)."""

    def __init__(self, kind: str, message: str, request_sent: bool) -> None:
        super().__init__(message)
        self.kind = kind  # "unreachable" | "dropped" | "timeout"
        self.message = message
        self.request_sent = request_sent  # False: the server never saw it, a retry is safe


class AuthRefused(Exception):
    """The server refused the bearer token: a configuration problem, not an outage."""


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class McpConnection:
    """The initialized MCP client for one server URL; safe for concurrent calls on one loop."""

    def __init__(self, url: str, http: aiohttp.ClientSession, token: Callable[[], str]) -> None:
        self.url = url
        self.health_url = health_url_for(url)
        self.http = http
        self._token = token
        self._ids = itertools.count(1)
        self._init_lock = asyncio.Lock()
        self._protocol_version: str | None = None
        self._session_id: str | None = None
        self.initialize_count = 0  # handshakes sent: shows clients are reused across calls

    def forget_handshake(self) -> None:
        """After an outage the server may be a new process: greet it again before the next call."""
        self._protocol_version = None
        self._session_id = None

    async def request(self, method: str, params: dict[str, Any], timeout: float) -> dict[str, Any]:
        await self._ensure_initialized(timeout)
        try:
            return await self._exchange(method, params, timeout)
        except _SessionLost:
            self.forget_handshake()
            await self._ensure_initialized(timeout)
            return await self._exchange(method, params, timeout)

    async def _ensure_initialized(self, timeout: float) -> None:
        if self._protocol_version is not None:
            return
        async with self._init_lock:
            if self._protocol_version is None:
                await self._initialize(timeout)

    async def _initialize(self, timeout: float) -> None:
        self.initialize_count += 1
        params = {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": CLIENT_INFO,
        }
        response = await self._post({"method": "initialize", "params": params}, timeout)
        result = _rpc_result(_decode(response))
        self._session_id = response.headers.get("mcp-session-id")
        self._protocol_version = str(result.get("protocolVersion") or PROTOCOL_VERSION)
        notification = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        await self._send(notification, timeout)

    async def _exchange(
        self, method: str, params: dict[str, Any], timeout: float
    ) -> dict[str, Any]:
        response = await self._post({"method": method, "params": params}, timeout)
        return _rpc_result(_decode(response))

    async def _post(self, message: dict[str, Any], timeout: float) -> Answer:
        request_id = next(self._ids)
        response = await self._send({"jsonrpc": "2.0", "id": request_id, **message}, timeout)
        if response.status == 404 and self._session_id:
            raise _SessionLost()
        return response

    async def _send(self, message: dict[str, Any], timeout: float) -> Answer:
        body = json.dumps(message).encode()
        limit = aiohttp.ClientTimeout(total=timeout)
        try:
            async with self.http.post(
                self.url, data=body, headers=self._headers(), timeout=limit
            ) as response:
                answer = Answer(response.status, response.headers, await response.read())
        except aiohttp.ConnectionTimeoutError:
            raise TransportFailure("timeout", "did not answer in time", False) from None
        except TimeoutError:
            raise TransportFailure("timeout", "did not answer in time", True) from None
        except aiohttp.ClientConnectorError:
            raise TransportFailure("unreachable", "refused the connection", False) from None
        except aiohttp.ClientError:
            # Often a keep-alive connection the server closed just as it was reused.
            raise TransportFailure("dropped", "dropped the connection", True) from None
        return _check_status(answer)

    def _headers(self) -> dict[str, str]:
        headers = {
            "accept": "application/json, text/event-stream",
            "content-type": "application/json",
        }
        if token := self._token():
            headers["authorization"] = f"Bearer {token}"
        if self._protocol_version:
            headers["mcp-protocol-version"] = self._protocol_version
        if self._session_id:
            headers["mcp-session-id"] = self._session_id
        return headers


@dataclass(frozen=True)
class Answer:
    """What this client reads of an HTTP answer."""

    status: int
    headers: Mapping[str, str]  # case-insensitive (aiohttp's CIMultiDictProxy)
    body: bytes


class _SessionLost(Exception):
    """A stateful server forgot our session (it restarted): initialize again."""


def health_url_for(url: str) -> str:
    """The server's /health beside its /mcp endpoint."""
    base, _, _ = url.rstrip("/").rpartition("/mcp")
    return f"{base or url.rstrip('/')}/health"


def _check_status(response: Answer) -> Answer:
    if response.status in (401, 403):
        raise AuthRefused()
    if response.status >= 500:
        raise TransportFailure("unreachable", f"answered HTTP {response.status}", True)
    return response


def _decode(response: Answer) -> dict[str, Any]:
    """The JSON-RPC message of a JSON or SSE answer."""
    try:
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            return _last_sse_response(response.body.decode())
        body = json.loads(response.body)
    except ValueError:
        raise TransportFailure("unreachable", "sent an answer that is not JSON", True) from None
    if not isinstance(body, dict):
        raise TransportFailure("unreachable", "sent an answer that is not JSON-RPC", True)
    return body


def _last_sse_response(text: str) -> dict[str, Any]:
    for block in reversed(text.split("\n\n")):
        data = "\n".join(
            line[5:].lstrip() for line in block.splitlines() if line.startswith("data:")
        )
        if data:
            message = json.loads(data)
            if isinstance(message, dict) and ("result" in message or "error" in message):
                return message
    raise ValueError("no JSON-RPC response in the event stream")


def _rpc_result(message: dict[str, Any]) -> dict[str, Any]:
    error = message.get("error")
    if isinstance(error, dict):
        code = error.get("code")
        raise RpcError(code if isinstance(code, int) else 0, str(error.get("message") or "error"))
    result = message.get("result")
    if not isinstance(result, dict):
        raise TransportFailure("unreachable", "sent a JSON-RPC answer without a result", True)
    return result
