"""Fixtures shared by every app's tests: real Anvil chains and real runmcp servers."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testsupport.processes import Anvil, McpServer, start_anvil, start_runmcp

pytest_plugins = ["testsupport.screenshots"]


def pytest_configure(config: pytest.Config) -> None:
    """The test process's settings and Django patches, before any test runs.

    STATIC_ROOT is where collectstatic puts the files (the Docker image runs it); a checkout
    serves them from the finders and has none, and WhiteNoise warns "No directory at" for every
    handler a test builds (about 700 warnings a run). An empty one is what it expects."""
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(exist_ok=True)
    # The users tests create in this process hash quickly (testsupport/hashers.py).
    settings.PASSWORD_HASHERS = ["testsupport.hashers.QuickPBKDF2PasswordHasher"]
    # Each test client builds Django's middleware, and WhiteNoise's indexes every static file
    # when built (~40 ms; a few hundred clients a run); it finds them per request instead. The
    # backends the tests start serve them as the product does, and so does
    # test_static_files_are_served_locally.
    settings.WHITENOISE_AUTOREFRESH = True
    from testsupport import flush

    flush.install()  # a test's teardown empties the tables with DELETE, again after a deadlock


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser modules first, in their order, then the rest in theirs: under `--dist
    loadfile` each worker then takes browser modules one after another on one Chromium
    (testsupport/chromium.py), and the longest modules start first rather than last."""
    items.sort(key=lambda item: not item.nodeid.startswith("tests/browser/"))


@pytest.fixture(autouse=True, scope="module")
def _chromium_closed_outside_browser_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    """The browser modules share one Chromium (testsupport/chromium.py), whose event loop must
    be gone before a module of another kind runs, and after one that opened it to test it."""
    from testsupport import chromium

    browser_module = request.module.__name__.startswith("tests.browser.")
    if not browser_module:
        chromium.close()
    yield
    if not browser_module:
        chromium.close()


@pytest.fixture(autouse=True, scope="module")
def _close_chat_db_threads() -> Iterator[None]:
    """The chat's database threads keep connections open: close them after each module, so
    that the test database can be dropped at the end."""
    yield
    from chatproject.lib import dbthreads

    dbthreads.shutdown()


@pytest.fixture(autouse=True)
def _interrupt_readers_stop_when_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process tests run turns in short-lived event loops (one per test or async_to_sync
    call): a reader lingering on a loop about to close would outlive it. test_interrupt_reader
    _linger.py covers the lingering that the long-lived loop of a backend gets."""
    from sessions_app.agent import interrupts

    monkeypatch.setattr(interrupts, "IDLE_SECONDS", 0.0)


@pytest.fixture(autouse=True)
def _testnet_is_the_sessions_runmcp(request: pytest.FixtureRequest) -> None:
    """A test on the database may chat on testnet without starting a server: testnet is then
    the session's runmcp over its Anvil, in this process's settings and in the environment of
    every backend the test starts. The chat takes a network only while its server's /health
    says it can reach its chain (mcp_proxy/availability.py), so the default URL, where nothing
    listens, would refuse it. A test that points testnet elsewhere does so after this."""
    if request.node.get_closest_marker("django_db") is None and not (
        {"db", "transactional_db"} & set(request.fixturenames)
    ):
        return
    from testsupport.browsers import point_network

    server: McpServer = request.getfixturevalue("mcp_testnet")
    point_network(request.getfixturevalue("settings"), "testnet", server.url)
    request.getfixturevalue("monkeypatch").setenv("MCP_TESTNET_URL", server.url)


@pytest.fixture(autouse=True)
def _fresh_abuse_limits() -> None:
    """Every test starts with empty limit counters (sessions_app/limits.py): in Redis they
    would otherwise carry one test's requests (all from 127.0.0.1) into the next."""
    import redis
    from django.conf import settings

    from chatproject.lib.ratelimit import KEY_PREFIX, limiter_for

    limiter_for.cache_clear()
    try:
        client = _redis_of(settings.REDIS_URL)
        keys = list(client.scan_iter(f"{KEY_PREFIX}:*", count=1000))
        if keys:
            client.delete(*keys)
    except redis.RedisError:
        pass  # a test that stops Redis: the process buckets are fresh anyway


@functools.cache
def _redis_of(url: str) -> Any:
    """One client a Redis for the whole run (it reconnects after a restart)."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=2)


SESSION_CHAINS = ("anvil_testnet", "anvil_polygon")
CHAIN_ANSWERS_WITHIN = 20.0  # seconds; a busy 2-core machine answers eth_chainId in milliseconds


@pytest.fixture(autouse=True)
def _session_chains_answer(request: pytest.FixtureRequest) -> None:
    """Every later test depends on the session's chains: if one stops answering, stop the run
    at once with what it was doing, instead of letting each test wait out its timeouts."""
    for name in SESSION_CHAINS:
        if name in request.fixturenames:
            anvil: Anvil = request.getfixturevalue(name)
            if not anvil.answers(timeout=CHAIN_ANSWERS_WITHIN):
                pytest.exit(
                    f"The session's {name} (port {anvil.port}) stopped answering before "
                    f"{request.node.nodeid}:\n{anvil.diagnosis()}",
                    returncode=3,
                )


@pytest.fixture(scope="session")
def anvil_testnet() -> Iterator[Anvil]:
    """An Anvil chain with chain id 31337, served as testnet."""
    anvil = start_anvil(chain_id=31337)
    yield anvil
    anvil.stop()


@pytest.fixture(scope="session")
def anvil_polygon() -> Iterator[Anvil]:
    """A second Anvil with chain id 137, served as the (non-dev) polygon network."""
    anvil = start_anvil(chain_id=137)
    yield anvil
    anvil.stop()


@pytest.fixture(scope="session")
def mcp_testnet(anvil_testnet: Anvil) -> Iterator[McpServer]:
    server = start_runmcp("testnet", anvil_testnet.url)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mcp_polygon(anvil_polygon: Anvil) -> Iterator[McpServer]:
    server = start_runmcp("polygon", anvil_polygon.url)
    yield server
    server.stop()
