"""What `make run` starts follows the network table and the environment."""

from __future__ import annotations

import environ
import pytest

from chatproject.lib.networks import TABLE, build_network_table
from chatproject.stack import RPC_VARIABLES, StackOptions, missing_urls, plan
from mcp_servers.anvil import FORK_ALIAS, FORK_CONFIG
from tests.deploy.helpers import stack_env_serving_only_testnet


@pytest.fixture
def configure(monkeypatch, settings):
    """Set environment variables, then rebuild the network table from them."""

    def apply(**variables: str) -> None:
        for key, value in {
            **stack_env_serving_only_testnet("http://127.0.0.1:8545"),
            **variables,
        }.items():
            monkeypatch.setenv(key, value)
        for row in TABLE:
            monkeypatch.delenv(f"MCP_{row.name.upper()}_URL", raising=False)
        settings.NETWORKS = build_network_table(environ.Env())
        settings.MAINNET_FORK_URL = variables.get("MAINNET_FORK_URL", "")

    return apply


def _by_name(options: StackOptions | None = None) -> dict:
    return {process.name: process for process in plan(options or StackOptions())}


def test_embedded_defaults_start_anvil_testnet_backend_and_cleanup(configure):
    configure()
    processes = _by_name()
    assert list(processes) == ["anvil", "mcp-testnet", "backend", "cleanup"]
    assert "8545" in processes["anvil"].argv
    assert processes["mcp-testnet"].argv[-4:] == ["runmcp", "testnet", "--port", "5000"]
    assert processes["backend"].argv[-5:-1] == ["-b", "127.0.0.1", "-p", "8080"]
    assert processes["backend"].argv[-1] == "chatproject.asgi:application"
    assert "--loop" in processes["cleanup"].argv


def test_a_network_with_an_rpc_url_gets_its_mcp_server(configure):
    configure(POLYGON_RPC_URL="https://polygon.example/key")
    processes = _by_name()
    assert processes["mcp-polygon"].argv[-4:] == ["runmcp", "polygon", "--port", "5002"]
    assert "mcp-mainnet" not in processes


def test_a_remote_testnet_rpc_starts_no_anvil(configure):
    configure(TESTNET_RPC_URL="https://testnet.example:8545")
    assert "anvil" not in _by_name()


def test_mainnet_fork_url_makes_anvil_fork(configure):
    configure(MAINNET_FORK_URL="https://mainnet.example/key")
    anvil = _by_name()["anvil"]
    # Named by its alias on the command line; the URL itself is in Anvil's environment only.
    assert anvil.argv[anvil.argv.index("--fork-url") + 1] == FORK_ALIAS
    assert "https://mainnet.example/key" not in " ".join(anvil.argv)
    assert anvil.env["MAINNET_FORK_URL"] == "https://mainnet.example/key"
    assert anvil.env["FOUNDRY_CONFIG"] == str(FORK_CONFIG)


def test_moved_ports_reach_anvil_runmcp_and_the_backend(configure):
    configure(TESTNET_RPC_URL="http://127.0.0.1:18545", MCP_TESTNET_PORT="15000")
    processes = _by_name(StackOptions(port=18080))
    assert "18545" in processes["anvil"].argv
    assert processes["mcp-testnet"].argv[-1] == "15000"
    assert processes["backend"].env["MCP_TESTNET_URL"] == "http://127.0.0.1:15000/mcp"
    assert "18080" in processes["backend"].argv


def test_an_explicit_mcp_url_is_left_alone(configure, monkeypatch):
    configure()
    monkeypatch.setenv("MCP_TESTNET_URL", "http://10.0.0.5:5000/mcp,http://10.0.0.6:5000/mcp")
    env = _by_name()["backend"].env
    assert env["MCP_TESTNET_URL"] == "http://10.0.0.5:5000/mcp,http://10.0.0.6:5000/mcp"


def test_private_keys_stay_out_of_the_log(configure):
    configure()
    assert "--silent" in _by_name()["anvil"].argv


def test_database_and_redis_urls_reach_every_python_process(configure, monkeypatch):
    configure()
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/evmchat_x")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    for name in ("mcp-testnet", "backend", "cleanup"):
        env = _by_name()[name].env
        assert env["DATABASE_URL"].endswith("/evmchat_x")
        assert env["REDIS_URL"] == "redis://127.0.0.1:6379/3"


@pytest.mark.parametrize(
    ("unset", "started"),
    [
        (("DATABASE_URL", "REDIS_URL"), ["DATABASE_URL", "REDIS_URL"]),
        (("DATABASE_URL",), ["DATABASE_URL"]),
        ((), []),
    ],
)
def test_postgresql_and_valkey_start_only_for_an_unset_url(monkeypatch, unset, started):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@db.example:5432/evmchat")
    monkeypatch.setenv("REDIS_URL", "redis://redis.example:6379/0")
    for name in unset:
        monkeypatch.setenv(name, "")
    assert missing_urls() == started


def test_each_rpc_url_reaches_its_own_mcp_server_alone(configure, monkeypatch):
    configure(POLYGON_RPC_URL="https://polygon.example/key")
    monkeypatch.setenv("MAINNET_FORK_URL", "https://mainnet.example/fork-key")
    processes = _by_name()
    for name in ("backend", "cleanup"):
        assert not RPC_VARIABLES & set(processes[name].env), name
        assert "MAINNET_FORK_URL" not in processes[name].env
    assert processes["mcp-polygon"].env["POLYGON_RPC_URL"] == "https://polygon.example/key"
    assert not (RPC_VARIABLES - {"POLYGON_RPC_URL"}) & set(processes["mcp-polygon"].env)
    assert not (RPC_VARIABLES - {"TESTNET_RPC_URL"}) & set(processes["mcp-testnet"].env)


def test_the_backend_finds_no_server_for_a_network_make_run_does_not_serve(configure):
    configure(POLYGON_RPC_URL="https://polygon.example/key")
    env = _by_name()["backend"].env
    assert env["MCP_POLYGON_URL"] == "http://127.0.0.1:5002/mcp"
    for name in ("MAINNET", "BASE", "ARBITRUM"):
        assert env[f"MCP_{name}_URL"] == ""  # listed as not configured on this server
