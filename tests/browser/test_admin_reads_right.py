"""The admin reads right in Chromium (issue 31, point 10), at 1280x800 and 390x844: the tool
calls' error column shows the error and "—" for a success (no red ✗), chats are found by
username and title and listed with their titles, JSON is indented, and read-only history has
no Save button."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from sessions_app import manager
from sessions_app.models import ChatSession, ToolCall
from sessions_app.owner import Owner
from tests.browser.screens import screen, someone

__all__ = ["screen", "someone"]  # fixtures, used by name

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

FAILURE = "No contract code at 0x000000000000000000000000000000000000dEaD on testnet."
PASSWORD = "a-long-admin-password"


def chat_of(username: str, title: str) -> ChatSession:
    user = User.objects.create_user(username, password=f"{username}-pw-123")
    chat = manager.create_chat_session(Owner(session_key=f"{username}-browser", user_id=user.pk))
    chat.title = title
    chat.save(update_fields=["title"])
    return chat


def record_calls(chat: ChatSession) -> None:
    reply = chat.add_message("assistant", "alice holds 10000 ETH", metadata={"kind": "answer"})
    common = {"chat_session": chat, "message": reply, "network": "testnet"}
    ToolCall.objects.create(
        **common,
        tool="get_balance",
        arguments={"address": "alice"},
        result={"balance": "10000", "currency": "ETH"},
    )
    ToolCall.objects.create(
        **common,
        tool="get_code",
        arguments={"address": "0xdead"},
        result={"code": "tool_error", "message": FAILURE},
        is_error=True,
    )


def sign_in_to_admin(tab: Page) -> None:
    User.objects.create_superuser("root", password=PASSWORD)
    tab.goto("/admin/login/?next=/admin/")
    tab.get_by_label("Username").fill("root")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url("**/admin/")


def test_the_admin_lists_searches_and_shows_history_as_people_read_it(someone, screenshot):
    alices = chat_of("alice", "Rent money for Lisbon")
    record_calls(alices)
    chat_of("bob", "Gas on polygon")
    tab = someone().new_tab()
    sign_in_to_admin(tab)
    tab.goto("/admin/chat/toolcall/")
    rows = tab.locator("#result_list tbody tr")
    expect(rows.filter(has_text="get_code").locator("td.field-error")).to_contain_text(FAILURE)
    expect(rows.filter(has_text="get_balance").locator("td.field-error")).to_have_text("—")
    expect(tab.locator("#result_list img[src*='icon-no']")).to_have_count(0)
    screenshot(tab, "tool-calls")
    rows.filter(has_text="get_balance").locator("th a, td a").first.click()
    result = tab.locator("pre.json", has_text='"currency": "ETH"')
    expect(result).to_contain_text('"balance": "10000"')
    assert result.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"  # css/admin.css
    expect(tab.get_by_role("button", name="Save")).to_have_count(0)
    expect(tab.locator("input[type=submit][value=Save]")).to_have_count(0)
    for query, shown, hidden in (("alice", "Rent money", "Gas on"), ("polygon", "Gas on", "Rent")):
        tab.goto(f"/admin/chat/chatsession/?q={query}")
        listing = tab.locator("#result_list")
        expect(listing).to_contain_text(shown)
        expect(listing).not_to_contain_text(hidden)
    expect(tab.locator("#result_list th.column-title_shown")).to_have_count(1)
    screenshot(tab, "sessions")
