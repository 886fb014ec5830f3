"""Issue 17, point 4: a chat that idles past SESSION_TIMEOUT while open says so in place
within a second of its deadline, like a chat closed in another tab; a message still waiting
for the server then reads "not sent", never "sending" for good. The chat is not read-only
(issue 31): Retry, or a new message, continues it.

This module runs its own backend with a short SESSION_TIMEOUT, and no cleanup_sessions
process: the backend itself must notice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from sessions_app.models import ChatSession
from tests.browser.helpers import (
    TIMEOUT_MS,
    drop_chat_messages,
    open_chat,
    send_message,
    start_backend,
    wait_for_answers,
    wait_until_ready,
)
from tests.browser.screens import desktop_only, screen, someone
from testsupport.processes import Daphne

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db"), desktop_only]
__all__ = ["screen", "someone"]

# Long enough to load the page and type on a busy machine, shorter than the page's own 12 s
# "not sent" timer: a message marked "not sent" by the deadline was marked by the expiry.
SESSION_TIMEOUT = 10
PROMPTLY_MS = 1_000

# The moment the page turned to the expired state, by the page's clock (the same machine's).
RECORD_EXPIRY = """() => {
  new MutationObserver(() => {
    const expired = document.body.dataset.state === "expired";
    if (expired && !window.expiredAt) window.expiredAt = Date.now();
  }).observe(document.body, { attributes: true, attributeFilter: ["data-state"] });
}"""


@pytest.fixture(scope="module")
def short_timeout_backend(backend_settings: dict[str, str]) -> Iterator[Daphne]:
    env = {**backend_settings, "SESSION_TIMEOUT": str(SESSION_TIMEOUT)}
    daphne = start_backend(env, log_name="daphne-idle-expiry")
    yield daphne
    daphne.stop()


@pytest.fixture
def app_url(short_timeout_backend: Daphne) -> str:
    return short_timeout_backend.base_url


def idle_deadline_ms(session_id: str) -> float:
    last_activity = ChatSession.objects.get(public_id=session_id).last_activity_at
    return (last_activity + timedelta(seconds=SESSION_TIMEOUT)).timestamp() * 1000


def wait_for_expired_state(tab: Page, deadline_ms: float) -> float:
    """When the page showed the expired state, in ms after the idle deadline."""
    left_ms = deadline_ms - tab.evaluate("Date.now()")
    tab.wait_for_function("() => window.expiredAt", timeout=left_ms + TIMEOUT_MS)
    return float(tab.evaluate("window.expiredAt")) - deadline_ms


def test_an_idle_chat_says_expired_in_place_within_a_second_and_continues(someone, screenshot):
    tab = someone().new_tab()
    # The message below never reaches the server: it is no activity, and it stays pending.
    dropping = ["on"]
    tab.route_web_socket("**/ws/sessions/**", lambda route: drop_chat_messages(route, dropping))
    session_id = open_chat(tab)
    wait_until_ready(tab)
    tab.evaluate(RECORD_EXPIRY)
    send_message(tab, "gas price", network="testnet")
    pending = tab.locator(".msg-user").first.locator(".badge-status")
    expect(pending).to_have_text("sending")
    deadline_ms = idle_deadline_ms(session_id)
    assert tab.evaluate("Date.now()") < deadline_ms, "the page took the whole timeout to load"

    after_deadline_ms = wait_for_expired_state(tab, deadline_ms)
    assert 0 <= after_deadline_ms < PROMPTLY_MS
    ended = tab.locator("#chat-ended")
    expect(ended).to_be_visible(timeout=100)
    expect(ended).to_contain_text("expired")
    expect(ended).to_be_in_viewport()
    expect(pending).to_have_text("not sent", timeout=100)
    expect(ended).to_contain_text("continue")
    expect(tab.get_by_label("Message")).to_be_enabled()
    expect(tab.get_by_role("button", name="Send")).to_be_enabled()
    screenshot(tab)

    dropping.clear()  # the network is back: Retry continues the same chat
    tab.locator(".msg-user").first.get_by_role("button", name="Retry").click()
    expect(wait_for_answers(tab, 1)).to_contain_text("Gas")
    expect(ended).to_be_hidden()
    assert tab.evaluate("document.body.dataset.state") == "ready"
    assert tab.evaluate("document.body.dataset.sessionId") == session_id
    assert ChatSession.objects.get(public_id=session_id).status == ChatSession.Status.ACTIVE


def test_new_chat_still_starts_afresh_from_an_expired_one(someone):
    tab = someone().new_tab()
    session_id = open_chat(tab)
    wait_until_ready(tab)
    # Idle for all but three seconds of its window (a reload on a busy machine takes more than
    # one); the reloaded page's socket watches the rest.
    almost_idle = timezone.now() - timedelta(seconds=SESSION_TIMEOUT - 3)
    ChatSession.objects.filter(public_id=session_id).update(last_activity_at=almost_idle)
    tab.reload()
    ended = tab.locator("#chat-ended")
    expect(ended).to_be_visible(timeout=(SESSION_TIMEOUT + 5) * 1000)
    ended.get_by_role("button", name="New chat").click()
    wait_until_ready(tab)
    assert tab.evaluate("document.body.dataset.sessionId") != session_id
    expect(tab.get_by_label("Message")).to_be_enabled()
    expect(tab.locator(".msg-user")).to_have_count(0)
