"""MAINNET_FORK_URL may carry the RPC provider's API key; anyone on the machine can list the
command lines of every process (`ps aux`, /proc/<pid>/cmdline). Anvil used to get it as
`--fork-url <URL>` (issue 27, finding 12). Now it gets an alias, and the URL through its
environment, readable by its own user only.

Replayed with real Anvils: a fork source at a URL carrying mallory's would-be loot (a key in
its query), and Anvil started the way `make run` starts it (chatproject/stack.py, through a
shell as honcho does) and the way compose starts it (the anvil service's command line). Each
forks from that URL, and no process's command line holds the key.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import environ
import httpx
import pytest
import yaml

from chatproject.lib.networks import build_network_table
from chatproject.stack import StackOptions, plan
from mcp_servers.anvil import anvil_binary
from testsupport import local_http
from testsupport.processes import Anvil, free_port, start_anvil, wait_until

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 30.0


@pytest.fixture(scope="module")
def fork_source() -> Iterator[Anvil]:
    """The "mainnet" to fork: an Anvil with mainnet's chain id."""
    source = start_anvil(chain_id=1)
    try:
        yield source
    finally:
        source.stop()


@pytest.fixture
def fork_url(fork_source) -> str:
    return f"{fork_source.url}/?key=alice-rpc-key-{secrets.token_hex(12)}"


def _node_info(url: str) -> dict:
    body = {"jsonrpc": "2.0", "id": 1, "method": "anvil_nodeInfo", "params": []}
    return local_http.post(url, json=body, timeout=5).json()["result"]


def _command_lines_holding(secret: str) -> list[int]:
    """Every process whose command line contains ``secret`` (what `ps` shows anyone)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if secret.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue  # ended meanwhile
    return found


def _start_and_check(argv: list[str], env: dict[str, str], port: int, fork_url: str) -> None:
    """Start Anvil, wait until it answers, then check where the fork URL shows."""
    process = subprocess.Popen(
        argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(url), DEADLINE, "forked anvil")
        # It did fork from that URL: the key reached Anvil.
        assert _node_info(url)["forkConfig"]["forkUrl"] == fork_url
        key = fork_url.rsplit("=", 1)[1]
        assert _command_lines_holding(key) == []
        assert (Path("/proc") / str(process.pid) / "cmdline").read_bytes().count(b"mainnet_fork")
    finally:
        process.terminate()
        process.wait(10)


def _answers(url: str) -> bool:
    try:
        return bool(_node_info(url))
    except (httpx.HTTPError, KeyError, ValueError):
        return False


def test_make_run_starts_anvil_without_the_fork_url_on_its_command_line(
    fork_url, monkeypatch, settings
):
    port = free_port()
    monkeypatch.setenv("TESTNET_RPC_URL", f"http://127.0.0.1:{port}")
    settings.NETWORKS = build_network_table(environ.Env())
    settings.MAINNET_FORK_URL = fork_url
    (anvil,) = [process for process in plan(StackOptions()) if process.name == "anvil"]
    # honcho runs each process through a shell with the process's environment.
    _start_and_check(["sh", "-c", anvil.shell_command], anvil.env, port, fork_url)


def test_compose_starts_anvil_without_the_fork_url_on_its_command_line(fork_url):
    service = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["anvil"]
    port = free_port()
    # Compose's $$ is a literal $ for the container's shell; the image's paths are /app and
    # /usr/local/bin/anvil, this checkout's are ROOT and node_modules.
    shell, flag, line = service["command"]
    line = line.replace("$$", "$").replace("exec anvil", f"exec {anvil_binary()}")
    line = line.replace("--host 0.0.0.0 --port 8545", f"--host 127.0.0.1 --port {port}")
    env = {k: v for k, v in service["environment"].items() if v is not None}
    env = {k: v.replace("/app/", f"{ROOT}/") for k, v in env.items()}
    # MAINNET_FORK_URL: passed through from .env (a value-less entry).
    assert "MAINNET_FORK_URL" in service["environment"]
    full_env = {**os.environ, **env, "MAINNET_FORK_URL": fork_url}
    _start_and_check([shell, flag, line], full_env, port, fork_url)
