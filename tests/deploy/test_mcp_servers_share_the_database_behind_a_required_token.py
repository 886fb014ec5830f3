"""The MCP servers keep the spend policy's daily totals in the backend's PostgreSQL, shared by
every replica, and only the backend may call them: compose and Kubernetes always set the MCP
token, so no direct caller can name an owner and spend that owner's budget (issue 26, point 5).

Docker can't run on the development machine, so compose is checked structurally; Kubernetes as
kubectl kustomize renders the example overlay.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings

from chatproject.lib.networks import TABLE
from tests.deploy.k8s import container, container_env, env_names, env_sources, find, of_kind

ROOT = Path(settings.BASE_DIR)
# Compose's "required" interpolation: `up` stops with the message when the token is unset or
# empty, before any container starts.
REQUIRED_TOKEN = re.compile(r"\$\{MCP_AUTH_TOKEN:\?[^}]+\}")


class _ComposeLoader(yaml.SafeLoader):
    """Compose's `!reset` tag (drop a value inherited from the base file)."""


_ComposeLoader.add_constructor("!reset", lambda loader, node: None)

BASE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
SCALE = yaml.load((ROOT / "deploy/compose.scale.yml").read_text(), Loader=_ComposeLoader)
COMPOSE_MCP = {
    name: service
    for name, service in {**BASE, **SCALE["services"]}.items()
    if name.startswith("mcp-")
}


def test_compose_runs_an_mcp_server_per_network_and_the_scale_replica():
    assert set(COMPOSE_MCP) == {f"mcp-{row.name}" for row in TABLE} | {"mcp-testnet-2"}


@pytest.mark.parametrize("name", sorted(COMPOSE_MCP))
def test_every_compose_mcp_server_uses_the_backends_database_once_it_is_healthy(name):
    service = COMPOSE_MCP[name]
    assert service["environment"]["DATABASE_URL"] == BASE["backend"]["environment"]["DATABASE_URL"]
    assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}


@pytest.mark.parametrize("name", [*sorted(COMPOSE_MCP), "backend"])
def test_compose_will_not_start_an_mcp_server_or_the_backend_without_the_token(name):
    service = COMPOSE_MCP.get(name) or BASE[name]
    assert REQUIRED_TOKEN.fullmatch(service["environment"]["MCP_AUTH_TOKEN"])


def _runmcp(row: Any) -> dict[str, Any]:
    return container(find("Deployment", f"mcp-{row.name}"))


def _daphne() -> dict[str, Any]:
    return container(find("Deployment", "backend"), "daphne")


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.name)
def test_k8s_mcp_servers_read_the_backends_database_and_token_from_required_secrets(row):
    runmcp = _runmcp(row)
    env = env_names(runmcp)
    refs = {
        name: item["valueFrom"]["secretKeyRef"] for name, item in env.items() if "valueFrom" in item
    }
    for variable, secret in (("DATABASE_URL", "django-"), ("MCP_AUTH_TOKEN", "mcp-token-")):
        assert refs[variable]["name"].startswith(secret)
        assert refs[variable]["optional"] is False  # the pod does not start without it
    mine, backends = container_env(runmcp), container_env(_daphne())
    assert mine["DATABASE_URL"] == backends["DATABASE_URL"]
    assert mine["MCP_AUTH_TOKEN"] == backends["MCP_AUTH_TOKEN"] != ""


def test_k8s_backend_takes_the_token_from_its_required_secret():
    daphne = _daphne()
    assert "mcp-token" in env_sources(daphne)
    (source,) = [s for s in daphne["envFrom"] if "mcp-token" in str(s.get("secretRef"))]
    assert source["secretRef"].get("optional", False) is False


def _selects(policy: dict[str, Any], labels: dict[str, str]) -> bool:
    selector = policy["spec"]["podSelector"]
    assert not selector.get("matchExpressions"), "extend this test for matchExpressions"
    return selector.get("matchLabels", {}).items() <= labels.items()


def _allows_port(rule: dict[str, Any], port: int) -> bool:
    """An egress rule that lets TCP ``port`` out (no ``to``: any destination, which an
    overlay narrows to its PostgreSQL; no ``ports``: every port)."""
    ports = rule.get("ports")
    return not ports or any(
        p.get("protocol", "TCP") == "TCP" and p.get("port") in (None, port) for p in ports
    )


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.name)
def test_k8s_network_policies_let_mcp_pods_reach_postgresql(row):
    deployment = find("Deployment", f"mcp-{row.name}")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    postgres_port = urlsplit(container_env(_runmcp(row))["DATABASE_URL"]).port or 5432
    # Egress policies add up: once one selects the pod, only what some policy allows goes out.
    rules = [
        rule
        for policy in of_kind("NetworkPolicy")
        if _selects(policy, labels) and "Egress" in policy["spec"]["policyTypes"]
        for rule in policy["spec"].get("egress", [])
    ]
    assert any(_allows_port(rule, postgres_port) for rule in rules)
