"""The real stack for the benchmarks and fault scenarios: Anvils, runmcp servers, daphnes.

Two Anvils (31337 served as testnet, 137 served as polygon), one `manage.py runmcp` per
network, N daphne backends over PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) with the
builtin agent. Every process binds 127.0.0.1 on a free port and is stopped by ``Stack.stop``.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from testsupport.processes import (  # noqa: E402
    Anvil,
    Daphne,
    McpServer,
    Process,
    free_port,
    start_anvil,
    start_runmcp,
    wait_until,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/evmchat_prove"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"
CHAINS = {"testnet": 31337, "polygon": 137}
LOG_DIR = Path(tempfile.gettempdir()) / "evmchat-bench-logs"


@dataclass
class Stack:
    anvils: dict[str, Anvil] = field(default_factory=dict)
    mcp: dict[str, McpServer] = field(default_factory=dict)
    daphnes: list[Daphne] = field(default_factory=list)
    backend_env: dict[str, str] = field(default_factory=dict)
    # runmcp refuses the example's placeholder secrets; the backends share this one.
    secret: dict[str, str] = field(
        default_factory=lambda: {
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50)
        }
    )

    @property
    def urls(self) -> list[str]:
        return [d.base_url for d in self.daphnes]

    def backend_rss(self) -> int:
        """Resident memory of all backend processes (bytes), measured on the server side."""
        return sum(rss_of(d) for d in self.daphnes)

    def restart_mcp(self, network: str) -> McpServer:
        old = self.mcp[network]
        server = start_runmcp(network, self.anvils[network].url, env=self.secret, port=old.port)
        self.mcp[network] = server
        return server

    def start_backend(self, port: int | None = None) -> Daphne:
        port = port or free_port()
        command = [sys.executable, "-m", "chatproject.daphne", "-b", "127.0.0.1", "-p", str(port)]
        command.append("chatproject.asgi:application")
        env = {**os.environ, **self.backend_env}
        daphne = Daphne(args=command, env=env, port=port, log_path=LOG_DIR / f"daphne-{port}.log")
        daphne.start()
        wait_until(daphne.ready, 60, f"daphne on {daphne.port}")
        return daphne

    def stop(self) -> None:
        for process in [*self.daphnes, *self.mcp.values(), *self.anvils.values()]:
            process.stop()


def rss_of(process: Process) -> int:
    if not process.running or process.popen is None:
        return 0
    return int(psutil.Process(process.popen.pid).memory_info().rss)


def backend_env(mcp: dict[str, McpServer], **extra: str) -> dict[str, str]:
    """The backends' environment: the MCP servers' URLs, never an RPC URL (the backend needs
    none: it learns which networks are usable from the servers' health)."""
    env = {
        "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        "REDIS_URL": os.environ.get("REDIS_URL", DEFAULT_REDIS_URL),
        "AGENT_PROVIDER": "builtin",
        "LOG_LEVEL": "WARNING",
        "PROXY_RATE_LIMIT": "100000",
        "PROXY_RATE_BURST": "100000",
    }
    for network, server in mcp.items():
        env[f"MCP_{network.upper()}_URL"] = server.url
    env.update(extra)
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        check=True,
    )


def start_stack(
    backends: int = 2,
    networks: tuple[str, ...] = ("testnet", "polygon"),
    **extra_env: str,
) -> Stack:
    """Start everything; on failure stop what was started."""
    LOG_DIR.mkdir(exist_ok=True)
    stack = Stack()
    try:
        for network in networks:
            stack.anvils[network] = start_anvil(chain_id=CHAINS[network])
            url = stack.anvils[network].url
            stack.mcp[network] = start_runmcp(network, url, env=stack.secret)
        stack.backend_env = backend_env(stack.mcp, **stack.secret, **extra_env)
        migrate(stack.backend_env)
        for _ in range(backends):
            stack.daphnes.append(stack.start_backend(free_port()))
    except BaseException:
        stack.stop()
        raise
    return stack


def settle(seconds: float) -> None:
    """Let the backends go idle before a memory reading (a benchmark, not a test)."""
    time.sleep(seconds)
