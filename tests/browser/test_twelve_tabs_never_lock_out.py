"""A person who opened twelve tabs and wrote in two of them is never told they have ten
active chats: a tab that never got a message counts against no cap, and New chat and sending
keep working in every tab (issue 31, point 1). On the desktop only: what it proves is counting,
which the screen does not change; New chat from the phone's collapsed chat list is
test_chat_list_sidebar.py's."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import open_chat, send_message, wait_for_answers, wait_until_ready
from tests.browser.screens import (
    chat_list,
    chat_titles,
    close_chat_list,
    desktop_only,
    screen,
    someone,
)

__all__ = ["screen", "someone"]  # fixtures, used by name

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db"), desktop_only]

TABS = 12  # more than the ten active chats an owner may hold


def test_twelve_tabs_and_two_chats_never_read_ten_active_chats(someone, screenshot):
    alice = someone()
    tabs = [alice.new_tab() for _ in range(TABS)]
    for tab in tabs:
        open_chat(tab)
        wait_until_ready(tab)
    for tab, question in ((tabs[0], "block number"), (tabs[-1], "gas price")):
        send_message(tab, question, network="testnet")
        wait_for_answers(tab, 1)
    last = tabs[-1]
    expect(last.get_by_text("active chat sessions")).to_have_count(0)
    expect(chat_titles(chat_list(last))).to_have_count(2)
    close_chat_list(last)
    screenshot(last)
    fresh = tabs[5]
    chat_list(fresh).locator("#new-chat").click()
    wait_until_ready(fresh)
    send_message(fresh, "block number", network="testnet")
    wait_for_answers(fresh, 1)
    expect(fresh.get_by_text("active chat sessions")).to_have_count(0)
