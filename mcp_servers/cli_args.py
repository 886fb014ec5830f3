"""The command line of `runmcp` (shared by the Django command and the lean serve process)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("network", help="A network name from the network table.")
    parser.add_argument("--host", default="127.0.0.1", help="Bind address (127.0.0.1).")
    parser.add_argument("--port", type=int, help="Port (default: the network's MCP port).")
    parser.add_argument(
        "--allow-wrong-chain",
        action="store_true",
        help="Serve even when the RPC's chain id differs from the network table.",
    )
