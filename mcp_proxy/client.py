"""The agent's (and the endpoints') interface to the MCP servers: list_tools and call_tool.

Usable from any event loop without blocking it: the work runs on the proxy loop
(mcp_proxy.loop), where one initialized connection per server URL serves the whole process.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from chatproject.lib.metrics import TOOL_CALL_SECONDS, TOOL_CALLS
from chatproject.lib.networks import Network, UnknownNetwork, get_network
from mcp_proxy import costs, ratelimit, tools
from mcp_proxy.errors import ProxyError, scrub
from mcp_proxy.loop import run_at_exit, run_on_proxy_loop
from mcp_proxy.pool import Pool, Server
from mcp_proxy.tools import ToolSpec

__all__ = ["ProxyError", "ToolResult", "ToolSpec", "call_tool", "list_tools", "network_health"]

MAX_TOOL_NAME = 64
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ToolResult:
    structured: dict[str, Any] | None
    text: str
    duration_ms: int

    def payload(self) -> Any:
        """What the endpoint answers and the ToolCall row keeps: structured data, else text."""
        return self.structured if self.structured is not None else self.text


@dataclass(frozen=True)
class Call:
    """One tool call as the caller asked for it (``tool`` and ``params`` not yet checked)."""

    network: str
    tool: object
    params: object
    session: str = ""
    owner: str = ""
    address: str = ""


_pool = Pool()  # touched only on the proxy loop
_catalog = tools.Catalog(_pool)


@atexit.register
def _close_connections() -> None:
    """aiohttp wants its sessions closed; left to the garbage collector at exit, each one logs
    an error."""
    run_at_exit(_pool.close())


async def list_tools(network: str) -> list[ToolSpec]:
    """The network's tools, cached per network and refreshed after MCP_TOOLS_TTL."""
    return await run_on_proxy_loop(_list_tools(network))


async def call_tool(
    network: str,
    tool: str,
    params: dict[str, Any],
    session: str = "",
    owner: str = "",
    address: str = "",
) -> ToolResult:
    """Call ``tool`` on the network's server; raises ProxyError with a fitting code.

    ``session`` (the chat session's id) and ``owner`` (who owns that chat: a browser or an
    account, as the caller names it) reach the server only as hashes in the call's ``_meta``:
    the spend policy keeps its daily totals per owner and sender, so a new chat does not
    start a new budget. Costly tools draw on the owner's and the client ``address``'s cost
    budgets (mcp_proxy/costs.py, ratelimit.charge)."""
    call = Call(network, tool, params, session, owner, address)
    return await run_on_proxy_loop(_measured_call(call))


def session_tag(session: str) -> str:
    """What the MCP server sees of a chat session: a stable hash, never the id itself."""
    return hashlib.sha256(f"evmchat-session:{session}".encode()).hexdigest()[:32]


def owner_tag(owner: str) -> str:
    """What the MCP server sees of a chat's owner: a stable hash, never the key itself."""
    return hashlib.sha256(f"evmchat-owner:{owner}".encode()).hexdigest()[:32]


def call_meta(session: str, owner: str) -> dict[str, str]:
    """The ``_meta`` of a tools/call: the hashes of what the caller named, nothing else."""
    meta: dict[str, str] = {}
    if session:
        meta["evmchat/session"] = session_tag(session)
    if owner:
        meta["evmchat/owner"] = owner_tag(owner)
    return meta


async def network_health(networks: list[Network] | None = None) -> dict[str, dict[str, Any]]:
    """Each network's state, latency and last error (of ``networks``, by default all):

    - up: a replica answers and its RPC answers on the expected chain;
    - degraded: replicas answer, but none reaches its chain (its RPC fails, or serves another
      chain id);
    - down: no replica answers;
    - unavailable: no MCP server is configured for it.
    """
    return await run_on_proxy_loop(_network_health(networks))


def initialize_counts() -> dict[str, int]:
    """MCP handshakes sent per server URL since start: proves connections are reused."""
    return {server.connection.url: server.connection.initialize_count for server in _pool.servers()}


NOT_CONFIGURED = "not configured on this server"


def resolve(name: object) -> Network:
    """The network, if it exists and has MCP servers; else ProxyError. Whether they are up is
    for the call to find out: a server that is down or cannot reach its chain answers with its
    own error (mcp_proxy/availability.py keeps the chat from sending there meanwhile)."""
    try:
        network = get_network(name)  # type: ignore[arg-type]
    except UnknownNetwork as exc:
        raise ProxyError("unknown_network", str(exc), networks=exc.valid) from None
    if not network.mcp_urls:
        message = f"The {network.name} network is unavailable: {NOT_CONFIGURED}."
        raise ProxyError("unavailable", message)
    return network


async def _list_tools(name: str) -> list[ToolSpec]:
    network = resolve(name)
    deadline = time.monotonic() + settings.MCP_CALL_TIMEOUT
    return list((await _catalog.tools(network, deadline)).values())


async def _measured_call(call: Call) -> ToolResult:
    started = time.perf_counter()
    name, tool = call.network, call.tool
    outcome = "ok"
    try:
        return await _call_tool(call)
    except ProxyError as exc:
        outcome = exc.code
        raise
    except Exception:
        # A bug or a server answer nobody foresaw: the trace goes to the log, never to the user.
        logger.exception("tool call %s on %s failed unexpectedly", tool, name)
        outcome = "unreachable"
        raise ProxyError("unreachable", f"The {name} server's answer could not be used.") from None
    finally:
        # Only names from the table and the servers' lists become labels (bounded cardinality).
        network = name if name in settings.NETWORKS else "unknown"
        label = tool if _catalog.knows(network, tool) else "unknown"
        TOOL_CALLS.labels(network, label, outcome).inc()
        TOOL_CALL_SECONDS.labels(network, label).observe(time.perf_counter() - started)


async def _call_tool(call: Call) -> ToolResult:
    started = time.perf_counter()
    tool, params = call.tool, call.params
    if not isinstance(tool, str) or not 0 < len(tool) <= MAX_TOOL_NAME:
        raise ProxyError("bad_request", "The tool must be a name of at most 64 characters.")
    if not isinstance(params, dict):
        raise ProxyError("bad_request", "The params must be a JSON object.")
    network = resolve(call.network)
    deadline = time.monotonic() + settings.MCP_CALL_TIMEOUT
    spec = await _catalog.spec(network, tool, deadline)
    _catalog.validate(network, spec, params)
    await _charge_cost(call, tool, params)
    arguments: dict[str, Any] = {"name": tool, "arguments": params}
    if meta := call_meta(call.session, call.owner):
        arguments["_meta"] = meta
    result = await _pool.request(network, "tools/call", arguments, deadline, spec.read_only)
    return _tool_result(network, result, started)


async def _charge_cost(call: Call, tool: str, params: dict[str, Any]) -> None:
    """A costly call's units, drawn from its owner's and address's budgets before it is sent;
    a cheap one (cost 0) touches no counter. On a thread: the counters may be in Redis."""
    cost = costs.cost_of(tool, params)
    if cost and (call.owner or call.address):
        owner = owner_tag(call.owner) if call.owner else ""
        address = hashlib.sha256(f"evmchat-address:{call.address}".encode()).hexdigest()[:32]
        await asyncio.to_thread(ratelimit.charge, owner, address if call.address else "", cost)


def _tool_result(network: Network, result: dict[str, Any], started: float) -> ToolResult:
    text = scrub(_joined_text(result.get("content")))
    if result.get("isError"):
        # The agent says which step failed ("Sending failed on testnet: …"); this is the reason.
        raise ProxyError("tool_error", text or f"{network.name} gave no reason.")
    structured = result.get("structuredContent")
    duration_ms = int((time.perf_counter() - started) * 1000)
    return ToolResult(structured if isinstance(structured, dict) else None, text, duration_ms)


def _joined_text(content: object) -> str:
    if not isinstance(content, list):
        return ""
    parts = [c.get("text", "") for c in content if isinstance(c, dict) and c.get("type") == "text"]
    return "\n".join(str(part) for part in parts)


async def _network_health(networks: list[Network] | None) -> dict[str, dict[str, Any]]:
    networks = list(settings.NETWORKS.values()) if networks is None else networks
    states = await asyncio.gather(*(_one_network_health(network) for network in networks))
    return {network.name: state for network, state in zip(networks, states, strict=True)}


async def _one_network_health(network: Network) -> dict[str, Any]:
    if not network.mcp_urls:
        upper = network.name.upper()
        # For operators (/health, logs): what to set, on the backend and on its server.
        reason = (
            f"no MCP server is configured (MCP_{upper}_URL is empty); "
            f"its server reads {network.rpc_env}"
        )
        return {"state": "unavailable", "latency_ms": None, "last_error": reason, "replicas": []}
    servers = [_pool.server(network.name, url) for url in network.mcp_urls]
    replicas = await asyncio.gather(*(_replica_health(server) for server in servers))
    states = {replica["state"] for replica in replicas}
    up = [r for r in replicas if r["state"] == "up"]
    return {
        "state": next(state for state in ("up", "degraded", "down") if state in states),
        "latency_ms": min(r["latency_ms"] for r in up) if up else None,
        "last_error": next((r["last_error"] for r in replicas if r["last_error"]), ""),
        "replicas": list(replicas),
    }


async def _replica_health(server: Server) -> dict[str, Any]:
    probe = await _pool.probe(server, settings.MCP_HEALTH_TIMEOUT)
    breaker = server.breaker
    state = "down" if not probe.up else "up" if probe.chain_ok else "degraded"
    return {
        "state": state,
        "circuit": breaker.state(),
        "latency_ms": probe.latency_ms,
        "last_error": probe.error or breaker.last_error,
    }
