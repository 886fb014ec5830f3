"""Point 4 of issue 17: every state shows where the user looks. A chat closed in another tab
says so in place within a second and still takes the next message (issue 31); a deleted one
says so with "New chat"; a message the server never
confirms turns from "sending" into "not sent" with Retry; a stopped tool call reads "stopped"."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    close_chat,
    drop_chat_messages,
    open_chat,
    send_message,
    wait_for_answers,
    wait_until_ready,
)
from tests.browser.screens import chat_list, desktop_only, screen, someone

# static/js/chat.js: a message the server has not confirmed by then reads "not sent".
SEND_TIMEOUT_MS = 12_000

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db"), desktop_only]
__all__ = ["screen", "someone"]


def test_a_chat_closed_in_another_tab_says_so_in_place_within_a_second(someone, screenshot):
    alice = someone()
    chat = alice.new_tab()
    session_id = open_chat(chat)
    wait_until_ready(chat)
    send_message(chat, "gas price", network="testnet")
    wait_for_answers(chat, 1)
    other = alice.new_tab()
    other.goto("/sessions/")
    closed_at = time.monotonic()
    close_chat(other, session_id)
    ended = chat.locator("#chat-ended")
    expect(ended).to_be_visible(timeout=1_000)
    assert time.monotonic() - closed_at < 1.0
    expect(ended).to_contain_text("closed")
    expect(ended).to_contain_text("continue")
    expect(ended).to_be_in_viewport()
    expect(chat.get_by_label("Message")).to_be_enabled()  # not read-only
    screenshot(chat)
    send_message(chat, "gas price", network="testnet")
    expect(wait_for_answers(chat, 2)).to_contain_text("Gas")
    expect(ended).to_be_hidden()
    assert chat.evaluate("document.body.dataset.sessionId") == session_id
    expect(chat.locator(".msg-user")).to_have_count(2)


def test_a_chat_deleted_in_another_tab_says_so_in_place(someone, screenshot):
    alice = someone()
    chat, other = alice.new_tab(), alice.new_tab()
    session_id = open_chat(chat)
    wait_until_ready(chat)
    send_message(chat, "gas price", network="testnet")
    wait_for_answers(chat, 1)
    open_chat(other)
    sidebar = chat_list(other)
    sidebar.get_by_role("button", name="Delete “gas price”").click()
    sidebar.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    ended = chat.locator("#chat-ended")
    expect(ended).to_be_visible(timeout=1_000)
    expect(ended).to_contain_text("deleted")
    assert chat.evaluate("sessionStorage.getItem('evmchat.session')") != session_id


def test_a_message_never_confirmed_turns_into_not_sent_with_retry(someone, screenshot):
    tab = someone().new_tab(fake_clock=True)  # so the test need not wait out the send timeout
    swallowing = ["on"]
    tab.route_web_socket("**/ws/sessions/**", lambda route: drop_chat_messages(route, swallowing))
    open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "gas price", network="testnet")
    message = tab.locator(".msg-user").first
    expect(message.locator(".badge-status")).to_have_text("sending")
    tab.clock.fast_forward(SEND_TIMEOUT_MS - 1_000)
    expect(message.locator(".badge-status")).to_have_text("sending")  # not before its time
    tab.clock.fast_forward(2_000)
    expect(message.locator(".badge-status")).to_have_text("not sent")
    screenshot(tab)
    swallowing.clear()  # the network is back
    message.get_by_role("button", name="Retry").click()
    expect(wait_for_answers(tab, 1)).to_contain_text("Gas")
    expect(message.locator(".badge-status")).to_be_hidden()
    expect(tab.locator(".msg-user")).to_have_count(1)


def test_a_stopped_tool_call_reads_stopped(someone, screenshot):
    tab = someone().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "block number", network="arbitrum")  # its server never answers
    expect(tab.locator(".tool-card.tool-running")).to_have_count(1)
    tab.get_by_role("button", name="Stop").click()
    state = tab.locator(".tool-card .tool-state")
    expect(state).to_contain_text("stopped")
    expect(state).not_to_contain_text("error")
    expect(tab.locator(".tool-card.tool-error")).to_have_count(0)
    screenshot(tab)
