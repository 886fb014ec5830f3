"""Anvil, the local testnet node: where its binary lives and how to start it.

The binary comes from the npm package `@foundry-rs/anvil` (installed by `npm ci` into
node_modules); `make run` and the test fixtures both use these helpers.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
# Anvil reads the fork URL from its environment, never from its command line (anyone on the
# machine can list command lines, and the URL may carry an API key): the command names the
# alias FORK_ALIAS, which the Foundry config file FORK_CONFIG maps to ${MAINNET_FORK_URL}.
FORK_ALIAS = "mainnet_fork"
FORK_CONFIG = Path(__file__).resolve().parent / "anvil_fork.toml"


def anvil_binary() -> str:
    """Anvil from the npm package (node_modules), or ANVIL_BIN, or the PATH."""
    if os.environ.get("ANVIL_BIN"):
        return os.environ["ANVIL_BIN"]
    for candidate in sorted((BASE_DIR / "node_modules" / "@foundry-rs").glob("anvil-*/bin/anvil")):
        return str(candidate)
    return "anvil"


def anvil_args(
    host: str = "127.0.0.1",
    port: int = 8545,
    chain_id: int = 31337,
    fork_url: str | None = None,
    extra: list[str] | None = None,
) -> list[str]:
    """The command line that starts Anvil; with ``fork_url`` (MAINNET_FORK_URL) it forks mainnet.

    Forking keeps mainnet contracts (ENS among them) reachable on the local chain. The command
    line names the fork by its alias only: start it with ``anvil_env(fork_url)`` in its
    environment, which carries the URL itself.
    """
    args = [anvil_binary(), "--host", host, "--port", str(port), "--chain-id", str(chain_id)]
    if fork_url:
        args += ["--fork-url", FORK_ALIAS]
    return [*args, *(extra or [])]


def anvil_env(fork_url: str | None) -> dict[str, str]:
    """The variables Anvil needs to resolve the fork alias of ``anvil_args`` ({} without one)."""
    if not fork_url:
        return {}
    return {"FOUNDRY_CONFIG": str(FORK_CONFIG), "MAINNET_FORK_URL": fork_url}


def local_testnet_command() -> list[str] | None:
    """The Anvil command `make run` should start for testnet, or None when TESTNET_RPC_URL
    points at a node that is not on this machine (then someone else runs it).

    Forks mainnet when MAINNET_FORK_URL is set (ENS then works on testnet too); the chain id
    stays testnet's, so runmcp's chain check still passes.
    """
    from django.conf import settings

    testnet = settings.NETWORKS["testnet"]
    parts = urlsplit(testnet.rpc_url)
    if parts.hostname not in ("127.0.0.1", "localhost") or parts.path.strip("/"):
        return None
    return anvil_args(
        host=parts.hostname,
        port=parts.port or 8545,
        chain_id=testnet.chain_id,
        fork_url=settings.MAINNET_FORK_URL or None,
    )
