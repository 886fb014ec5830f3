"""The whole local stack: what `make run` (`manage.py runstack`) starts.

First PostgreSQL and Valkey of its own for DATABASE_URL / REDIS_URL that are unset
(``embedded_servers``), and the migrations; then, as a list of processes under honcho, Anvil
(when the testnet RPC is local), one `runmcp` per network that has an RPC URL, the backend
under daphne and the session cleanup loop. Kept apart from the command so the plan can be read
and tested without starting anything.
"""

from __future__ import annotations

import os
import secrets
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from chatproject.lib import embedded
from chatproject.lib.networks import Network

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class StackOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    cleanup_interval: int = 60
    start_anvil: bool = True


@dataclass(frozen=True)
class StackProcess:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def shell_command(self) -> str:
        """Honcho runs each process through a shell; quoting keeps arguments intact."""
        return "exec " + shlex.join(self.argv)


def missing_urls() -> list[str]:
    """DATABASE_URL and REDIS_URL, those of them that are unset: the servers to start."""
    return [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]


@contextmanager
def embedded_servers() -> Iterator[list[embedded.Server]]:
    """PostgreSQL for an unset DATABASE_URL, Valkey for an unset REDIS_URL, their data (and
    the password they share) in EMBEDDED_DATA_DIR. Their URLs go into os.environ, so the
    migrations and every process of the stack use them; they stop after everything else."""
    started: list[embedded.Server] = []
    data_dir = Path(settings.EMBEDDED_DATA_DIR)
    try:
        for name in missing_urls():
            started.append(_start_embedded(name, data_dir, embedded.ensure_password(data_dir)))
            os.environ[name] = started[-1].url
        yield started
    finally:
        for server in reversed(started):
            server.stop()


def _start_embedded(name: str, data_dir: Path, password: str) -> embedded.Server:
    if name == "DATABASE_URL":
        return embedded.start_postgres(data_dir, settings.EMBEDDED_POSTGRES_PORT, password)
    return embedded.start_valkey(data_dir, settings.EMBEDDED_VALKEY_PORT, password)


def migrate() -> int:
    """`manage.py migrate` in a process of its own, on the stack's database; its exit status."""
    return subprocess.run([*_manage(), "migrate", "--noinput"], env=_child_env()).returncode


def plan(options: StackOptions) -> list[StackProcess]:
    """Every process of the local stack, each with the environment it needs."""
    env = _child_env()
    processes = []
    anvil = _anvil(env) if options.start_anvil else None
    if anvil:
        processes.append(anvil)
    processes += [_runmcp(network, env) for network in _served_networks()]
    processes.append(_backend(options, env))
    interval = str(options.cleanup_interval)
    argv = [*_manage(), "cleanup_sessions", "--loop", "--interval", interval]
    processes.append(StackProcess("cleanup", argv, env))
    return processes


def backend_url(options: StackOptions) -> str:
    host = "127.0.0.1" if options.host in ("0.0.0.0", "::") else options.host
    return f"http://{host}:{options.port}/"


def wait_until_healthy(url: str, stopped: threading.Event, interval: float = 0.2) -> bool:
    """True once GET <url>health answers 200 (the backend serves and its database and channel
    layer work); False when ``stopped`` is set first (the stack ended before that)."""
    while not stopped.is_set():
        try:
            if httpx.get(f"{url}health", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        stopped.wait(interval)
    return False


def _served_networks() -> list[Network]:
    return [network for network in settings.NETWORKS.values() if network.available]


def ensure_local_secret_key(path: Path) -> str:
    """The local stack's own SECRET_KEY: read from ``path``, written there (0600) the first
    time, so browser sessions survive a restart and the public default is never served."""
    existing = path.read_text().strip() if path.is_file() else ""
    if existing:
        return existing
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(key + "\n")
    return key


def _child_env() -> dict[str, str]:
    """The children's environment: ours, plus each served network's MCP URL on its port.

    The table's default MCP URL uses the table's port; when MCP_<NAME>_PORT moves a server,
    the backend must look for it there too (unless MCP_<NAME>_URL says otherwise).
    """
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    if not env.get("SECRET_KEY"):
        env["SECRET_KEY"] = ensure_local_secret_key(settings.SECRET_KEY_FILE)
    for network in _served_networks():
        key = f"MCP_{network.name.upper()}_URL"
        env.setdefault(key, f"http://127.0.0.1:{network.mcp_port}/mcp")
    return env


def _anvil(env: dict[str, str]) -> StackProcess | None:
    """Anvil on the testnet RPC's port, when that RPC is on this machine; None otherwise."""
    from mcp_servers.anvil import anvil_args, anvil_env

    testnet = settings.NETWORKS["testnet"]
    parts = urlsplit(testnet.rpc_url)
    if parts.hostname not in LOOPBACK_HOSTS:
        return None
    fork_url = settings.MAINNET_FORK_URL or None
    port = parts.port or 8545
    # --silent: the banner lists the dev accounts' private keys, which never go to a log.
    argv = anvil_args(port=port, chain_id=testnet.chain_id, fork_url=fork_url, extra=["--silent"])
    # The fork URL (it may carry an API key) goes in the environment, not the process list.
    return StackProcess("anvil", argv, {**env, **anvil_env(fork_url)})


def _runmcp(network: Network, env: dict[str, str]) -> StackProcess:
    argv = [*_manage(), "runmcp", network.name, "--port", str(network.mcp_port)]
    return StackProcess(f"mcp-{network.name}", argv, env)


def _backend(options: StackOptions, env: dict[str, str]) -> StackProcess:
    return StackProcess("backend", backend_argv(options.host, options.port), env)


def backend_argv(host: str, port: int) -> list[str]:
    """Daphne with every line through LOGGING (session and network on each).

    Verbosity 0 turns off daphne's access log, which writes past LOGGING in its own format;
    requests are logged by the load balancer, and Django logs failed ones.
    """
    argv = [sys.executable, "-m", "chatproject.daphne", "--verbosity", "0"]
    return [*argv, "-b", host, "-p", str(port), "chatproject.asgi:application"]


def _manage() -> list[str]:
    return [sys.executable, str(settings.BASE_DIR / "manage.py")]
