"""The rendered pods' commands, environments and probes work against the real app.

No cluster here: each container's command runs as a local process with the environment
Kubernetes would give it (rendered ConfigMaps and the example's Secrets), changed only where
this machine differs: 127.0.0.1 and a free port instead of 0.0.0.0 and the pod's port, the
test's PostgreSQL, Redis and Anvil instead of the example's URLs, this venv's python, and
tokens of an operator's own instead of the example's placeholders (which are refused:
test_placeholder_secrets_are_refused.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from chatproject.lib.networks import TABLE
from tests.deploy.k8s import ROOT, container, container_env, find, pod_spec, with_operator_secrets
from testsupport import local_http
from testsupport.processes import Process, free_port, postgres_url, wait_until

DEADLINE = 60.0
MCP_ACCEPT = {"Accept": "application/json, text/event-stream"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "k8s-test", "version": "1"},
    },
}


def _local(argv: list[str], pod_port: int, port: int) -> list[str]:
    """A container's argv as a local process: this python, loopback, a free port."""
    swap = {"python": sys.executable, "0.0.0.0": "127.0.0.1", str(pod_port): str(port)}
    moved = (f"127.0.0.1:{pod_port}/", f"127.0.0.1:{port}/")  # in a probe's shell line
    return [swap.get(arg, arg).replace(*moved) for arg in argv]


def _offline(env: dict[str, str], rpc_url: str = "") -> dict[str, str]:
    """The example points at hosts of its own (*.example.org): everything here stays local. An
    MCP server gets ``rpc_url`` as every network's RPC; the backend none (it reads no RPC URL)."""
    if rpc_url:
        env = {**env, **{row.rpc_env: "" for row in TABLE}, "TESTNET_RPC_URL": rpc_url}
    closed = free_port()  # nothing listens there
    env.update({f"MCP_{row.name.upper()}_URL": f"http://127.0.0.1:{closed}/mcp" for row in TABLE})
    return env


def _run(argv: list[str], env: dict[str, str], timeout: float = DEADLINE) -> int:
    """Run a command as the pod would; `python` inside a shell line is this venv's."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(
        argv, env={**os.environ, **env, "PATH": path}, cwd=ROOT, timeout=timeout
    ).returncode


@pytest.fixture(scope="module")
def mcp_pod(
    anvil_testnet, tmp_path_factory, django_db_setup
) -> Iterator[tuple[Process, dict[str, str], dict]]:
    runmcp = container(find("Deployment", "mcp-testnet"))
    pod_port = runmcp["ports"][0]["containerPort"]
    port = free_port()
    env = with_operator_secrets(_offline(container_env(runmcp), anvil_testnet.url))
    # It keeps the spend policy's daily totals there: the test's database, not the example's.
    env["DATABASE_URL"] = postgres_url(settings.DATABASES["default"])
    process = Process(
        args=_local(runmcp["command"], pod_port, port),
        env={**os.environ, **env},
        port=port,
        log_path=tmp_path_factory.mktemp("runmcp") / "runmcp.log",
    )
    process.start()
    probe = {
        key: _local(runmcp[key]["exec"]["command"], pod_port, port)
        for key in ("readinessProbe", "livenessProbe")
    }
    try:
        wait_until(lambda: _run(probe["readinessProbe"], env, 10) == 0, DEADLINE, "runmcp")
        yield process, env, probe
    finally:
        process.stop()


def test_the_mcp_servers_probes_pass_with_the_token_and_fail_without(mcp_pod):
    process, env, probe = mcp_pod
    assert process.running
    for command in probe.values():
        assert _run(command, env) == 0
        assert _run(command, {**env, "MCP_AUTH_TOKEN": "not-the-token"}) != 0
    assert env["MCP_AUTH_TOKEN"]  # the Secret sets one


def test_the_mcp_server_answers_the_backend_at_its_service_name_only(mcp_pod):
    process, env, _ = mcp_pod
    url = f"http://127.0.0.1:{process.port}/mcp"
    headers = {**MCP_ACCEPT, "Authorization": f"Bearer {env['MCP_AUTH_TOKEN']}"}
    # The backend's MCP_TESTNET_URL names the Service: http://mcp-testnet:<port>/mcp.
    backend_url = find("ConfigMap", "mcp-urls")["data"]["MCP_TESTNET_URL"]
    service_host = httpx.URL(backend_url).netloc.decode()
    answer = local_http.post(url, json=INITIALIZE, headers={**headers, "Host": service_host})
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"]["serverInfo"]
    elsewhere = local_http.post(
        url, json=INITIALIZE, headers={**headers, "Host": "evil.example:80"}
    )
    assert elsewhere.status_code in (400, 421)


def test_the_migrate_job_then_the_init_container_let_the_backend_start(database_url):
    job = container(find("Job", "migrate"))
    env = {**container_env(job), "DATABASE_URL": database_url}
    assert _run(job["command"], env, 120) == 0
    (wait,) = pod_spec(find("Deployment", "backend"))["initContainers"]
    assert _run(wait["command"], {**container_env(wait), "DATABASE_URL": database_url}) == 0


def test_the_mcp_servers_wait_for_the_backends_migrations_too(database_url):
    """They keep the spend policy's daily totals in a table of that database."""
    (backends,) = pod_spec(find("Deployment", "backend"))["initContainers"]
    (wait,) = pod_spec(find("Deployment", "mcp-testnet"))["initContainers"]
    assert wait["command"] == backends["command"]
    env = container_env(wait)
    assert env["DATABASE_URL"] == container_env(backends)["DATABASE_URL"]
    assert _run(wait["command"], {**env, "DATABASE_URL": database_url}) == 0


def test_the_backends_probe_passes_through_allowed_hosts(database_url, redis_url, tmp_path):
    daphne = container(find("Deployment", "backend"), "daphne")
    pod_port = daphne["ports"][0]["containerPort"]
    port = free_port()
    env = with_operator_secrets(_offline(container_env(daphne)))
    env.update({"DATABASE_URL": database_url, "REDIS_URL": redis_url})
    process = Process(
        args=_local(daphne["command"], pod_port, port),
        env={**os.environ, **env},
        port=port,
        log_path=tmp_path / "daphne.log",
    )
    process.start()
    probe = daphne["readinessProbe"]["httpGet"]
    headers = {h["name"]: h["value"] for h in probe["httpHeaders"]}
    health = f"http://127.0.0.1:{port}{probe['path']}"
    try:
        wait_until(
            lambda: local_http.get(health, headers=headers).status_code == 200, DEADLINE, "backend"
        )
        # Without the probe's Host header the kubelet would ask as the pod's IP: refused.
        assert local_http.get(health, headers={"Host": "10.1.2.3:8080"}).status_code == 400
    finally:
        process.stop()
