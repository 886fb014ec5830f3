""".env.example also documents what `make run` and docker compose read from the environment
(the settings' own variables are checked by sessions_app's test_settings_env_example)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.conf import settings

from chatproject.lib.networks import TABLE

ROOT = Path(settings.BASE_DIR)
DOCUMENTED = set(
    re.findall(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M)
)


def test_runstack_variables_are_documented():
    source = (ROOT / "sessions_app/management/commands/runstack.py").read_text()
    read = set(re.findall(r"""\benv\.\w+\(\s*"([A-Z][A-Z0-9_]*)\"""", source))
    assert {"BACKEND_HOST", "BACKEND_PORT", "CLEANUP_INTERVAL"} <= read
    assert read <= DOCUMENTED


def test_compose_interpolations_are_documented():
    compose = (ROOT / "docker-compose.yml").read_text()
    # ${NAME...} is compose's; $${NAME} is left to the container's shell (read there from .env).
    interpolated = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", compose))
    assert interpolated
    assert interpolated <= DOCUMENTED


def test_compose_profiles_and_anvil_binary_are_documented():
    assert {"COMPOSE_PROFILES", "ANVIL_BIN", "MAINNET_FORK_URL"} <= DOCUMENTED


def test_the_configuration_table_lists_every_variable_of_env_example():
    readme = (ROOT / "docs" / "configuration.md").read_text()
    in_table = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", readme, re.M))
    assert not DOCUMENTED - in_table, (
        f"docs/configuration.md lacks: {sorted(DOCUMENTED - in_table)}"
    )


def test_the_rpc_urls_it_documents_are_the_mcp_servers_and_never_the_backends():
    """Each RPC variable of .env.example is said to be its MCP server's, and none reaches a
    backend: not compose's, not Kubernetes', not `make run`'s (test_stack_plan.py)."""
    example = (ROOT / ".env.example").read_text()
    rpc = {row.rpc_env for row in TABLE}
    assert rpc <= DOCUMENTED
    assert "read by its network's MCP server (`runmcp`) alone: the backend needs none" in " ".join(
        line.removeprefix("# ") for line in example.splitlines()
    )
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert not rpc & set(compose["services"]["backend"]["environment"])
    backend_yaml = (ROOT / "deploy/k8s/base/backend.yaml").read_text()
    assert "rpc-urls" not in backend_yaml
    assert not any(variable in backend_yaml for variable in rpc)
