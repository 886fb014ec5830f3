"""deploy/k8s agrees with the network table: an MCP server Deployment and Service per network.

The same promise as test_compose_matches_network_table.py, for Kubernetes: the files are
generated from chatproject/lib/networks.py (deploy/k8s/generate.py) and must be regenerated when
the table changes; the rendered manifests are then checked network by network.
"""

from __future__ import annotations

import importlib.util

import pytest

from chatproject.lib.networks import TABLE
from tests.deploy.k8s import (
    K8S,
    container,
    env_names,
    env_sources,
    find,
    of_kind,
    pod_spec,
    workloads,
)

spec = importlib.util.spec_from_file_location("k8s_generate", K8S / "generate.py")
assert spec and spec.loader
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)


@pytest.mark.parametrize("filename", sorted(generate.GENERATED))
def test_the_committed_files_are_what_the_table_generates(filename):
    committed = (K8S / "base" / filename).read_text()
    assert committed == generate.GENERATED[filename](), (
        f"deploy/k8s/base/{filename} is out of step with chatproject/lib/networks.py: "
        "run .venv/bin/python deploy/k8s/generate.py"
    )


def test_there_is_no_mcp_server_without_a_network():
    expected = {f"mcp-{row.name}" for row in TABLE}
    for kind in ("Deployment", "Service", "PodDisruptionBudget"):
        names = {doc["metadata"]["name"] for doc in of_kind(kind)}
        assert {name for name in names if name.startswith("mcp-")} == expected, kind


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.name)
def test_each_network_has_a_runmcp_deployment_on_its_port(row):
    deployment = find("Deployment", f"mcp-{row.name}")
    runmcp = container(deployment)
    port = str(row.mcp_port)
    assert runmcp["command"] == [
        *("python", "manage.py", "runmcp", row.name),
        *("--host", "0.0.0.0", "--port", port),
    ]
    assert runmcp["ports"] == [{"name": "mcp", "containerPort": row.mcp_port}]
    assert deployment["spec"]["replicas"] >= 2
    for probe in ("readinessProbe", "livenessProbe"):
        check = " ".join(runmcp[probe]["exec"]["command"])
        assert f"http://127.0.0.1:{port}/health" in check
        assert "Bearer $MCP_AUTH_TOKEN" in check  # the token guards /health too


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.name)
def test_each_server_gets_its_own_rpc_url_the_database_and_the_token_and_no_other_secret(row):
    runmcp = container(find("Deployment", f"mcp-{row.name}"))
    env = env_names(runmcp)
    assert env["MCP_ALLOWED_HOSTS"]["value"] == f"mcp-{row.name}"
    secrets = {
        name: item["valueFrom"]["secretKeyRef"] for name, item in env.items() if "valueFrom" in item
    }
    # A dev network also derives each owner's accounts from a secret of its own.
    own = {"TESTNET_ACCOUNTS_SECRET"} if row.dev else set()
    assert set(secrets) == {row.rpc_env, "DATABASE_URL", "MCP_AUTH_TOKEN", *own}
    assert secrets[row.rpc_env]["key"] == row.rpc_env
    assert secrets[row.rpc_env]["name"].startswith("rpc-urls-")
    assert secrets["DATABASE_URL"]["name"].startswith("django-")  # not SECRET_KEY, not Redis
    assert secrets["MCP_AUTH_TOKEN"]["name"].startswith("mcp-token-")
    assert env_sources(runmcp) == ["settings"]


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.name)
def test_each_network_has_a_service_the_backend_finds_it_at(row):
    service = find("Service", f"mcp-{row.name}")
    assert service["spec"]["selector"] == {"app.kubernetes.io/name": f"mcp-{row.name}"}
    assert service["spec"]["ports"] == [{"name": "mcp", "port": row.mcp_port, "targetPort": "mcp"}]
    urls = find("ConfigMap", "mcp-urls")["data"]
    assert urls[f"MCP_{row.name.upper()}_URL"] == f"http://mcp-{row.name}:{row.mcp_port}/mcp"
    assert "mcp-urls" in env_sources(container(find("Deployment", "backend"), "daphne"))


def test_the_rpc_urls_secret_reaches_the_mcp_servers_only():
    """The backend never calls an RPC: which networks are up, it learns from their /health."""
    for workload in workloads():
        spec = pod_spec(workload)
        text = str([*spec.get("initContainers", []), *spec["containers"]])
        is_server = workload["metadata"]["name"].startswith("mcp-")
        assert ("rpc-urls" in text) == is_server, workload["metadata"]["name"]
        if not is_server:
            assert not any(row.rpc_env in text for row in TABLE), workload["metadata"]["name"]


def test_every_rpc_variable_of_the_table_is_in_the_example_secret():
    example = (K8S / "overlays" / "example" / "secrets" / "rpc-urls.env.example").read_text()
    keys = {line.split("=", 1)[0] for line in example.splitlines() if "=" in line}
    assert keys == {row.rpc_env for row in TABLE}
