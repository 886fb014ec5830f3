"""Point 3 of issue 17: transaction hashes and addresses show in full below the tool card
(not only in its collapsed JSON), each with a copy button and a block-explorer link taken
from the network table; the testnet has no explorer, so no link."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import open_chat, send_message, wait_for_answers, wait_until_ready
from tests.browser.screens import fits_the_screen, screen, someone

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
__all__ = ["screen", "someone"]

CAROL = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"  # Anvil account 2


def test_a_testnet_transaction_shows_its_full_hash_with_copy_and_no_explorer(someone, screenshot):
    tab = someone(permissions=["clipboard-read", "clipboard-write"]).new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "send 1 ETH from alice to bob", network="testnet")
    wait_for_answers(tab, 1)
    tx = tab.locator(".tool-refs .ref-tx").first
    expect(tx.locator(".ref-value")).to_have_text(re.compile(r"^0x[0-9a-f]{64}$"))
    expect(tx).to_be_visible()  # without opening the card
    expect(tab.locator(".tool-card .tool-args")).to_be_hidden()
    expect(tab.locator(".ref-explorer")).to_have_count(0)
    full_hash = tx.locator(".ref-value").inner_text()
    tx.get_by_role("button", name="Copy transaction").click()
    assert tab.evaluate("navigator.clipboard.readText()") == full_hash
    fits_the_screen(tab)
    screenshot(tab)


def test_on_polygon_an_address_links_to_its_block_explorer(someone, screenshot):
    tab = someone().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, f"balance of {CAROL}", network="polygon")
    wait_for_answers(tab, 1)
    address = tab.locator(".tool-refs .ref-address").first
    expect(address.locator(".ref-value")).to_have_text(re.compile(CAROL, re.IGNORECASE))
    link = address.get_by_role("link", name="View address on the block explorer")
    expect(link).to_have_attribute(
        "href", re.compile(rf"^https://polygonscan\.com/address/{CAROL}$", re.IGNORECASE)
    )
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    fits_the_screen(tab)
    screenshot(tab)
