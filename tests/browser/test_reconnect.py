"""When the backend goes away the page says so, reconnects by itself with backoff, sends what
was typed meanwhile, and catches up from session.state without duplicating anything."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    open_chat,
    send_message,
    start_backend,
    wait_for_answers,
    wait_until_ready,
)
from testsupport.processes import Daphne

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture(scope="module")
def own_backend(backend_settings: dict[str, str]) -> Iterator[list[Daphne]]:
    """This module's own daphne (it gets restarted), in a list so a test can replace it."""
    daphnes = [start_backend(backend_settings, log_name="daphne-reconnect")]
    yield daphnes
    for daphne in daphnes:
        daphne.stop()


@pytest.fixture
def app_url(own_backend: list[Daphne]) -> str:
    return own_backend[-1].base_url


def test_a_lost_connection_shows_a_banner_reconnects_and_catches_up_without_duplicates(
    person, own_backend, backend_settings, screenshot
):
    tab = person().new_tab()
    session_id = open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "block number", network="testnet")
    wait_for_answers(tab, 1)

    old = own_backend[-1]
    old.stop(signal.SIGKILL)
    banner = tab.locator("[data-banner=connection]")
    expect(banner).to_contain_text("Connection lost")
    send_message(tab, "gas price")  # typed while offline: kept and sent after reconnecting
    expect(tab.locator(".msg-user").nth(1).locator(".badge-status")).to_have_text("sending")
    screenshot(tab, "offline")

    own_backend.append(start_backend(backend_settings, port=old.port, log_name="daphne-reconnect"))
    expect(banner).to_have_count(0, timeout=40_000)
    expect(wait_for_answers(tab, 2)).to_contain_text("Gas on testnet")
    assert tab.evaluate("document.body.dataset.sessionId") == session_id
    expect(tab.locator(".msg-user")).to_have_count(2)
    expect(tab.locator(".msg-assistant")).to_have_count(2)
    expect(tab.locator(".tool-card")).to_have_count(2)
    screenshot(tab)
