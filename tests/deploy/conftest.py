"""Shared by the deployment tests: the test database as a URL other processes can open."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.helpers import backend_env_serving_only_testnet
from testsupport.processes import PROCESS_START_TIMEOUT, Daphne, free_port, postgres_url, wait_until


@pytest.fixture
def database_url(transactional_db: None, settings) -> str:
    """DATABASE_URL of pytest's (already migrated) PostgreSQL test database (the machine's,
    or the one testsupport/services.py starts when DATABASE_URL is unset).

    transactional_db commits for real, so processes started by the test see the same rows.
    """
    return postgres_url(settings.DATABASES["default"])


@pytest.fixture
def redis_url() -> str:
    """The machine's Redis, or the Valkey testsupport/services.py starts."""
    return os.environ["REDIS_URL"]


def _start_backend(env: dict[str, str], log_path: Path) -> Daphne:
    """Like testsupport's start_daphne, with the output kept for a failing test's report."""
    port = free_port()
    args = [sys.executable, "-m", "chatproject.daphne", "-b", "127.0.0.1", "-p", str(port)]
    process = Daphne(
        args=[*args, "chatproject.asgi:application"],
        env={**os.environ, **env},
        port=port,
        log_path=log_path,
    )
    process.start()
    return process


def _ready_or_dead(process: Daphne) -> bool:
    """Ready; or fail at once, with its output, when it died (a port taken meanwhile, ...)."""
    if not process.running:
        raise RuntimeError(f"daphne exited:\n{process.log_path.read_text()}")
    return process.ready()


@pytest.fixture
def backends(
    database_url, redis_url, anvil_testnet, mcp_testnet, tmp_path
) -> Iterator[list[Daphne]]:
    """Processes A and B, configured alike (the way the compose replicas are)."""
    env = {
        **backend_env_serving_only_testnet(mcp_testnet.url),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "AGENT_PROVIDER": "builtin",
    }
    processes = [_start_backend(env, tmp_path / f"daphne-{name}.log") for name in "AB"]
    try:
        for process in processes:
            wait_until(
                lambda p=process: _ready_or_dead(p),
                PROCESS_START_TIMEOUT,
                f"daphne on {process.port}",
            )
        yield processes
    finally:
        for process in processes:
            process.stop()
