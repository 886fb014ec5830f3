"""Issue 31 point 5: cards label things right, on a desktop and a phone. The latest block's
card says Block for its own hash and Parent for its parent's; a send card says From and To and
shows the fee with its currency; a reject on the card is reported as "You rejected it"; an
answered card loses its buttons and shows its hash once; signing gives one instruction."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.helpers import open_chat, send_message, wait_for_answers, wait_until_ready
from tests.browser.screens import fits_the_screen, screen, someone

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
__all__ = ["screen", "someone"]

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # Anvil account 0 (and the test wallet)
BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # Anvil account 1
CAROL = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"  # Anvil account 2
PROVIDER_JS = (Path(__file__).parent / "wallet_provider.js").read_text()
WEI = Decimal(10) ** 18


def row(refs: Locator, label: str) -> Locator:
    """The one row of ``refs`` labelled ``label`` (exactly)."""
    found = refs.locator(".ref").filter(
        has=refs.page.locator(".ref-kind", has_text=re.compile(f"^{label}$"))
    )
    expect(found).to_have_count(1)
    return found.locator(".ref-value")


def labels(refs: Locator) -> list[str]:
    return refs.locator(".ref-kind").all_inner_texts()


def with_wallet(someone, anvil_polygon) -> Page:  # type: ignore[no-untyped-def]
    """A tab whose test wallet (Anvil's alice on the polygon chain) is connected."""
    alice = someone(bypass_csp=True)
    alice.context.add_init_script(PROVIDER_JS.replace("__RPC_URL__", anvil_polygon.url))
    tab = alice.new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    tab.get_by_role("button", name="Connect wallet").click()
    expect(tab.locator("#wallet-status")).to_contain_text("polygon")
    return tab


def test_a_send_card_says_from_and_to_with_the_fee_and_the_latest_block_says_block_and_parent(
    someone, anvil_testnet, screenshot
):
    tab = someone().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "send 1 ETH from alice to bob", network="testnet")
    wait_for_answers(tab, 1)
    sent = tab.locator(".tool-refs").first
    expect(row(sent, "From")).to_have_text(re.compile(ALICE, re.IGNORECASE))
    expect(row(sent, "To")).to_have_text(re.compile(BOB, re.IGNORECASE))
    tx_hash = row(sent, "Transaction").inner_text()
    receipt = anvil_testnet.rpc("eth_getTransactionReceipt", tx_hash)
    paid = Decimal(int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)) / WEI
    expect(row(sent, "Fee")).to_have_text(f"{paid.normalize():f} ETH")
    assert "Address" not in labels(sent)[:3]  # the sender and the recipient are not "Address"
    fits_the_screen(tab)
    screenshot(tab, "send")

    send_message(tab, "latest block", network="testnet")
    wait_for_answers(tab, 2)
    block_refs = tab.locator(".tool-refs").last
    block = anvil_testnet.rpc("eth_getBlockByNumber", receipt["blockNumber"], False)
    expect(row(block_refs, "Block")).to_have_text(block["hash"])
    expect(row(block_refs, "Parent")).to_have_text(block["parentHash"])
    expect(row(block_refs, "Transaction")).to_have_text(tx_hash)  # the one it holds
    expect(block_refs.get_by_role("button", name="Copy block hash")).to_have_count(1)
    fits_the_screen(tab)
    screenshot(tab, "block")


def test_after_approving_the_buttons_are_gone_and_the_hash_shows_once_with_the_fee(
    someone, anvil_polygon, screenshot
):
    tab = with_wallet(someone, anvil_polygon)
    send_message(tab, f"send 0.05 POL to {CAROL}", network="polygon")
    card = tab.get_by_role("region", name="Transaction approval")
    expect(card.locator(".effects-fee")).to_contain_text(re.compile(r"Up to \d[\d.]* POL"))
    answer = wait_for_answers(tab, 1)  # the tool's result streams with the answer
    prepared = tab.locator(".tool-refs").first
    expect(row(prepared, "From")).to_have_text(re.compile(ALICE, re.IGNORECASE))
    expect(row(prepared, "To")).to_have_text(re.compile(CAROL, re.IGNORECASE))
    expect(row(prepared, "Fee")).to_have_text(re.compile(r"^up to \d[\d.]* POL$"))
    expect(answer).to_contain_text("Approve or reject it on the card below")
    card.get_by_role("button", name="Approve").click()
    expect(card.locator(".approval-outcome")).to_have_text("Sent.")
    expect(card.get_by_role("button", name=re.compile("^(Approve|Reject)$"))).to_have_count(0)
    tx_hash = card.locator(".approval-refs .ref-tx .ref-value").inner_text()
    assert re.fullmatch(r"0x[0-9a-f]{64}", tx_hash)
    assert card.inner_text().count(tx_hash) == 1
    wait_for_answers(tab, 2)  # the agent's report does not bring the buttons back
    expect(card.get_by_role("button", name=re.compile("^(Approve|Reject)$"))).to_have_count(0)
    assert card.inner_text().count(tx_hash) == 1
    fits_the_screen(tab)
    screenshot(tab)


def test_a_reject_on_the_card_is_reported_as_you_rejected(someone, screenshot):
    tab = someone().new_tab()  # no wallet: the card can still be rejected
    open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, f"send 0.1 POL from {ALICE} to {CAROL}", network="polygon")
    card = tab.get_by_role("region", name="Transaction approval")
    card.get_by_role("button", name="Reject").click()
    expect(card.locator(".approval-outcome")).to_have_text("You rejected it: nothing was sent.")
    expect(card.get_by_role("button")).to_have_count(0)
    expect(card.locator(".approval-nowallet")).to_have_count(0)
    answer = wait_for_answers(tab, 2)
    expect(answer).to_contain_text("You rejected it on the card. Nothing was sent or signed.")
    expect(answer).not_to_contain_text("in the wallet")
    fits_the_screen(tab)
    screenshot(tab)


def test_a_reject_on_the_confirm_card_is_reported_as_you_rejected(someone, screenshot):
    tab = someone().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    with tab.expect_response(re.compile("/confirm-actions$")):
        tab.get_by_label("Ask before acting").check()
    send_message(tab, "send 1 ETH from alice to bob", network="testnet")
    card = tab.get_by_role("region", name="Confirm the agent's action")
    card.get_by_role("button", name="Reject").click()
    expect(card.locator(".approval-outcome")).to_have_text("You rejected it: nothing was run.")
    expect(card.get_by_role("button")).to_have_count(0)
    answer = wait_for_answers(tab, 2)
    expect(answer).to_contain_text("You rejected it on the card.")
    expect(answer).not_to_contain_text("wallet")
    screenshot(tab)


def instructions(text: str) -> list[str]:
    """The sentences of ``text`` that tell the person to do something with a card or wallet."""
    pattern = r"[^.]*\b(?:on the card below|in your wallet)\b[^.]*\."
    return [found.strip() for found in re.findall(pattern, text, re.IGNORECASE)]


def test_signing_on_a_real_network_says_to_answer_the_card_once(someone, anvil_polygon, screenshot):
    tab = with_wallet(someone, anvil_polygon)
    send_message(tab, 'sign the message "hello bob"', network="polygon")
    card = tab.get_by_role("region", name="Signature request")
    expect(card.get_by_role("button", name="Sign")).to_be_enabled()
    said = wait_for_answers(tab, 1).inner_text()
    assert instructions(said) == [
        "Sign or reject it on the card below: Sign asks your browser wallet for the signature."
    ], said
    assert "confirm" not in said.lower()
    card.get_by_role("button", name="Sign").click()
    expect(card.locator(".approval-outcome")).to_contain_text("Signed: 0x")
    expect(card.get_by_role("button")).to_have_count(0)
    expect(wait_for_answers(tab, 2)).to_contain_text("Your wallet signed the message")
    fits_the_screen(tab)
    screenshot(tab)


def test_signing_on_the_testnet_asking_first_says_to_confirm_on_the_card_once(someone, screenshot):
    tab = someone().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    with tab.expect_response(re.compile("/confirm-actions$")):
        tab.get_by_label("Ask before acting").check()
    send_message(tab, 'sign the message "hello bob" as alice', network="testnet")
    card = tab.get_by_role("region", name="Confirm the agent's action")
    expect(card.get_by_role("heading")).to_have_text("Confirm this signature?")
    said = wait_for_answers(tab, 1).inner_text()
    assert len(instructions(said)) == 1 and "Confirm on the card below" in said, said
    assert "wallet" not in said.lower()
    card.get_by_role("button", name="Confirm").click()
    expect(card.get_by_role("button")).to_have_count(0)
    expect(wait_for_answers(tab, 2)).to_contain_text("signed the message")
    screenshot(tab)
