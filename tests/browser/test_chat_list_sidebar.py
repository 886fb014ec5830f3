"""Point 1 of issue 17: the chat list beside the conversation, on a desktop and a phone.

Newest first and titled; "New chat" adds no empty row; rename; delete asks first; search finds
titles and message text; the list collapses behind a "Chats" button on a narrow screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import open_chat, send_message, wait_for_answers, wait_until_ready
from tests.browser.screens import (
    chat_list,
    chat_titles,
    close_chat_list,
    fits_the_screen,
    screen,
    someone,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
__all__ = ["screen", "someone"]


def chat_about(tab, text: str, answers: int = 1) -> None:
    wait_until_ready(tab)
    close_chat_list(tab)
    send_message(tab, text, network="testnet")
    wait_for_answers(tab, answers)


def test_new_chat_lists_chats_newest_first_without_empty_rows(someone, screen, screenshot):
    tab = someone().new_tab()
    open_chat(tab)
    sidebar = chat_list(tab)
    expect(sidebar.locator("#chat-list-empty")).to_be_visible()
    expect(sidebar.locator("#chat-list-empty")).to_contain_text("No chats yet")
    if screen == "phone":  # collapsed until asked for, and closes again
        sidebar.get_by_role("button", name="Close").click()
        expect(sidebar).to_be_hidden()
        expect(tab.get_by_role("button", name="Chats")).to_have_attribute("aria-expanded", "false")
    chat_about(tab, "gas price")
    first_id = tab.evaluate("document.body.dataset.sessionId")
    chat_list(tab).get_by_role("button", name="New chat").click()
    wait_until_ready(tab)
    assert tab.evaluate("document.body.dataset.sessionId") != first_id
    chat_about(tab, "latest block")
    for _ in range(2):  # an empty chat stays the one new chat, and makes no row
        chat_list(tab).get_by_role("button", name="New chat").click()
        wait_until_ready(tab)
    sidebar = chat_list(tab)
    expect(chat_titles(tab)).to_have_text(["latest block", "gas price"])
    expect(sidebar.locator(".chat-time").first).to_have_attribute(
        "datetime", re.compile(r"^\d{4}-")
    )
    fits_the_screen(tab)
    screenshot(tab)
    sidebar.get_by_role("link", name="gas price").click()
    wait_until_ready(tab)
    assert tab.evaluate("document.body.dataset.sessionId") == first_id
    expect(tab.locator(".msg-user .msg-body")).to_have_text(["gas price"])
    expect(chat_list(tab).locator("[aria-current=page] .chat-title")).to_have_text("gas price")


def test_rename_and_delete_after_a_confirmation(someone, screenshot):
    tab = someone().new_tab()
    open_chat(tab)
    chat_about(tab, "gas price")
    sidebar = chat_list(tab)
    sidebar.get_by_role("button", name="Rename “gas price”").click()
    box = sidebar.get_by_label("Chat title")
    box.fill("Fees on testnet")
    box.press("Enter")
    expect(chat_titles(tab)).to_have_text(["Fees on testnet"])
    sidebar.get_by_role("button", name="Delete “Fees on testnet”").click()
    question = sidebar.get_by_role("alertdialog")
    expect(question).to_contain_text("cannot be undone")
    screenshot(tab, "confirm")
    question.get_by_role("button", name="Cancel").click()
    expect(chat_titles(tab)).to_have_text(["Fees on testnet"])
    old_id = tab.evaluate("document.body.dataset.sessionId")
    sidebar.get_by_role("button", name="Delete “Fees on testnet”").click()
    sidebar.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    # The open chat was the deleted one: the tab moves to a new, empty chat.
    tab.wait_for_function("(old) => document.body.dataset.sessionId !== old", arg=old_id)
    wait_until_ready(tab)
    expect(tab.locator(".msg")).to_have_count(0)
    expect(chat_titles(tab)).to_have_count(0)


def test_search_finds_titles_and_words_inside_messages(someone, screenshot):
    tab = someone().new_tab()
    open_chat(tab)
    chat_about(tab, "balance of alice")
    chat_list(tab).get_by_role("button", name="New chat").click()
    chat_about(tab, "gas price")
    search = chat_list(tab).get_by_label("Search chats")
    search.fill("gwei")  # only in the agent's answer about gas
    expect(chat_titles(tab)).to_have_text(["gas price"])
    search.fill("ALICE")
    expect(chat_titles(tab)).to_have_text(["balance of alice"])
    search.fill("no such words")
    expect(chat_titles(tab)).to_have_count(0)
    expect(chat_list(tab).locator("#chat-list-empty")).to_be_visible()
    expect(chat_list(tab).locator("#chat-list-empty")).to_contain_text("No chat mentions")
    screenshot(tab)
    search.fill("")
    expect(chat_titles(tab)).to_have_count(2)


def test_a_long_address_title_wraps_instead_of_widening_the_sessions_page(someone):
    tab = someone().new_tab()
    open_chat(tab)
    chat_about(tab, "balance of 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC")
    tab.goto("/sessions/")
    expect(tab.locator("tr[data-session-id]")).to_have_count(1)
    fits_the_screen(tab)
