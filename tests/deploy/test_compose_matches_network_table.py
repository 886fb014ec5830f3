"""docker-compose.yml agrees with the network table: a server per network, same ports/commands.

Docker can't run on the development machine, so the file is checked structurally here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.conf import settings

from chatproject.lib.networks import TABLE

ROOT = Path(settings.BASE_DIR)
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
BACKEND_ENV = SERVICES["backend"]["environment"]
SCALE_TEXT = (ROOT / "deploy/compose.scale.yml").read_text()


def test_the_table_in_settings_is_the_table_compose_follows():
    assert [row.name for row in TABLE] == list(settings.NETWORKS)


def test_there_is_no_mcp_service_without_a_network():
    mcp_services = {name for name in SERVICES if name.startswith("mcp-")}
    assert mcp_services == {f"mcp-{row.name}" for row in TABLE}


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.name)
def test_each_network_has_a_runmcp_service_on_its_port(row):
    service = SERVICES[f"mcp-{row.name}"]
    port = str(row.mcp_port)
    assert service["command"] == [
        *("python", "manage.py", "runmcp", row.name),
        *("--host", "0.0.0.0", "--port", port),
    ]
    assert service["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert f"http://127.0.0.1:{port}/health" in service["healthcheck"]["test"][-1]
    assert service["environment"]["MCP_ALLOWED_HOSTS"] == f"mcp-{row.name}"


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.name)
def test_the_backend_finds_each_server_at_its_service(row):
    url = BACKEND_ENV[f"MCP_{row.name.upper()}_URL"]
    assert url == f"http://mcp-{row.name}:{row.mcp_port}/mcp"


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.name)
def test_the_backend_gets_no_rpc_url_in_either_file(row):
    """It never calls an RPC: which networks are up, it learns from the servers' /health."""
    scale = yaml.safe_load(SCALE_TEXT)["services"]["backend"]
    for environment in (BACKEND_ENV, scale["environment"]):
        assert row.rpc_env not in environment
        assert row.rpc_env not in str(environment.values())


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.name)
def test_only_testnet_runs_without_a_profile_and_the_backend_waits_for_it(row):
    service = SERVICES[f"mcp-{row.name}"]
    dependency = SERVICES["backend"]["depends_on"][f"mcp-{row.name}"]
    assert dependency["condition"] == "service_healthy"
    if row.name == "testnet":
        assert "profiles" not in service
        assert dependency.get("required", True) is True
    else:
        assert service["profiles"] == [row.name]  # a server without an RPC URL won't start
        assert dependency["required"] is False


def test_testnet_runs_on_anvil_which_forks_mainnet_when_asked():
    testnet = next(row for row in TABLE if row.name == "testnet")
    assert SERVICES["mcp-testnet"]["environment"]["TESTNET_RPC_URL"] == "http://anvil:8545"
    anvil = " ".join(SERVICES["anvil"]["command"])
    assert f"--chain-id {testnet.chain_id}" in anvil
    assert "--port 8545" in anvil
    # The URL itself reaches Anvil through its environment (test_fork_url_not_in_process_list).
    assert "$${MAINNET_FORK_URL:+--fork-url mainnet_fork}" in anvil


@pytest.mark.parametrize("name", list(SERVICES))
def test_every_service_has_a_health_check(name):
    assert SERVICES[name]["healthcheck"]["test"]


@pytest.mark.parametrize("name", list(SERVICES))
def test_every_dependency_waits_for_health(name):
    for dependency in SERVICES[name].get("depends_on", {}).values():
        assert dependency["condition"] == "service_healthy"


def test_the_backend_migrates_then_runs_daphne_on_8080_over_postgres_and_redis():
    command = " ".join(SERVICES["backend"]["command"])
    assert command.index("migrate --noinput") < command.index("daphne")
    assert "-b 0.0.0.0 -p 8080 chatproject.asgi:application" in command
    # Never published: the public port is nginx's, with its body cap (tests/abuse).
    assert "ports" not in SERVICES["backend"] and SERVICES["backend"]["expose"] == ["8080"]
    assert BACKEND_ENV["DATABASE_URL"].startswith("postgres://")
    assert BACKEND_ENV["REDIS_URL"].startswith("redis://redis:")
    for dependency in ("postgres", "redis"):
        assert dependency in SERVICES["backend"]["depends_on"]


def test_there_is_no_frontend_service():
    assert "frontend" not in SERVICES  # the backend serves the pages


def test_app_services_take_their_settings_from_dot_env_one_by_one():
    """Each names the variables it reads (test_compose_least_privilege.py), never all of .env."""
    for name, service in SERVICES.items():
        if service.get("image", "").startswith("evmchat"):
            assert "env_file" not in service, name
            assert service["environment"], name
