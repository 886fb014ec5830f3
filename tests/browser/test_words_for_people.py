"""Point 5 of issue 17: words for people. Unavailable networks say "not configured on this
server" (which variable to set stays in operators' /health and the logs); without a wallet,
the approval card and the agent say the same thing, and no internal id reaches the page."""

from __future__ import annotations

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
