"""The chat page's states and controls: the network selector, the banners (server full,
session expired or unknown, network down), the keyboard, the admin link, small screens and
the dark scheme."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from sessions_app.models import ChatSession
from tests.browser.helpers import (
    MAX_SESSIONS,
    open_chat,
    send_message,
    wait_for_answers,
    wait_until_ready,
)
from testsupport.processes import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def make_idle_past_timeout(session_id: str) -> None:
    """Moves the session's last activity back past SESSION_TIMEOUT (time, controlled)."""
    idle_since = timezone.now() - timedelta(seconds=settings.SESSION_TIMEOUT + 60)
    ChatSession.objects.filter(public_id=session_id).update(last_activity_at=idle_since)


def test_network_selector_lists_every_network_and_disables_unavailable_ones_with_why(
    person, screenshot
):
    tab = person().new_tab()
    open_chat(tab)
    selector = tab.get_by_label("Network")
    options = selector.locator("option")
    expect(options).to_have_count(len(settings.NETWORKS))
    mainnet = selector.locator("option[value=mainnet]")
    expect(mainnet).to_be_disabled()
    expect(mainnet).to_contain_text("not configured on this server")
    expect(selector.locator("option[value=polygon]")).to_be_enabled()
    # Operator details (which variable to set) stay in /health and the logs.
    assert "RPC_URL" not in tab.content()
    selector.select_option("polygon")
    tab.reload()
    expect(tab.get_by_label("Network")).to_have_value("polygon")
    screenshot(tab)


# static/js/networks.js: how often the page asks for the networks' health.
HEALTH_EVERY_MS = 20_000


def next_poll_shows(tab: Page, banner: Locator) -> bool:
    """The page's next health poll, at once; whether it showed the banner (the backend keeps
    a health answer a few seconds, so the first polls may still say "up")."""
    tab.clock.run_for(HEALTH_EVERY_MS)
    tab.wait_for_timeout(500)  # the poll's request and answer, in real time
    return banner.count() > 0


def test_a_network_whose_server_goes_down_shows_a_banner_while_selected(
    person, screenshot, base_server
):
    tab = person().new_tab(fake_clock=True)  # so the test need not wait for the next poll
    open_chat(tab)
    tab.get_by_label("Network").select_option("base")
    base_server.healthy = False  # its server goes away while the page shows it
    try:
        banner = tab.locator("[data-banner=network-down]")
        wait_until(lambda: next_poll_shows(tab, banner), 30, "the network-down banner")
        expect(banner).to_contain_text("base network is down")
        screenshot(tab)
        tab.get_by_label("Network").select_option("testnet")
        expect(banner).to_have_count(0)
    finally:
        base_server.healthy = True


def test_a_full_server_shows_a_banner_and_try_again_starts_the_chat_once_there_is_room(
    person, screenshot
):
    # Chats hold a place below MAX_SESSIONS from their first message (sessions_app/manager.py).
    strangers = [
        ChatSession.objects.create(owner_key=f"stranger-{n}", place=n) for n in range(MAX_SESSIONS)
    ]
    tab = person().new_tab()
    tab.goto("/")
    banner = tab.locator("[data-banner=server-full]")
    expect(banner).to_contain_text("The server is full")
    expect(tab.get_by_label("Message")).to_be_disabled()
    screenshot(tab)
    ChatSession.objects.filter(pk=strangers[0].pk).update(status=ChatSession.Status.CLOSED)
    banner.get_by_role("button", name="Try again").click()
    wait_until_ready(tab)
    expect(banner).to_have_count(0)
    expect(tab.get_by_label("Message")).to_be_enabled()


def test_an_expired_session_keeps_its_history_and_goes_on(person, screenshot):
    tab = person().new_tab()
    old_id = open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "block number", network="testnet")
    wait_for_answers(tab, 1)
    make_idle_past_timeout(old_id)
    send_message(tab, "gas price")
    wait_for_answers(tab, 2)
    tab.reload()
    wait_until_ready(tab)
    assert tab.evaluate("document.body.dataset.sessionId") == old_id
    expect(tab.locator(".msg-user .msg-body").first).to_have_text("block number")
    expect(tab.locator(".msg-user .msg-body").last).to_have_text("gas price")
    expect(tab.get_by_label("Message")).to_be_enabled()
    screenshot(tab)


def test_an_unknown_session_id_offers_a_new_chat(person, screenshot):
    tab = person().new_tab()
    tab.goto("/?session=not-a-real-session-id")
    banner = tab.locator("[data-banner=session-expired]")
    expect(banner).to_contain_text("not found")
    screenshot(tab)
    banner.get_by_role("button", name="Start a new chat").click()
    wait_until_ready(tab)


def test_enter_sends_and_shift_enter_starts_a_new_line(person):
    tab = person().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    box = tab.get_by_label("Message")
    box.press_sequentially("help")
    box.press("Shift+Enter")
    box.press_sequentially("please")
    expect(box).to_have_value("help\nplease")
    expect(tab.locator(".msg-user")).to_have_count(0)
    box.press("Enter")
    expect(tab.locator(".msg-user .msg-body")).to_have_text("help\nplease")
    expect(box).to_have_value("")
    expect(wait_for_answers(tab, 1)).to_contain_text("I understand")


def test_staff_see_a_link_to_the_admin_and_others_do_not(person, screenshot):
    User.objects.create_user("staffer", password="a-long-test-password", is_staff=True)
    visitor, staff = person().new_tab(), person().new_tab()
    visitor.goto("/sessions/")
    expect(visitor.get_by_role("link", name="Admin")).to_have_count(0)
    staff.goto("/admin/login/?next=/sessions/")
    staff.get_by_label("Username").fill("staffer")
    staff.get_by_label("Password").fill("a-long-test-password")
    staff.get_by_role("button", name="Log in").click()
    staff.wait_for_url("**/sessions/")
    expect(staff.get_by_role("link", name="Admin")).to_have_attribute("href", "/admin/")
    screenshot(staff)


def test_the_chat_fits_a_phone_screen_in_the_dark_scheme(person, screenshot):
    phone = person(viewport={"width": 360, "height": 740}, color_scheme="dark")
    tab = phone.new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "balance of alice", network="testnet")
    wait_for_answers(tab, 1)
    assert tab.evaluate("document.documentElement.scrollWidth") <= 360
    background = tab.evaluate("getComputedStyle(document.body).backgroundColor")
    red, green, blue = (int(part) for part in re.findall(r"\d+", background)[:3])
    assert red + green + blue < 150, background
    expect(tab.get_by_role("button", name="Send")).to_be_in_viewport()
    screenshot(tab)
