"""Wiring: the MCP server for one network and the ASGI app around it (/mcp, /health, auth)."""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from typing import Any

from django.conf import settings
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.tools.base import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import ConfigDict, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from chatproject.lib.networks import Network
from chatproject.lib.redact import redact_data
from mcp_servers import caller
from mcp_servers.chain import Chain
from mcp_servers.errors import describe_error, describe_validation_error
from mcp_servers.results import error_result
from mcp_servers.tools import specs_for
from mcp_servers.tools.base import ToolSpec

logger = logging.getLogger(__name__)

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
EXPLICIT_PORT_RE = re.compile(r"(^[^:\[\]]+|\])(:\d+)$")


class RawArguments(ArgModelBase):
    """Hands the raw arguments to the tool wrapper, which validates them with the tool's own
    model and turns a validation error into a readable sentence."""

    model_config = ConfigDict(extra="allow")

    def model_dump_one_level(self) -> dict[str, Any]:
        return dict(self.__pydantic_extra__ or {})


async def run_tool(
    spec: ToolSpec, chain: Chain, arguments: dict[str, Any], session: str = "", owner: str = ""
) -> CallToolResult:
    # The spend policy's daily totals and the testnet's dev accounts are the owner's own.
    caller.CALLER_SESSION.set(session)
    caller.CALLER_OWNER.set(owner)
    try:
        params = spec.input_model.model_validate(arguments)
        # Each RPC call has its own timeout; this bounds a tool that makes several.
        result = await asyncio.wait_for(spec.function(chain, params), chain.timeout * 3)
    except ValidationError as exc:
        descriptions = {
            name: field.description or "" for name, field in spec.input_model.model_fields.items()
        }
        return error_result(describe_validation_error(spec.name, exc, descriptions))
    except Exception as exc:
        return error_result(describe_error(exc, chain.name, chain.timeout, chain.secrets))
    return result.to_call_result()


def make_tool(spec: ToolSpec, chain: Chain) -> Tool:
    async def call(context: Context, **arguments: Any) -> CallToolResult:
        meta = context.request_context.meta or {}
        session = str(meta.get(caller.SESSION_META_KEY) or "")[:128]
        owner = str(meta.get(caller.OWNER_META_KEY) or "")[:64]
        return await run_tool(spec, chain, arguments, session, owner)

    annotations = ToolAnnotations(
        title=spec.title,
        read_only_hint=spec.read_only,
        destructive_hint=spec.destructive,
        idempotent_hint=spec.read_only,
        open_world_hint=True,
    )
    return Tool(
        fn=call,
        name=spec.name,
        title=spec.title,
        description=spec.description,
        parameters=spec.input_model.model_json_schema(),
        fn_metadata=FuncMetadata(arg_model=RawArguments),
        is_async=True,
        context_kwarg="context",
        annotations=annotations,
    )


def build_server(network: Network, chain: Chain | None = None) -> MCPServer:
    """The MCP server for ``network``: its tools, bound to one chain connection."""
    chain = chain or Chain(network, timeout=settings.RPC_TIMEOUT)
    tools = [make_tool(spec, chain) for spec in specs_for(network)]
    instructions = (
        f"EVM tools for {network.name} (chain id {network.chain_id}). "
        + ("Dev network: send_transaction signs with the node's unlocked accounts."
           if network.dev else "Writes: prepare_transaction returns an unsigned transaction.")
    )  # fmt: skip
    return MCPServer(name=f"evm-{network.name}", instructions=instructions, tools=tools)


def transport_security(allowed_hosts: list[str]) -> TransportSecuritySettings:
    """DNS-rebinding and Origin protection stays on; containers add their service names
    (MCP_ALLOWED_HOSTS, e.g. "mcp-testnet"; a name without a port allows any port)."""
    hosts: list[str] = []
    for host in [*LOCAL_HOSTS, *(h.strip() for h in allowed_hosts if h.strip())]:
        hosts += [host] if EXPLICIT_PORT_RE.search(host) else [host, f"{host}:*"]
    origins = [f"{scheme}://{host}" for host in hosts for scheme in ("http", "https")]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


async def health(chain: Chain, tool_names: list[str]) -> dict[str, Any]:
    """What /health shows: never the RPC URL."""
    report: dict[str, Any] = {
        "network": chain.name,
        "expected_chain_id": chain.network.chain_id,
        "chain_id": None,
        "rpc_ok": False,
        "latest_block": None,
        "tools": tool_names,
    }
    try:
        async with asyncio.timeout(min(chain.timeout, 5.0)):
            report["chain_id"], report["latest_block"] = await asyncio.gather(
                chain.w3.eth.chain_id, chain.w3.eth.block_number
            )
        report["rpc_ok"] = True
        if chain.network.dev:
            chain.start_kit()  # a stack's first health check installs the testnet kit
    except Exception as exc:
        report["rpc_error"] = describe_error(exc, chain.name, chain.timeout, chain.secrets)
    report["chain_ok"] = report["chain_id"] == chain.network.chain_id
    report["status"] = "ok" if report["rpc_ok"] and report["chain_ok"] else "degraded"
    return dict(redact_data(report))


class BearerAuth:
    """Every request must carry ``Authorization: Bearer <token>`` (constant-time compare)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                response = JSONResponse(
                    {
                        "error": {
                            "code": "unauthorized",
                            "message": "A valid bearer token is required.",
                        }
                    },
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def build_app(
    network: Network,
    chain: Chain | None = None,
    auth_token: str | None = None,
    allowed_hosts: list[str] | None = None,
    max_body_bytes: int | None = None,
) -> ASGIApp:
    """The ASGI app `runmcp` serves: /mcp (stateless, JSON responses) and GET /health."""
    chain = chain or Chain(network, timeout=settings.RPC_TIMEOUT)
    server = build_server(network, chain)
    tool_names = [spec.name for spec in specs_for(network)]
    security = transport_security(
        settings.MCP_ALLOWED_HOSTS if allowed_hosts is None else allowed_hosts
    )
    guard = TransportSecurityMiddleware(security)

    @server.custom_route("/health", methods=["GET"])
    async def health_view(request: Request) -> Response:
        # The Host/Origin checks of /mcp (DNS rebinding), here too: health names the RPC error.
        refused = await guard.validate_request(request)
        return refused or JSONResponse(await health(chain, tool_names))

    app: Starlette = server.streamable_http_app(
        json_response=True,
        stateless_http=True,
        transport_security=security,
        max_request_body_size=max_body_bytes or settings.MCP_MAX_BODY_BYTES,
    )
    token = settings.MCP_AUTH_TOKEN if auth_token is None else auth_token
    return BearerAuth(app, token) if token else app
