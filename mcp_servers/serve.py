"""Serving one network: start-up checks, then uvicorn. `runmcp` runs this module as a lean
process (`python -m mcp_servers.serve`): no Django app registry and no database, which keeps a
network server's memory small (see docs/benchmarks.md). Settings still come from
chatproject.settings (Django settings are lazy and need no `django.setup()`)."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import logging.config
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")

from django.conf import settings

from chatproject.lib.logcontext import bind
from chatproject.lib.networks import Network, UnknownNetwork, get_network
from chatproject.lib.startup_checks import (
    DEV_MCP_SERVER_SECRETS,
    MCP_SERVER_SECRETS,
    placeholder_refusal,
)
from mcp_servers import startup  # noqa: F401  (first: web3 without the BLS tables)
from mcp_servers.chain import Chain, wrong_chain_message
from mcp_servers.cli_args import add_arguments
from mcp_servers.server import build_app

logger = logging.getLogger("mcp_servers.serve")


class StartupError(Exception):
    """Refusing to serve; the message says why and what to do."""


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


def rpc_chain_id(network: Network) -> int:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    request = urllib.request.Request(  # noqa: S310 (the RPC URL is the operator's own setting)
        network.rpc_url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=min(settings.RPC_TIMEOUT, 5)) as response:  # noqa: S310
        return int(json.loads(response.read())["result"], 16)


def check_chain(network: Network, allow_wrong: bool) -> None:
    """Refuse to serve the wrong chain; an unreachable RPC is only a warning (it may start later,
    and the first tool call checks the chain id again)."""
    try:
        actual = rpc_chain_id(network)
    except (OSError, urllib.error.URLError, ValueError, KeyError, TypeError) as exc:
        logger.warning(
            "The %s RPC did not answer eth_chainId (%s); serving anyway.",
            network.name,
            type(exc).__name__,  # the exception text may quote the URL: the name only
        )
        return
    if actual == network.chain_id:
        return
    if not allow_wrong:
        raise StartupError(wrong_chain_message(network, actual))
    logger.warning(
        "The RPC for %s serves chain id %s, not %s; serving anyway (--allow-wrong-chain).",
        network.name,
        actual,
        network.chain_id,
    )


def configure_logging() -> None:
    logging.config.dictConfig(settings.LOGGING)
    # web3 logs the endpoint URI at debug level (it may carry a key); the SDK logs every
    # stateless request at info level, which costs time on each call.
    for name in ("web3", "aiohttp", "urllib3", "mcp", "httpx2"):
        logging.getLogger(name).setLevel(logging.WARNING)


def serve(network_name: str, host: str, port: int | None, allow_wrong_chain: bool) -> None:
    try:
        network = get_network(network_name)
    except UnknownNetwork as exc:
        raise StartupError(str(exc)) from None
    per_owner = network.dev and settings.TESTNET_ACCOUNTS == "per_owner"
    secrets = DEV_MCP_SERVER_SECRETS if per_owner else MCP_SERVER_SECRETS
    if refusal := placeholder_refusal(secrets):
        raise StartupError(refusal)  # a placeholder token, password or account secret
    if not network.rpc_url:
        raise StartupError(f"{network.name} has no RPC URL: set {network.rpc_env} to serve it.")
    bind(network=network.name)  # the network on every log line of this process
    check_chain(network, allow_wrong_chain)
    chain = Chain(network, timeout=settings.RPC_TIMEOUT, allow_wrong_chain=allow_wrong_chain)
    port = port or network.mcp_port
    print(f"MCP server for {network.name} on http://{host}:{port}/mcp", flush=True)
    config = uvicorn.Config(
        build_app(network, chain),
        host=host,
        port=port,
        log_level="warning",
        log_config=None,  # keep our logging configuration
        access_log=False,
        ws="none",  # MCP speaks HTTP only: no websocket protocol to import at start-up
        # asyncio's own loop, on which this server's memory and latency were measured (uvloop,
        # installed for daphne, would otherwise be uvicorn's pick).
        loop="asyncio",
        timeout_graceful_shutdown=1,  # SIGTERM must finish within 2 s
    )
    server = CleanExitServer(config)
    # What start-up built lives as long as the process: keep it out of every later collection
    # (manage.py runs the start-up with the collector off).
    gc.freeze()
    gc.enable()
    server.run()


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="manage.py runmcp", description=__doc__)
    add_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    options = parser().parse_args(argv)
    configure_logging()
    try:
        serve(options.network, options.host, options.port, options.allow_wrong_chain)
    except StartupError as exc:
        print(f"runmcp: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
