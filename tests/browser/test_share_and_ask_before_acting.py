"""Issue 32 in the page, on a desktop and a phone: the share dialog gives a read-only link
(with a copy button) and Unshare takes it back; with "Ask before acting" on, a testnet send
waits on a card that survives a reload, Confirm runs it, Reject runs nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import open_chat, send_message, wait_for_answers, wait_until_ready
from tests.browser.screens import chat_list, fits_the_screen, screen, someone

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
__all__ = ["screen", "someone"]


def dialog_fits(page: Page) -> None:
    box, viewport = page.locator(".share-dialog").bounding_box(), page.viewport_size
    assert box is not None and viewport is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]


def test_the_share_dialog_gives_a_read_only_link_and_unshare_takes_it_back(someone, screenshot):
    alice = someone(permissions=["clipboard-read", "clipboard-write"])
    tab = alice.new_tab()
    chat_id = open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "send 1 ETH from alice to bob", network="testnet")
    wait_for_answers(tab, 1)
    chat_list(tab).locator(f'[data-session-id="{chat_id}"]').get_by_role(
        "button", name=re.compile("^Share")
    ).click()
    dialog = tab.get_by_role("dialog", name="Share this chat")
    link = dialog.get_by_label("Share link", exact=True)
    expect(link).to_have_value(re.compile(r"^http://[^/]+/shared/[A-Za-z0-9_-]{43}$"))
    url = link.input_value()
    assert chat_id not in url
    dialog.get_by_role("button", name="Copy the share link").click()
    assert tab.evaluate("navigator.clipboard.readText()") == url
    dialog_fits(tab)
    screenshot(tab, "dialog")

    reader = someone().new_tab()  # another person, with the link only
    reader.goto(url)
    expect(reader.locator(".msg-user .msg-body")).to_have_text("send 1 ETH from alice to bob")
    expect(reader.locator(".tool-card .tool-name")).to_have_text("send_transaction")
    expect(reader.locator(".ref-tx .ref-value")).to_have_text(re.compile(r"^0x[0-9a-f]{64}$"))
    assert chat_id not in reader.content()
    fits_the_screen(reader)
    screenshot(reader, "shared")

    dialog.get_by_role("button", name="Unshare").click()
    expect(dialog.get_by_role("status")).to_have_text(re.compile("no longer opens"))
    response = reader.goto(url)
    assert response is not None and response.status == 404
    expect(reader.get_by_role("heading", name="This chat is not shared")).to_be_visible()


def ask_to_send(tab: Page) -> None:
    send_message(tab, "send 1 ETH from alice to bob", network="testnet")
    card = tab.get_by_role("region", name="Confirm the agent's action").last
    expect(card.get_by_role("button", name="Confirm")).to_be_enabled()
    expect(card.locator(".field-tool")).to_have_text("send_transaction")


def test_with_ask_before_acting_on_confirm_sends_and_reject_sends_nothing(someone, screenshot):
    tab = someone().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    toggle = tab.get_by_label("Ask before acting")
    expect(toggle).not_to_be_checked()  # the builtin agent acts on explicit requests only
    with tab.expect_response(re.compile("/confirm-actions$")):
        toggle.check()
    ask_to_send(tab)
    tab.reload()  # the card outlives a reload
    wait_until_ready(tab)
    expect(tab.get_by_label("Ask before acting")).to_be_checked()
    card = tab.get_by_role("region", name="Confirm the agent's action")
    expect(card).to_have_count(1)
    fits_the_screen(tab)
    screenshot(tab, "card")
    card.get_by_role("button", name="Confirm").click()
    system = tab.locator(".msg-system").last
    expect(system).to_contain_text("The person confirmed send_transaction; it ran:")
    expect(tab.locator(".msg-assistant.msg-rendered").last).to_contain_text("sent 1 ETH to bob")

    ask_to_send(tab)
    tab.get_by_role("region", name="Confirm the agent's action").last.get_by_role(
        "button", name="Reject"
    ).click()
    expect(tab.locator(".msg-system").last).to_contain_text(
        "The person declined it: sending did not run"
    )
    fits_the_screen(tab)
    screenshot(tab, "rejected")
