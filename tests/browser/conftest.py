"""Browser tests: Debian's Chromium through Playwright against a real daphne backend.

The backend is a real daphne subprocess on the pytest test database (tests use
``transactional_db`` so that what they write is committed and daphne sees it), with real
runmcp servers over real Anvil chains and the builtin agent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.helpers import ARTIFACTS, TIMEOUT_MS, Person, backend_env, start_backend
from testsupport.chromium import CHROMIUM, take_context
from testsupport.chromium import close as close_shared_chromium
from testsupport.chromium import shared as shared_chromium
from testsupport.processes import Daphne, McpServer
from testsupport.screenshots import FAILED
from testsupport.stand_in_mcp import StandInMcp, stand_in_mcp_server


@pytest.fixture(scope="module", autouse=True)
def sync_orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps an event loop on the main thread while the browser is open,
    which Django would take for an async context; this module's ORM calls are plain sync.
    Scoped to the browser modules so that no other test loses Django's async-safety check."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="session")
def chromium_closed_at_the_end(django_db_setup: None) -> Iterator[None]:
    """Closes the shared Chromium before the test databases are dropped: with Playwright's event
    loop still running, Django would refuse to drop them (SynchronousOnlyOperation)."""
    yield
    close_shared_chromium()


# Kept open for the worker's next browser module; closed before a module of another kind
# (testsupport/chromium.py, the root conftest.py) or at the end.
@pytest.fixture(scope="module")
def chromium(sync_orm_beside_playwright: None, chromium_closed_at_the_end: None) -> Browser:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `make test-tools` (apt-get install -y chromium).")
    return shared_chromium()


@pytest.fixture(scope="session")
def hanging_server() -> Iterator[StandInMcp]:
    """arbitrum's "server": healthy, and its calls never finish (a turn that hangs: Stop)."""
    with stand_in_mcp_server() as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def base_server() -> Iterator[StandInMcp]:
    """base's "server": healthy until a test turns it down (the network-down banner)."""
    with stand_in_mcp_server() as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def backend_settings(
    django_db_setup: None,
    mcp_testnet: McpServer,
    mcp_polygon: McpServer,
    hanging_server: StandInMcp,
    base_server: StandInMcp,
) -> dict[str, str]:
    return backend_env(mcp_testnet, mcp_polygon, hanging_server.url, base_server.url)


@pytest.fixture(scope="session")
def backend(backend_settings: dict[str, str]) -> Iterator[Daphne]:
    daphne = start_backend(backend_settings)
    yield daphne
    daphne.stop()


@pytest.fixture
def app_url(backend: Daphne) -> str:
    """Where the pages are served; a module with its own backend overrides this."""
    return backend.base_url


@pytest.fixture
def person(
    chromium: Browser, app_url: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Person]]:
    """A factory of people (browser contexts) against the backend. Afterwards each context
    goes back for the next test (testsupport/chromium.py), or is closed if the test changed it;
    if the test failed, each open tab is saved first (test-artifacts/browser)."""
    people: list[Person] = []

    def make(**options: Any) -> Person:
        options = {"viewport": {"width": 1100, "height": 800}, **options, "base_url": app_url}
        context = take_context(chromium, options)
        context.set_default_timeout(TIMEOUT_MS)
        people.append(Person(context, options))
        return people[-1]

    yield make
    if request.node.stash.get(FAILED, False):
        tabs = [tab for someone in people for tab in someone.tabs]
        for number, tab in enumerate(tabs, start=1):
            save_screenshot(tab, request.node.name, f"failed-{number}")
    for someone in people:
        someone.leave()
    for someone in people:
        assert not someone.errors, f"JavaScript errors in the page: {someone.errors}"


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path | None]:
    """Saves a full-page screenshot under test-artifacts/browser/<test>[-suffix].png when pytest
    runs with --screenshots (each costs Chromium about a tenth of a test's CPU)."""

    def save(page: Page, suffix: str = "") -> Path | None:
        if not request.config.getoption("screenshots"):
            return None
        return save_screenshot(page, request.node.name, suffix)

    return save


def save_screenshot(page: Page, test_name: str, suffix: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", test_name)
    path = ARTIFACTS / f"{name}{'-' + suffix if suffix else ''}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
