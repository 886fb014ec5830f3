"""`runmcp` start-up and shutdown: wrong chain, unknown network, missing RPC, SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from testsupport import local_http
from testsupport.processes import BASE_DIR, Anvil, free_port, runmcp_env, start_runmcp


def run_to_exit(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "manage.py", "runmcp", *args]
    return subprocess.run(
        command, env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=timeout
    )


def test_wrong_chain_is_refused_at_startup(anvil_testnet: Anvil) -> None:
    env = runmcp_env("polygon", anvil_testnet.url + "/?key=hidden-key")
    done = run_to_exit(["polygon", "--port", str(free_port())], env)
    assert done.returncode != 0
    assert "serves chain id 31337, but polygon is chain id 137" in done.stderr
    assert "hidden-key" not in done.stderr + done.stdout


def test_unknown_network_exits_listing_the_valid_ones() -> None:
    done = run_to_exit(["goerli"], runmcp_env("testnet", "http://127.0.0.1:1"))
    assert done.returncode != 0
    assert "Unknown network 'goerli'" in done.stderr
    assert "testnet, mainnet, polygon, base, arbitrum" in done.stderr


def test_network_without_rpc_url_exits_naming_the_variable() -> None:
    env = runmcp_env("base", "")
    done = run_to_exit(["base", "--port", str(free_port())], env)
    assert done.returncode != 0
    assert "set BASE_RPC_URL" in done.stderr


def test_allow_wrong_chain_serves_anyway_and_sigterm_stops_within_two_seconds(
    anvil_testnet: Anvil,
) -> None:
    server = start_runmcp("polygon", anvil_testnet.url, args=["--allow-wrong-chain"])
    health = local_http.get(server.health_url, timeout=10).json()
    assert (health["chain_id"], health["chain_ok"], health["status"]) == (31337, False, "degraded")
    assert server.popen is not None
    started = time.monotonic()
    server.popen.send_signal(signal.SIGTERM)
    code = server.popen.wait(timeout=10)
    assert time.monotonic() - started < 2
    assert code == 0
