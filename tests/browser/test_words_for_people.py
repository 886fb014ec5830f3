"""Point 5 of issue 17: words for people. Unavailable networks say "not configured on this
server" (which variable to set stays in operators' /health and the logs); without a wallet,
the approval card and the agent say the same thing, and no internal id reaches the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import open_chat, send_message, wait_for_answers, wait_until_ready
from tests.browser.screens import fits_the_screen, screen, someone

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
__all__ = ["screen", "someone"]

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
RECIPIENT = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def test_an_unavailable_network_is_not_configured_on_this_server(someone, screenshot):
    tab = someone().new_tab()
    open_chat(tab)
    mainnet = tab.get_by_label("Network").locator("option[value=mainnet]")
    expect(mainnet).to_be_disabled()
    expect(mainnet).to_have_text("mainnet — not configured on this server")
    expect(tab.locator("#network-note")).to_be_empty()  # no standing note about it
    assert "RPC_URL" not in tab.content()
    health = tab.request.get("/api/mcp/health").json()
    assert health["networks"]["mainnet"] == {"state": "unavailable"}  # the detail is operators'
    assert "ETH_RPC_URL" not in str(health)
    fits_the_screen(tab)


def test_without_a_wallet_the_card_and_the_agent_agree_and_show_no_internal_id(someone, screenshot):
    tab = someone().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, f"send 0.1 POL from {ALICE} to {RECIPIENT}", network="polygon")
    answer = wait_for_answers(tab, 1)
    card = tab.locator(".approval-card")
    expect(answer).to_contain_text("Approve or reject it on the card below")
    expect(card.locator(".approval-nowallet")).to_contain_text("No browser wallet was found")
    expect(card.locator(".approval-nowallet")).to_contain_text("You can reject it here")
    expect(card.get_by_role("button", name="Approve")).to_be_disabled()
    expect(card.get_by_role("button", name="Reject")).to_be_enabled()
    shown = tab.locator("main").inner_text()
    assert "wr_" not in shown and "request " not in shown
    assert "confirm it in your wallet" not in shown
    fits_the_screen(tab)
    screenshot(tab)


def test_answers_name_what_failed_in_words_and_skip_wei_and_small_talk_is_short(someone):
    """Issue 31, point 9: no tool or setting names and no wei in the answers people read;
    "hi! how are you?" gets one friendly answer, without "did not understand"."""
    tab = someone().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "hi! how are you?")
    greeting = wait_for_answers(tab, 1).locator(".msg-body")
    expect(greeting).to_contain_text("Hello! I'm doing well, thanks.")
    send_message(tab, "balance of alice")
    balance = wait_for_answers(tab, 2).locator(".msg-body")
    expect(balance).to_contain_text("ETH on testnet")
    send_message(tab, "send 100000000 ETH from alice to bob")
    failure = wait_for_answers(tab, 3).locator(".msg-body")
    expect(failure).to_contain_text("Sending failed on testnet:")
    said = [greeting.inner_text(), balance.inner_text(), failure.inner_text()]
    assert not any("did not understand" in text for text in said), said
    assert not any(re.search(r"\bwei\b|_(?:transaction|balance)\b|[A-Z]+_[A-Z]+", t) for t in said)
    fits_the_screen(tab)
