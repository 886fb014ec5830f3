"""`python manage.py runmcp <network>`: one MCP server bound to one network of the table."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatproject.networks import Network, UnknownNetwork, get_network
from mcp_servers.chain import Chain, wrong_chain_message
from mcp_servers.errors import scrub
from mcp_servers.server import build_app

logger = logging.getLogger("mcp_servers.runmcp")


class Command(BaseCommand):
    help = "Serve the EVM MCP tools for one network over streamable HTTP at /mcp."
    requires_system_checks: list[str] = []  # no database, no checks: start fast

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("network", help="A network name from the network table.")
        parser.add_argument("--host", default="127.0.0.1", help="Bind address (127.0.0.1).")
        parser.add_argument("--port", type=int, help="Port (default: the network's MCP port).")
        parser.add_argument(
            "--allow-wrong-chain",
            action="store_true",
            help="Serve even when the RPC's chain id differs from the network table.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            network = get_network(options["network"])
        except UnknownNetwork as exc:
            raise CommandError(str(exc)) from None
        if not network.rpc_url:
            raise CommandError(f"{network.name} has no RPC URL: set {network.rpc_env} to serve it.")
        allow_wrong = bool(options["allow_wrong_chain"])
        check_chain_at_startup(network, allow_wrong, self.stderr.write)
        chain = Chain(network, timeout=settings.RPC_TIMEOUT, allow_wrong_chain=allow_wrong)
        port = options["port"] or network.mcp_port
        quiet_rpc_loggers()
        self.stdout.write(f"MCP server for {network.name} on http://{options['host']}:{port}/mcp")
        self.stdout.flush()
        config = uvicorn.Config(
            build_app(network, chain),
            host=options["host"],
            port=port,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,  # SIGTERM must finish within 2 s
        )
        CleanExitServer(config).run()


class CleanExitServer(uvicorn.Server):
    """After a graceful shutdown on SIGTERM/SIGINT, exit with status 0 instead of re-raising the
    signal (uvicorn's default), so supervisors see a clean stop."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            try:
                yield
            finally:
                self._captured_signals.clear()


def check_chain_at_startup(network: Network, allow_wrong: bool, warn: Any) -> None:
    """Refuse to serve the wrong chain; an unreachable RPC is only a warning (it may start later,
    and the first tool call checks the chain id again)."""
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    try:
        response = httpx.post(network.rpc_url, json=body, timeout=min(settings.RPC_TIMEOUT, 5))
        actual = int(response.json()["result"], 16)
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        reason = scrub(type(exc).__name__, [network.rpc_url])
        warn(
            f"Warning: the {network.name} RPC did not answer eth_chainId ({reason}); "
            "serving anyway."
        )
        return
    if actual != network.chain_id:
        if not allow_wrong:
            raise CommandError(wrong_chain_message(network, actual))
        warn(
            f"Warning: the RPC for {network.name} serves chain id {actual}, not "
            f"{network.chain_id}; serving anyway (--allow-wrong-chain)."
        )


def quiet_rpc_loggers() -> None:
    """web3 logs the endpoint URI at debug level (the URL may carry a key); the SDK logs every
    stateless request at info level, which costs time on each call."""
    for name in ("web3", "aiohttp", "urllib3", "mcp"):
        logging.getLogger(name).setLevel(logging.WARNING)
