"""A deployment copied from the example without replacing its secrets does not start (issue
27, finding 11): the backend and the MCP servers, started exactly as the rendered pods start
them with the example overlay's Secrets, exit at once and say which secrets to set. Those values
are public (this repository): served, anyone could forge sessions with the SECRET_KEY, call the
MCP servers with the token or read /metrics.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chatproject.lib.startup_checks import (
    BACKEND_SECRETS,
    is_placeholder,
    placeholder_refusal,
    url_password,
)
from tests.deploy.k8s import ROOT, container, container_env, find

DEADLINE = 60.0


def _start_as_the_pod(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """The container's command with this venv's python, on a port nobody uses; it must end."""
    local = [sys.executable if arg == "python" else arg for arg in argv]
    local = ["127.0.0.1" if arg == "0.0.0.0" else arg for arg in local]
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(
        local,
        env={**os.environ, **env, "PATH": path},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )


def test_the_backend_refuses_the_examples_secrets():
    daphne = container(find("Deployment", "backend"), "daphne")
    env = container_env(daphne)
    assert env["DEBUG"] == "false"
    started = _start_as_the_pod(daphne["command"], env)
    assert started.returncode != 0
    (message,) = [line for line in started.stderr.splitlines() if "Refusing to start" in line]
    for name in ("SECRET_KEY", "MCP_AUTH_TOKEN", "METRICS_TOKEN", "DATABASE_URL", "REDIS_URL"):
        assert name in message
    assert "replace-with" not in started.stderr  # the values themselves are never printed


def test_an_mcp_server_refuses_the_examples_token_and_database_password():
    runmcp = container(find("Deployment", "mcp-testnet"))
    started = _start_as_the_pod(runmcp["command"], container_env(runmcp))
    assert started.returncode == 1
    assert started.stderr.startswith("runmcp: Refusing to start: MCP_AUTH_TOKEN, DATABASE_URL")
    assert "Traceback" not in started.stderr


@pytest.mark.parametrize(
    "value",
    [
        "replace-with-a-long-random-value",
        "dev-insecure-change-me",
        "CHANGEME",
        "my-placeholder",
        "example-token",
        "password",
        "evmchat",
    ],
)
def test_what_the_examples_put_where_a_secret_goes_is_a_placeholder(value):
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["", "9f86d081884c7d659a2feaa0c55ad015", "alice-42-Zq8v"])
def test_a_real_secret_or_none_is_not(value):
    assert not is_placeholder(value)


def test_the_password_is_read_out_of_a_url_and_the_host_is_not_judged():
    assert url_password("postgres://evmchat:password@db.example.org:5432/evmchat") == "password"
    assert url_password("rediss://:s3cr3t-Zq8v@redis.example.org:6379/0") == "s3cr3t-Zq8v"
    assert url_password("postgres://postgres@127.0.0.1/evmchat") == ""


def test_debug_lets_a_developer_run_with_them(settings):
    settings.SECRET_KEY = "dev-insecure-change-me"
    settings.DEBUG = True
    assert placeholder_refusal(BACKEND_SECRETS) is None
    settings.DEBUG = False
    refusal = placeholder_refusal(BACKEND_SECRETS)
    assert refusal is not None and "SECRET_KEY" in refusal
