"""A pytest plugin: real PostgreSQL and Redis for the test session, on a machine with neither.

When DATABASE_URL / REDIS_URL are not set, the session starts a throwaway PostgreSQL and
Valkey, as `make run` does (chatproject/lib/embedded.py), on free ports in a temporary
directory, and stops them at the end. Set either variable and that one is used instead (CI
machines, or your own server).

Loaded with `-p testsupport.services` (pyproject's addopts) so that it runs before
pytest-django reads the settings. The URLs go into os.environ: every process a test starts
(daphne, runmcp, manage.py commands) inherits them and shares the same servers.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from chatproject.lib.embedded import Server, start_postgres, start_valkey
from testsupport.processes import free_port, worker_index


def start_throwaway_postgres(root: Path) -> Server:
    """Trust auth, no fsync: the data lives as long as the test session."""
    return start_postgres(root, free_port(), throwaway=True)


def start_throwaway_valkey(root: Path) -> Server:
    return start_valkey(root, free_port(), throwaway=True)


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
        starts = (("DATABASE_URL", start_throwaway_postgres), ("REDIS_URL", start_throwaway_valkey))
        for variable, start in starts:
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
    if os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ["REDIS_URL"] = redis_database_of_worker(os.environ["REDIS_URL"], worker_index())


def redis_database_of_worker(url: str, worker: int) -> str:
    """xdist worker ``worker`` (1 for "gw1") gets the Redis database after the session's: its
    limit counters, socket slots and channel-layer prefix (which carries the database number)
    are its own, so one worker clearing its counters never resets the other's in mid-test.
    The controller starts the servers before it starts the workers, which inherit the URLs:
    the workers share one PostgreSQL (pytest-django gives each its own test database)."""
    parsed = urlparse(url)
    base = int(parsed.path.strip("/") or 0)
    database = (base + 1 + worker) % 16
    return parsed._replace(path=f"/{database}").geturl()


def pytest_report_header(config: pytest.Config) -> list[str]:
    services = config.stash.get(SERVICES_KEY, None)
    return services.describe() if services else []
