"""Each tab is its own chat session and a reload resumes it; the sessions page lists the chats,
each at its address (/c/<id>), with the chat list's verbs (issue 31)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    open_chat,
    send_message,
    stored_session_id,
    wait_for_answers,
    wait_until_ready,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_two_tabs_of_one_browser_are_two_chat_sessions_and_reload_keeps_each(person, screenshot):
    alice = person()
    first, second = alice.new_tab(), alice.new_tab()
    first_id, second_id = open_chat(first), open_chat(second)
    assert first_id != second_id
    assert stored_session_id(first) == first_id
    first.reload()
    wait_until_ready(first)
    assert first.evaluate("document.body.dataset.sessionId") == first_id
    screenshot(first)


def test_sessions_page_lists_this_browsers_sessions_and_resumes_one(person, screenshot):
    alice, bob = person(), person()
    alice_tab = alice.new_tab()
    alice_id = open_chat(alice_tab)
    wait_until_ready(alice_tab)
    send_message(alice_tab, "balance of bob", network="polygon")
    wait_for_answers(alice_tab, 1)
    open_chat(bob.new_tab())
    open_chat(alice.new_tab())  # a tab that never sent a message adds no row
    listing = alice.new_tab()
    listing.goto("/sessions/")
    rows = listing.locator("tr[data-session-id]")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_have_attribute("data-session-id", alice_id)
    expect(row.locator("[data-label=Title]")).to_have_text("balance of bob")
    expect(row.locator("[data-label=Network]")).to_have_text("polygon")
    expect(row.locator("[data-label=Messages]")).to_have_text("2")
    expect(row.locator("[data-label='Last activity'] time")).to_have_attribute(
        "datetime", re.compile(r"^\d{4}-")
    )
    expect(row.locator(".status")).to_have_text("active")
    screenshot(listing)
    listing.get_by_role("link", name="balance of bob").click()
    listing.wait_for_url(f"**/c/{alice_id}")
    wait_until_ready(listing)
    assert listing.evaluate("document.body.dataset.sessionId") == alice_id
    assert stored_session_id(listing) == alice_id
    expect(listing.locator(".msg-user .msg-body")).to_have_text(["balance of bob"])
    expect(listing.locator(".msg-assistant.msg-rendered")).to_have_count(1)


def test_the_sessions_page_renames_and_deletes_like_the_chat_list(person, screenshot):
    alice = person()
    chat = alice.new_tab()
    open_chat(chat)
    wait_until_ready(chat)
    send_message(chat, "gas price", network="testnet")  # an empty tab is not listed
    wait_for_answers(chat, 1)
    listing = alice.new_tab()
    listing.goto("/sessions/")
    row = listing.locator("tr[data-session-id]")
    expect(row.get_by_role("button")).to_have_text(["Share", "Rename", "Delete"])
    row.get_by_role("button", name="Rename “gas price”").click()
    listing.get_by_label("Chat title").fill("Fees")
    listing.get_by_role("button", name="Save").click()
    expect(row.get_by_role("link", name="Fees")).to_be_visible()
    row.get_by_role("button", name="Delete “Fees”").click()
    question = listing.get_by_role("alertdialog")
    expect(question).to_contain_text("cannot be undone")  # asks first
    screenshot(listing)
    question.get_by_role("button", name="Delete").click()
    expect(listing.locator("tr[data-session-id]")).to_have_count(0)
    expect(chat.locator("#chat-ended")).to_contain_text("deleted")


def test_another_browsers_session_id_is_not_found_here(person, screenshot):
    bob_tab = person().new_tab()
    bobs_id = open_chat(bob_tab)
    wait_until_ready(bob_tab)
    send_message(bob_tab, "balance of bob", network="testnet")
    wait_for_answers(bob_tab, 1)
    alice_tab = person().new_tab()
    alice_tab.goto(f"/?session={bobs_id}")
    expect(alice_tab.locator("[data-banner=session-expired]")).to_contain_text("not found")
    expect(alice_tab.locator(".msg")).to_have_count(0)
    assert stored_session_id(alice_tab) is None
    screenshot(alice_tab)
