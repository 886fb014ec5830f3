"""The whole local stack: what `make run` (`manage.py runstack`) starts.

First PostgreSQL and Valkey of its own for DATABASE_URL / REDIS_URL that are unset
(``embedded_servers``), and the migrations; then, as a list of processes under honcho, Anvil
(when the testnet RPC is local), one `runmcp` per network that has an RPC URL (each given its
own alone), the backend under daphne and the session cleanup loop. The migrations, the backend
and the cleanup loop get no RPC URL: the backend learns which networks are up from the MCP
servers' health. Kept apart from the command so the plan can be read and tested without
starting anything.
"""

from __future__ import annotations

import functools
import os
import secrets
import shlex
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from chatproject.lib import embedded
from chatproject.lib.networks import TABLE, Network

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
# Variables that may carry a provider's API key: each goes to the one process that uses it.
RPC_VARIABLES = frozenset(row.rpc_env for row in TABLE)
FORK_VARIABLE = "MAINNET_FORK_URL"
# What the backend's own processes (migrations, daphne, cleanup) never get.
HIDDEN_FROM_BACKEND = RPC_VARIABLES | {FORK_VARIABLE}


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
    env = _without(_child_env(), HIDDEN_FROM_BACKEND)
    return subprocess.run([*_manage(), "migrate", "--noinput"], env=env).returncode


def plan(options: StackOptions) -> list[StackProcess]:
    """Every process of the local stack, each with the environment it needs."""
    env = _child_env()
    processes = []
    anvil = _anvil(env) if options.start_anvil else None
    if anvil:
        processes.append(anvil)
    processes += [_runmcp(network, env) for network in _served_networks()]
    app_env = _without(env, HIDDEN_FROM_BACKEND)
    processes.append(_backend(options, app_env))
    interval = str(options.cleanup_interval)
    argv = [*_manage(), "cleanup_sessions", "--loop", "--interval", interval]
    processes.append(StackProcess("cleanup", argv, app_env))
    return processes


def backend_url(options: StackOptions) -> str:
    host = "127.0.0.1" if options.host in ("0.0.0.0", "::") else options.host
    return f"http://{host}:{options.port}/"


def wait_until_healthy(url: str, stopped: threading.Event, interval: float = 0.2) -> bool:
    """True once GET <url>health answers 200 (the backend serves and its database and channel
    layer work); False when ``stopped`` is set first (the stack ended before that)."""
    with _http_client() as http:
        return _wait(lambda: http.get(f"{url}health").status_code == 200, stopped, interval)


def wait_until_mcp_servers_answer(stopped: threading.Event, interval: float = 0.2) -> bool:
    """True once the /health of every MCP server the stack starts answers, whatever it says
    about its chain; False when ``stopped`` is set first. The backend's first /health asks
    them, and keeps the answer for MCP_HEALTH_CACHE_SECONDS: asked before they listen, it
    would show their networks as down for that long."""
    urls = [f"http://127.0.0.1:{network.mcp_port}/health" for network in _served_networks()]
    with _http_client() as http:
        return all(_wait(functools.partial(_answers, http, url), stopped, interval) for url in urls)


def _http_client() -> httpx.Client:
    """One client for a whole wait: each builds an SSL context that loads the CA bundle (20-40
    ms of CPU), which polls every 0.2 s would take from the processes starting beside them."""
    return httpx.Client(timeout=2)


def _answers(http: httpx.Client, url: str) -> bool:
    http.get(url)  # any status: it listens (an error is raised otherwise)
    return True


def _wait(answered: Callable[[], bool], stopped: threading.Event, interval: float) -> bool:
    while not stopped.is_set():
        try:
            if answered():
                return True
        except httpx.HTTPError:
            pass
        stopped.wait(interval)
    return False


def _served_networks() -> list[Network]:
    return [network for network in settings.NETWORKS.values() if network.rpc_url]


def _without(env: dict[str, str], names: set[str] | frozenset[str]) -> dict[str, str]:
    return {key: value for key, value in env.items() if key not in names}


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
    """The children's environment: ours, plus each network's MCP URL: a served one's on its
    port, none for the others (the backend then lists them as not configured).

    The table's default MCP URL uses the table's port; when MCP_<NAME>_PORT moves a server,
    the backend must look for it there too (unless MCP_<NAME>_URL says otherwise).
    """
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    if not env.get("SECRET_KEY"):
        env["SECRET_KEY"] = ensure_local_secret_key(settings.SECRET_KEY_FILE)
    served = {network.name for network in _served_networks()}
    for network in settings.NETWORKS.values():
        url = f"http://127.0.0.1:{network.mcp_port}/mcp" if network.name in served else ""
        env.setdefault(f"MCP_{network.name.upper()}_URL", url)
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
    """A network's server, with its own RPC URL and no other."""
    argv = [*_manage(), "runmcp", network.name, "--port", str(network.mcp_port)]
    others = (RPC_VARIABLES - {network.rpc_env}) | {FORK_VARIABLE}
    return StackProcess(f"mcp-{network.name}", argv, _without(env, others))


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
