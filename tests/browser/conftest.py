"""Browser tests: Debian's Chromium through Playwright against a real daphne backend.

The backend is a real daphne subprocess on the pytest test database (tests use
``transactional_db`` so that what they write is committed and daphne sees it), with real
runmcp servers over real Anvil chains and the builtin agent.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Dialog, Locator, Page, sync_playwright

from testsupport.processes import Anvil, Daphne, McpServer, free_port, wait_until

# Playwright's sync API keeps an event loop on the main thread while the browser is open,
# which Django would take for an async context; the test process's ORM calls are plain sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BASE_DIR = Path(__file__).resolve().parents[2]
ARTIFACTS = BASE_DIR / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Small enough that the server-full test can fill it, large enough for every other test.
MAX_SESSIONS = 8
TIMEOUT_MS = 20_000

@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `make chromium` (apt-get install -y chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def backend_database_url() -> str:
    """DATABASE_URL pointing at the pytest test database (after django_db_setup)."""
    database = settings.DATABASES["default"]
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if database["ENGINE"] != "django.db.backends.postgresql" or not parts.scheme:
        pytest.skip("The browser tests need PostgreSQL (DATABASE_URL=postgres://...).")
    return urlunsplit(parts._replace(path=f"/{database['NAME']}"))


def backend_env(
    anvil_testnet: Anvil,
    anvil_polygon: Anvil,
    mcp_testnet: McpServer,
    mcp_polygon: McpServer,
    hanging_port: int,
    **extra: str,
) -> dict[str, str]:
    env = {
        "DATABASE_URL": backend_database_url(),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "AGENT_PROVIDER": "builtin",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "false",
        "MAX_SESSIONS": str(MAX_SESSIONS),
        "TESTNET_RPC_URL": anvil_testnet.url,
        "POLYGON_RPC_URL": anvil_polygon.url,
        "MCP_TESTNET_URL": mcp_testnet.url,
        "MCP_POLYGON_URL": mcp_polygon.url,
        # base is configured but its server is not running: the "network down" case.
        "BASE_RPC_URL": anvil_polygon.url,
        "MCP_BASE_URL": f"http://127.0.0.1:{free_port()}/mcp",
        "ETH_RPC_URL": "",
        # arbitrum's "server" accepts connections and never answers: a turn that hangs (Stop).
        "ARBITRUM_RPC_URL": anvil_polygon.url,
        "MCP_ARBITRUM_URL": f"http://127.0.0.1:{hanging_port}/mcp",
        "MCP_CALL_TIMEOUT": "120",
    }
    env.update(extra)
    return env


def start_backend(env: dict[str, str], port: int | None = None, log_name: str = "daphne") -> Daphne:
    """daphne on ``port`` (a free one by default), logging to test-artifacts for post-mortems."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    command = [
        str(BASE_DIR / ".venv" / "bin" / "python"),
        "-m",
        "daphne",
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "chatproject.asgi:application",
    ]
    daphne = Daphne(
        args=command,
        env={**os.environ, **env},
        port=port,
        log_path=ARTIFACTS / f"{log_name}.log",
    )
    daphne.start()
    wait_until(daphne.ready, 40, f"daphne on port {port}")
    return daphne


@pytest.fixture(scope="session")
def hanging_server() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) but never answers them."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield int(listener.getsockname()[1])


@pytest.fixture(scope="session")
def backend_settings(
    django_db_setup: None,
    anvil_testnet: Anvil,
    anvil_polygon: Anvil,
    mcp_testnet: McpServer,
    mcp_polygon: McpServer,
    hanging_server: int,
) -> dict[str, str]:
    return backend_env(anvil_testnet, anvil_polygon, mcp_testnet, mcp_polygon, hanging_server)


@pytest.fixture(scope="session")
def backend(backend_settings: dict[str, str]) -> Iterator[Daphne]:
    env = backend_settings
    daphne = start_backend(env)
    yield daphne
    daphne.stop()


@dataclass
class Person:
    """One person: one browser context (its own cookies, so its own Django session)."""

    context: BrowserContext
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def new_tab(self) -> Page:
        page = self.context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        return page

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def person(chromium: Browser, backend: Daphne) -> Iterator[Callable[..., Person]]:
    """A factory of people (browser contexts) against the backend; all closed afterwards."""
    people: list[Person] = []

    def make(**options: object) -> Person:
        context = chromium.new_context(
            base_url=backend.base_url, viewport={"width": 1100, "height": 800}, **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        people.append(Person(context))
        return people[-1]

    yield make
    for someone in people:
        someone.context.close()
    for someone in people:
        assert not someone.errors, f"JavaScript errors in the page: {someone.errors}"


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """Saves a full-page screenshot under test-artifacts/browser/<test>[-suffix].png."""

    def save(page: Page, suffix: str = "") -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        path = ARTIFACTS / f"{name}{'-' + suffix if suffix else ''}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


def open_chat(page: Page, path: str = "/") -> str:
    """Opens the chat page and returns its chat session id once the page has one."""
    page.goto(path)
    page.wait_for_function("() => document.body.dataset.sessionId !== undefined")
    return str(page.evaluate("document.body.dataset.sessionId"))


def stored_session_id(page: Page) -> str | None:
    return page.evaluate("sessionStorage.getItem('evmchat.session')")  # type: ignore[no-any-return]


def send_message(page: Page, text: str, network: str | None = None) -> None:
    """Types ``text`` into the composer and sends it with Enter, on ``network`` if given."""
    if network:
        page.get_by_label("Network").select_option(network)
    box = page.get_by_label("Message")
    box.fill(text)
    box.press("Enter")


def answers(page: Page) -> Locator:
    """The finished (server-rendered) assistant messages."""
    return page.locator(".msg-assistant.msg-rendered")


def wait_for_answers(page: Page, count: int, timeout: float = 30_000) -> Locator:
    page.wait_for_function(
        "(n) => document.querySelectorAll('.msg-assistant.msg-rendered').length >= n",
        arg=count,
        timeout=timeout,
    )
    return answers(page).nth(count - 1)


def wait_until_ready(page: Page) -> None:
    page.wait_for_function("() => document.body.dataset.state === 'ready'")
