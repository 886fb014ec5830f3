"""`manage.py runstack` (what `make run` starts) brings the stack up and Ctrl-C takes it down.
With DATABASE_URL and REDIS_URL set it uses those servers and starts neither PostgreSQL nor
Valkey (the default, without them: tests/embedded/test_embedded_default_stack.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import psutil
import pytest

from chatproject.stack import RPC_VARIABLES
from tests.deploy.helpers import network_health_state, stack_env_serving_only_testnet
from testsupport import local_http
from testsupport.processes import BASE_DIR, free_port, still_running, wait_until


def _testnet_is_up(stack: subprocess.Popen, backend_port: int) -> bool:
    if stack.poll() is not None:
        raise RuntimeError(f"runstack exited with status {stack.returncode}")
    response = local_http.get(f"http://127.0.0.1:{backend_port}/health", timeout=2)
    if response.headers.get("content-type", "") != "application/json":
        return False  # not up yet, or no route yet
    return network_health_state(response.json(), "testnet") == "up"


def _stop_for_good(stack: subprocess.Popen, children: list[psutil.Process]) -> None:
    """After a failure too: ask runstack to stop its tree, then kill whatever is left of it."""
    if stack.poll() is None:
        children = children or psutil.Process(stack.pid).children(recursive=True)
        stack.send_signal(signal.SIGINT)
        try:
            stack.wait(timeout=20)
        except subprocess.TimeoutExpired:
            stack.kill()
            stack.wait()
    for process in still_running(children):
        process.kill()


def _stack_env(database_url: str, backend_port: int, anvil_port: int, mcp_port: int) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MCP_")}
    env.update(stack_env_serving_only_testnet(f"http://127.0.0.1:{anvil_port}"))
    env.update(
        DATABASE_URL=database_url,
        BACKEND_PORT=str(backend_port),
        MCP_TESTNET_PORT=str(mcp_port),
        CLEANUP_INTERVAL="5",
    )
    return env


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_runstack_serves_testnet_and_a_stop_signal_ends_every_child(
    database_url, tmp_path, stop_signal
):
    backend_port, anvil_port, mcp_port = free_port(), free_port(), free_port()
    log_path = tmp_path / "runstack.log"
    with open(log_path, "wb") as log:
        stack = subprocess.Popen(
            [sys.executable, "manage.py", "runstack"],
            cwd=BASE_DIR,
            env=_stack_env(database_url, backend_port, anvil_port, mcp_port),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    children: list[psutil.Process] = []
    try:
        # The URL is printed only once the backend answers: /health works the moment it shows.
        wait_until(lambda: "Chat at" in log_path.read_text(), 90, "the Chat at line")
        health = local_http.get(f"http://127.0.0.1:{backend_port}/health", timeout=5)
        assert health.status_code == 200
        wait_until(lambda: _testnet_is_up(stack, backend_port), 90, "/health with testnet up")
        children = psutil.Process(stack.pid).children(recursive=True)
        command_lines = [" ".join(child.cmdline()) for child in children]
        mcp_server = ("testnet", f"--port {mcp_port}")  # runmcp, or what it re-executes as
        for expected in (("anvil",), mcp_server, ("daphne",), ("cleanup_sessions --loop",)):
            assert any(all(part in line for part in expected) for line in command_lines)
        # The URLs name servers of their own: nothing embedded starts.
        assert not [line for line in command_lines if "postgres" in line or "valkey" in line]
        # The backend holds no RPC URL (testnet's is set here): it learns from the servers'
        # /health which networks are up, and lists the ones it has no server for.
        (daphne,) = [child for child in children if "chatproject.daphne" in child.cmdline()]
        assert not RPC_VARIABLES & set(daphne.environ())
        assert network_health_state(health.json(), "mainnet") == "unavailable"
        assert f"http://127.0.0.1:{backend_port}/" in log_path.read_text()

        stack.send_signal(stop_signal)
        assert stack.wait(timeout=30) == 0  # a stop that was asked for is a clean exit
        wait_until(lambda: not still_running(children), 20, "every child to stop")
    except BaseException:
        print(log_path.read_text())  # shown with the failure
        raise
    finally:
        _stop_for_good(stack, children)
