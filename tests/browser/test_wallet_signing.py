"""Wallet signing in the page: an EIP-1193 provider approves a real transaction, or the user
rejects one (also without any wallet)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import open_chat, send_message, wait_for_answers, wait_until_ready

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # Anvil account 0: the wallet's account
RECIPIENT = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"  # Anvil account 2
PROVIDER_JS = (Path(__file__).parent / "wallet_provider.js").read_text()


def test_approving_a_wallet_request_sends_a_real_transaction_that_the_agent_reports(
    person, anvil_polygon, screenshot
):
    # The provider's fetch to Anvil is the wallet's own traffic, not the page's: a real
    # extension is not bound by the page's Content-Security-Policy either.
    alice = person(bypass_csp=True)
    alice.context.add_init_script(PROVIDER_JS.replace("__RPC_URL__", anvil_polygon.url))
    tab = alice.new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    tab.get_by_role("button", name="Connect wallet").click()
    wallet_status = re.compile(r"0xf39f…2266 on polygon \(chain 137\)", re.IGNORECASE)
    expect(tab.locator("#wallet-status")).to_have_text(wallet_status)
    balance_before = int(anvil_polygon.rpc("eth_getBalance", RECIPIENT, "latest"), 16)
    send_message(tab, f"send 0.25 POL to {RECIPIENT}", network="polygon")
    card = tab.locator(".approval-card")
    expect(card.locator(".field-to")).to_have_text(RECIPIENT)
    expect(card.locator(".field-value")).to_have_text("0.25 POL")
    expect(card.locator(".field-chain")).to_have_text("polygon (chain 137)")
    expect(card.locator(".field-description")).to_contain_text("Prepared an unsigned transaction")
    screenshot(tab, "card")
    card.get_by_role("button", name="Approve").click()
    expect(card.locator(".approval-outcome")).to_have_text("Sent.")
    tx_hash = card.locator(".approval-refs .ref-tx .ref-value").inner_text()
    report = wait_for_answers(tab, 2)
    expect(report).to_contain_text("succeeded")
    expect(report).to_contain_text(tx_hash[:10])
    receipt = anvil_polygon.rpc("eth_getTransactionReceipt", tx_hash)
    assert receipt["status"] == "0x1"
    balance_after = int(anvil_polygon.rpc("eth_getBalance", RECIPIENT, "latest"), 16)
    assert balance_after - balance_before == 25 * 10**16
    methods = [call["method"] for call in tab.evaluate("window.__walletCalls")]
    assert methods.index("wallet_switchEthereumChain") < methods.index("eth_sendTransaction")
    screenshot(tab)


def test_without_a_wallet_the_card_survives_a_reload_says_so_and_rejecting_tells_the_agent(
    person, screenshot
):
    tab = person().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, f"send 0.1 POL from {ALICE} to {RECIPIENT}", network="polygon")
    card = tab.locator(".approval-card")
    expect(card).to_have_count(1)
    tab.reload()  # the pending request comes back with session.state
    wait_until_ready(tab)
    expect(card).to_have_count(1)
    expect(card.locator(".approval-nowallet")).to_contain_text("No browser wallet")
    expect(card.get_by_role("button", name="Approve")).to_be_disabled()
    card.get_by_role("button", name="Reject").click()
    expect(card.locator(".approval-outcome")).to_have_text("You rejected it: nothing was sent.")
    expect(wait_for_answers(tab, 2)).to_contain_text("You rejected it on the card.")
    expect(card.get_by_role("button")).to_have_count(0)  # answered: no buttons left
    screenshot(tab)


REFUSE_TO_SIGN = """
const forward = window.ethereum.request;
window.ethereum.request = async (args) => {
  if (args.method === "eth_sendTransaction") {
    const error = new Error("User rejected the request.");
    error.code = 4001;
    throw error;
  }
  return forward(args);
};
"""


def test_a_wallet_that_refuses_to_sign_is_reported_as_rejected_with_its_reason(
    person, anvil_polygon, screenshot
):
    alice = person(bypass_csp=True)
    alice.context.add_init_script(PROVIDER_JS.replace("__RPC_URL__", anvil_polygon.url))
    alice.context.add_init_script(REFUSE_TO_SIGN)
    tab = alice.new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    tab.get_by_role("button", name="Connect wallet").click()
    send_message(tab, f"send 0.01 POL to {RECIPIENT}", network="polygon")
    card = tab.locator(".approval-card")
    card.get_by_role("button", name="Approve").click()
    expect(card.locator(".approval-outcome")).to_contain_text("User rejected the request")
    # The wallet's own words stay on the page; the agent hears a fixed sentence (issue 27).
    answer = wait_for_answers(tab, 2)
    expect(answer).to_contain_text("You rejected it in your wallet.")
    expect(answer).not_to_contain_text("User rejected the request.")
    screenshot(tab)
