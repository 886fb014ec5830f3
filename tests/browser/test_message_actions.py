"""Point 2 of issue 17: each message can be copied; the last answer can be regenerated; a sent
message can be edited and sent again, which starts a new turn from that point (the old
messages leave the conversation, for the page and for the agent)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions_app.models import Message
from tests.browser.helpers import open_chat, send_message, wait_for_answers, wait_until_ready
from tests.browser.screens import desktop_only, screen, someone

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db"), desktop_only]
__all__ = ["screen", "someone"]

SHOWN = ":not([hidden])"


def test_copy_puts_the_message_text_on_the_clipboard(someone, screenshot):
    tab = someone(permissions=["clipboard-read", "clipboard-write"]).new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "balance of alice", network="testnet")
    answer = wait_for_answers(tab, 1)
    tab.locator(".msg-user").get_by_role("button", name="Copy text").click()
    assert tab.evaluate("navigator.clipboard.readText()") == "balance of alice"
    answer.get_by_role("button", name="Copy text").click()
    expect(answer.get_by_role("button", name="Copy text")).to_have_text("Copied")
    copied = tab.evaluate("navigator.clipboard.readText()")
    assert "ETH" in copied and copied == answer.locator(".msg-body").inner_text().strip()
    screenshot(tab)


def test_regenerate_replaces_the_last_answer_with_a_new_turn(someone, screenshot):
    tab = someone().new_tab()
    session_id = open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "gas price", network="testnet")
    send_message(tab, "latest block")
    first_answer = wait_for_answers(tab, 2)
    expect(tab.locator("#processing")).to_be_hidden()
    older = tab.locator(".msg-assistant").first
    expect(older.get_by_role("button", name="Regenerate")).to_be_hidden()  # only the last
    first_answer.get_by_role("button", name="Regenerate").click()
    # "latest block" was queued behind "gas price": the answer to gas price stays.
    expect(older).to_be_visible()
    expect(older).to_contain_text("Gas")
    expect(tab.locator(f".msg-assistant.msg-rendered{SHOWN}")).to_have_count(2, timeout=30_000)
    wait_for_answers(tab, 3)
    expect(tab.locator(f".msg-user{SHOWN} .msg-body")).to_have_text(["gas price", "latest block"])
    expect(tab.locator(f".msg-assistant{SHOWN}").last).to_contain_text("block")
    screenshot(tab)
    tab.reload()  # the superseded pair stays out after a reload
    wait_until_ready(tab)
    expect(tab.locator(f".msg-user{SHOWN}")).to_have_count(2)
    expect(tab.locator(f".msg-assistant{SHOWN}")).to_have_count(2)
    stored = Message.objects.filter(chat_session__public_id=session_id)
    assert stored.filter(superseded_at__isnull=False).count() == 2


def test_editing_a_sent_message_resends_it_as_a_new_turn_from_there(someone, screenshot):
    tab = someone().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "balance of alice", network="testnet")
    send_message(tab, "gas price")
    wait_for_answers(tab, 2)
    expect(tab.locator("#processing")).to_be_hidden()
    first = tab.locator(".msg-user").first
    first.get_by_role("button", name="Edit", exact=True).click()
    box = first.get_by_label("Edited text")
    expect(box).to_have_value("balance of alice")
    box.fill("balance of bob")
    screenshot(tab, "editing")
    first.get_by_role("button", name="Submit edit").click()
    # The edited message and everything after it made way for the new turn.
    expect(tab.locator(f".msg-user{SHOWN} .msg-body")).to_have_text(["balance of bob"])
    wait_for_answers(tab, 3)
    expect(tab.locator(f".msg-assistant.msg-rendered{SHOWN}")).to_have_count(1)
    expect(tab.locator(f".msg-assistant{SHOWN}")).to_contain_text("bob")
    screenshot(tab)
