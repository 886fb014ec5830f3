"""The Anvil helper `make run` uses: binary from node_modules, fork when MAINNET_FORK_URL is set."""

from __future__ import annotations

import os
from dataclasses import replace

from django.conf import settings
from django.test import override_settings

from mcp_servers.anvil import FORK_ALIAS, anvil_binary, local_testnet_command


def with_testnet_rpc(url: str) -> dict:
    return {**settings.NETWORKS, "testnet": replace(settings.NETWORKS["testnet"], rpc_url=url)}


def test_binary_comes_from_the_npm_package() -> None:
    binary = anvil_binary()
    assert "node_modules/@foundry-rs/anvil-" in binary or os.environ.get("ANVIL_BIN")
    assert os.access(binary, os.X_OK)


def test_local_testnet_runs_on_the_configured_port_without_fork() -> None:
    with override_settings(NETWORKS=with_testnet_rpc("http://127.0.0.1:8545"), MAINNET_FORK_URL=""):
        command = local_testnet_command()
    assert command is not None
    assert command[1:] == ["--host", "127.0.0.1", "--port", "8545", "--chain-id", "31337"]


def test_mainnet_fork_url_makes_anvil_fork() -> None:
    fork = "https://eth.example/v2/key"
    with override_settings(
        NETWORKS=with_testnet_rpc("http://localhost:9545"), MAINNET_FORK_URL=fork
    ):
        command = local_testnet_command()
    assert command is not None
    # The URL (it may carry a key) stays off the command line: anvil_env carries it.
    assert command[-2:] == ["--fork-url", FORK_ALIAS] and "9545" in command
    assert fork not in " ".join(command)


def test_a_remote_testnet_is_not_started_here() -> None:
    with override_settings(NETWORKS=with_testnet_rpc("https://rpc.example/v1/key")):
        assert local_testnet_command() is None
