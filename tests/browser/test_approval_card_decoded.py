"""The approval card decodes what it asks to sign: token, amount in units, spender,
"Unlimited" flagged, the spend policy's verdict; the raw calldata only behind "Details".
The request is the shape prepare_token_approval returns (mcp_servers/tools/decoded.py), stored
as the session's pending wallet request, which the page draws on load."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import open_chat, pending_wallet_request, wait_until_ready

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
SPENDER = "0x000000000000000000000000000000000000bEEF"
CALLDATA = "0x095ea7b3" + "0" * 24 + SPENDER[2:].lower() + "f" * 64
WARNING = (
    "Unlimited approval: 0x0000…bEEF could move every TUSD this account holds, now and later, "
    "until the approval is revoked."
)
REQUEST = {
    "request_id": "wr_card0001",
    "network": "polygon",
    "description": "Prepared an unsigned transaction on polygon for 0xf39F…2266's wallet.",
    "tx": {
        "from": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "to": TOKEN,
        "value": "0x0",
        "data": CALLDATA,
        "gas": "0xb5a0",
        "nonce": "0x3",
        "chainId": "0x89",
    },
    "summary": {
        "kind": "token_approval",
        "action": "Allow 0x0000…bEEF to spend every TUSD of this account (unlimited)",
        "token": TOKEN,
        "name": "Test Dollar",
        "symbol": "TUSD",
        "decimals": 6,
        "amount": "unlimited",
        "spender": SPENDER,
        "unlimited": True,
        "policy": {"verdict": "warning", "warnings": [WARNING], "notes": []},
    },
}


def test_the_card_shows_the_decoded_approval_and_hides_the_calldata(person, screenshot):
    tab = person().new_tab()
    session_id = open_chat(tab)
    wait_until_ready(tab)
    pending_wallet_request(
        session_id,
        public_id=REQUEST["request_id"],
        network=REQUEST["network"],
        description=REQUEST["description"],
        transaction=REQUEST["tx"],
        summary=REQUEST["summary"],
    )
    tab.reload()
    wait_until_ready(tab)
    card = tab.locator(".approval-card")
    expect(card.locator(".approval-action")).to_contain_text(
        "Allow 0x0000…bEEF to spend every TUSD"
    )
    expect(card.locator(".approval-unlimited")).to_have_text("Unlimited")
    expect(card.locator(".field-token")).to_have_text(f"Test Dollar (TUSD) {TOKEN}")
    expect(card.locator(".field-amount")).to_have_text("Unlimited")
    expect(card.locator(".field-spender")).to_have_text(SPENDER)
    expect(card.locator(".approval-warning")).to_have_text(WARNING)
    expect(card.locator(".field-data")).to_be_hidden()
    screenshot(tab, "card")
    card.get_by_text("Details").click()
    expect(card.locator(".field-data")).to_have_text(CALLDATA)
    expect(card.locator(".field-nonce")).to_have_text("3")
    screenshot(tab)
