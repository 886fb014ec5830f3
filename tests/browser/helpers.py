"""Helpers of the browser tests: the backend's environment and process, people (browser
contexts) and what a test does in the chat page."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Locator,
    Page,
    WebSocketRoute,
)

from sessions_app.models import ChatSession, Message, WalletRequest
from testsupport.chromium import give_back
from testsupport.processes import (
    PROCESS_START_TIMEOUT,
    Daphne,
    McpServer,
    free_port,
    wait_until,
)

BASE_DIR = Path(__file__).resolve().parents[2]
ARTIFACTS = BASE_DIR / "test-artifacts" / "browser"
# Small enough that the server-full test can fill it, large enough for every other test.
MAX_SESSIONS = 8
TIMEOUT_MS = 20_000


def backend_database_url() -> str:
    """DATABASE_URL pointing at the pytest test database (after django_db_setup): the same
    PostgreSQL as DATABASE_URL (the one testsupport/services.py starts when it is unset)."""
    database = settings.DATABASES["default"]
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{database['NAME']}"))


def backend_env(
    mcp_testnet: McpServer,
    mcp_polygon: McpServer,
    hanging_url: str,
    base_url: str,
    **extra: str,
) -> dict[str, str]:
    """The backend's environment: no RPC URL (the MCP servers have their own), each network's
    MCP servers, mainnet none (not configured)."""
    env = {
        "DATABASE_URL": backend_database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "AGENT_PROVIDER": "builtin",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "false",
        "MAX_SESSIONS": str(MAX_SESSIONS),
        "MCP_TESTNET_URL": mcp_testnet.url,
        "MCP_POLYGON_URL": mcp_polygon.url,
        # base's stand-in is healthy until a test turns it down: the "network down" case.
        "MCP_BASE_URL": base_url,
        "MCP_MAINNET_URL": "",
        # arbitrum's stand-in is healthy and never answers a call: a turn that hangs (Stop).
        "MCP_ARBITRUM_URL": hanging_url,
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
        "chatproject.daphne",
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
    wait_until(daphne.ready, PROCESS_START_TIMEOUT, f"daphne on port {port}")
    return daphne


@dataclass
class Person:
    """One person: one browser context (its own cookies, so its own Django session).

    The context may have served an earlier test (testsupport/chromium.py): one that a test
    changed (through ``context``, or a tab with a fake clock) is closed afterwards instead."""

    _context: BrowserContext
    _options: dict[str, Any]
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    changed_context: bool = False

    @property
    def context(self) -> BrowserContext:
        """The person's browser context, for a test that changes it (an init script, a route):
        it then serves no other test."""
        self.changed_context = True
        return self._context

    @property
    def tabs(self) -> list[Page]:
        return self._context.pages

    def new_tab(self, fake_clock: bool = False) -> Page:
        """A new tab; with ``fake_clock``, its timers wait for the test (``page.clock``), as do
        those of every later tab of this person (Playwright installs the clock on the context)."""
        if fake_clock:
            self.context.clock.install()
        page = self._context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._console)
        return page

    def leave(self) -> None:
        """After the test: the context goes back for the next test that asks for the same
        options, or is closed if this test changed it."""
        if self.changed_context:
            self._context.close()
        else:
            give_back(self._context, self._options)

    def _console(self, message: ConsoleMessage) -> None:
        # Failed loads (a 404 session, a refused websocket) are expected; CSP violations are not.
        if message.type == "error" and "Content Security Policy" in message.text:
            self.errors.append(message.text)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def open_chat(page: Page, path: str = "/") -> str:
    """Opens the chat page and returns its chat session id once the page has one."""
    page.goto(path)
    page.wait_for_function("() => document.body.dataset.sessionId !== undefined")
    return str(page.evaluate("document.body.dataset.sessionId"))


def pending_wallet_request(session_id: str, **fields: Any) -> WalletRequest:
    """A pending wallet request in the chat, where a turn leaves one: after the user's message
    that asked for it (a chat never written in has none, and its socket does not look)."""
    chat_session = ChatSession.objects.get(public_id=session_id)
    chat_session.add_message(Message.Role.USER, "Prepare it for my wallet")
    return WalletRequest.objects.create(chat_session=chat_session, **fields)


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


def drop_chat_messages(route: WebSocketRoute, dropped: list[str]) -> None:
    """Relays the page's socket to the server, swallowing chat.message frames while told to."""
    server = route.connect_to_server()

    def from_page(frame: str | bytes) -> None:
        if dropped and json.loads(frame).get("type") == "chat.message":
            dropped.append(str(frame))
            return
        server.send(frame)

    route.on_message(from_page)


def close_chat(page: Page, session_id: str) -> None:
    """Closes a chat through the API, as another tab or client of its owner would."""
    status = page.evaluate(
        """(id) => fetch(`/api/sessions/${encodeURIComponent(id)}/close`, {
          method: "POST",
          headers: { "X-CSRFToken": document.querySelector("meta[name=csrf-token]").content },
        }).then((response) => response.status)""",
        session_id,
    )
    assert status == 200, status
