"""Issue 26 point 2: the approval card says what a transaction or signature does.

Warnings first, then a verdict that never reads "Allowed" for what could not be checked, then
"You send", "You receive", "You allow", the network fee and other addresses' changes; the raw
calldata only behind "Details"; unknown typed data field by field. On a desktop and a phone.

Each request is stored as the session's pending wallet request, which the page draws on load
(as after a reload); its summary is what a prepare_*/sign_* tool returns
(mcp_servers/effects.py ``Effect.as_dict()``, notes/summary_format.md).

Drawing a card needs no chain and no MCP server, so this module runs its own backend without
them: its networks' RPC and MCP addresses are closed ports.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.helpers import (
    ARTIFACTS,
    MAX_SESSIONS,
    backend_database_url,
    open_chat,
    pending_wallet_request,
    start_backend,
    wait_until_ready,
)
from tests.browser.screens import desktop_only, screen, someone
from testsupport.processes import Daphne, free_port

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
__all__ = ["screen", "someone"]

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # the signer
BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
CAROL = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
MALLORY = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"  # a router that asks for everything
TUSD = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
CAT = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
MAX_UINT = str(2**256 - 1)
CALLDATA = "0x5f575529" + "00" * 400  # a router call: long, and not for people's eyes
UNLIMITED_WARNING = (
    "Unlimited approval: mallory (0x90F7…b906) could move every TUSD this account holds, "
    "now and later, until the approval is revoked."
)


def effect(kind: str, standard: str, address: str, **fields: Any) -> dict[str, Any]:
    """One entry of ``summary.effects``, with every key Effect.as_dict() gives."""
    entry: dict[str, Any] = {
        "kind": kind,
        "standard": standard,
        "address": address,
        "you": address == ALICE,
        "asset": "native",
        "symbol": "POL",
        "decimals": 18,
        "token_id": None,
        "amount": "0",
        "raw": "0",
        "counterparty": None,
        "counterparty_label": "",
        "unlimited": False,
        "text": "",
    }
    return entry | fields


SWAP_EFFECTS = [
    effect(
        "transfer",
        "erc20",
        ALICE,
        asset=TUSD,
        symbol="TUSD",
        decimals=6,
        amount="-1.5",
        raw="-1500000",
        counterparty=BOB,
        counterparty_label="bob (0x7099…79C8)",
        text="You send 1.5 TUSD to bob (0x7099…79C8)",
    ),
    effect(
        "transfer",
        "erc721",
        ALICE,
        asset=CAT,
        symbol="CAT",
        decimals=0,
        token_id="3",
        amount="1",
        raw="1",
        counterparty=CAROL,
        counterparty_label="carol (0x3C44…93BC)",
        text="You receive CAT #3 from carol (0x3C44…93BC)",
    ),
    effect(
        "approval",
        "erc20",
        ALICE,
        asset=TUSD,
        symbol="TUSD",
        decimals=6,
        amount="unlimited",
        raw=MAX_UINT,
        counterparty=MALLORY,
        counterparty_label="mallory (0x90F7…b906)",
        unlimited=True,
        text="You allow mallory (0x90F7…b906) to spend unlimited TUSD",
    ),
    effect(
        "transfer",
        "erc20",
        BOB,
        asset=TUSD,
        symbol="TUSD",
        decimals=6,
        amount="1.5",
        raw="1500000",
        counterparty=ALICE,
        counterparty_label="alice (0xf39F…2266)",
        text=f"{BOB} receive 1.5 TUSD from alice (0xf39F…2266)",
    ),
    effect(
        "fee",
        "native",
        ALICE,
        amount="-0.000042",
        raw="-42000000000000",
        text="You pay a network fee of up to 0.000042 POL",
    ),
]

SWAP: dict[str, Any] = {
    "kind": "contract_call",
    "action": "Call mallory (0x90F7…b906) with 0 POL",
    "checked": "simulated",
    "checked_text": "Simulated on the network: these are the changes it would make.",
    "effects": SWAP_EFFECTS,
    "fee": {"amount": "0.000042", "symbol": "POL", "raw": "42000000000000"},
    "reverted": False,
    "revert_reason": None,
    "policy": {"verdict": "warning", "warnings": [UNLIMITED_WARNING], "notes": []},
}

NOT_CHECKED: dict[str, Any] = {
    "kind": "contract_call",
    "action": "Call mallory (0x90F7…b906) with 0 POL",
    "checked": "unchecked",
    "checked_text": "Could not be checked: the network did not answer the simulation.",
    "effects": [],
    "fee": None,
    "reverted": False,
    "revert_reason": None,
    "policy": {
        "verdict": "cannot_verify",
        "warnings": ["What this transaction does could not be seen: the simulation failed."],
        "notes": [],
    },
}

ORDER_TYPED_DATA: dict[str, Any] = {
    "types": {
        "EIP712Domain": [
            {"name": "name", "type": "string"},
            {"name": "chainId", "type": "uint256"},
            {"name": "verifyingContract", "type": "address"},
        ],
        "Order": [
            {"name": "maker", "type": "address"},
            {"name": "taker", "type": "address"},
            {"name": "orderHash", "type": "bytes32"},
        ],
    },
    "primaryType": "Order",
    "domain": {"name": "Mystery Market", "chainId": 137, "verifyingContract": MALLORY},
    "message": {"maker": ALICE, "taker": MALLORY, "orderHash": "0x" + "ab" * 32},
}

UNKNOWN_SIGNATURE: dict[str, Any] = {
    "kind": "typed_data",
    "action": "Sign Order for Mystery Market",
    "primary_type": "Order",
    "signer": ALICE,
    "domain": ORDER_TYPED_DATA["domain"],
    "checked": "unknown",
    "checked_text": "Not understood: what this signature allows is unknown.",
    "effects": [],
    "fields": [
        {"name": "domain.name", "value": "Mystery Market"},
        {"name": "message.maker", "value": ALICE},
        {"name": "message.taker", "value": MALLORY},
        {"name": "message.orderHash", "value": "0x" + "ab" * 32},
    ],
    "fee": None,
    "policy": {
        "verdict": "warning",
        "warnings": [
            "The effect of this signature is unknown: sign it only if you trust the site."
        ],
        "notes": [],
    },
}


@pytest.fixture(scope="module")
def page_only_backend(django_db_setup: None) -> Iterator[Daphne]:
    closed = {name: f"http://127.0.0.1:{free_port()}" for name in ("testnet", "polygon")}
    env = {
        "DATABASE_URL": backend_database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "AGENT_PROVIDER": "builtin",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "false",
        "MAX_SESSIONS": str(MAX_SESSIONS),
        "TESTNET_RPC_URL": closed["testnet"],
        "POLYGON_RPC_URL": closed["polygon"],
        "MCP_TESTNET_URL": f"http://127.0.0.1:{free_port()}/mcp",
        "MCP_POLYGON_URL": f"http://127.0.0.1:{free_port()}/mcp",
    }
    daphne = start_backend(env, log_name="daphne-approval-effects")
    yield daphne
    daphne.stop()


@pytest.fixture
def app_url(page_only_backend: Daphne) -> str:
    return page_only_backend.base_url


def card_for(page: Page, summary: dict[str, Any], **request: Any) -> Locator:
    """Opens a chat whose pending wallet request carries ``summary``; returns its card."""
    session_id = open_chat(page)
    wait_until_ready(page)
    pending_wallet_request(
        session_id,
        network="polygon",
        description="Prepared an unsigned transaction on polygon for 0xf39F…2266's wallet.",
        summary=summary,
        **request,
    )
    page.reload()
    wait_until_ready(page)
    card = page.locator(".approval-card")
    expect(card).to_have_count(1)
    return card


def transaction(data: str = CALLDATA) -> dict[str, Any]:
    return {
        "from": ALICE,
        "to": MALLORY,
        "value": "0x0",
        "data": data,
        "gas": "0x2dc6c",
        "nonce": "0x7",
        "chainId": "0x89",
    }


def top(locator: Locator) -> float:
    box = locator.bounding_box()
    assert box is not None, "not drawn"
    return float(box["y"])


def comes_before(first: Locator, second: Locator) -> bool:
    return bool(
        first.evaluate(
            "(a, b) => Boolean(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING)",
            second.element_handle(),
        )
    )


def overflowing(card: Locator) -> list[str]:
    """Elements of the card that reach past the viewport's sides (empty when it fits)."""
    return list(
        card.evaluate(
            """(card) => [card, ...card.querySelectorAll("*")].filter((node) => {
                 const box = node.getBoundingClientRect();
                 return box.width > 0 && (box.left < 0 || box.right > window.innerWidth + 0.5);
               }).map((node) => `${node.className}: ${node.textContent.slice(0, 40)}`)"""
        )
    )


def card_picture(card: Locator, name: str, config: pytest.Config) -> None:
    """The whole page (for docs/screenshots, with --screenshots) without this backend's
    "network down" banner: its MCP servers are left out on purpose, and the banner would cover
    the card."""
    if not config.getoption("screenshots"):
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    banners = card.page.locator(".banners")
    banners.evaluate("(node) => { node.hidden = true; }")  # the page's CSP forbids inline styles
    card.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    banners.evaluate("(node) => { node.hidden = false; }")


def fits(page: Page, card: Locator) -> None:
    assert overflowing(card) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_send_receive_and_allow_are_shown_with_warnings_first_and_calldata_behind_details(
    someone, screen, pytestconfig
):
    tab = someone().new_tab()
    card = card_for(tab, SWAP, transaction=transaction())
    effects = card.locator(".approval-effects")
    warning = effects.get_by_role("alert")
    expect(warning).to_have_text(UNLIMITED_WARNING)
    expect(effects.locator(".approval-verdict")).to_have_text("Allowed, with a warning")
    expect(effects.locator(".effects-send h4")).to_have_text("You send")
    expect(effects.locator(".effects-send li")).to_have_text("1.5 TUSD to bob (0x7099…79C8)")
    expect(effects.locator(".effects-receive h4")).to_have_text("You receive")
    expect(effects.locator(".effects-receive li")).to_have_text("CAT #3 from carol (0x3C44…93BC)")
    expect(effects.locator(".effects-allow h4")).to_have_text("You allow")
    allowance = effects.locator(".effects-allow li")
    expect(allowance).to_have_text("mallory (0x90F7…b906) may spend unlimited TUSDUnlimited")
    expect(allowance.locator(".approval-unlimited")).to_be_visible()
    expect(effects.locator(".effects-fee")).to_have_text("Network feeUp to 0.000042 POL")
    expect(effects.locator(".approval-checked")).to_have_text(SWAP["checked_text"])
    other = effects.locator(".effects-other")
    expect(other.locator("summary")).to_have_text("Other changes (1)")
    expect(other.locator("li")).to_be_hidden()  # collapsed: not the user's own

    for group in ("send", "receive", "allow"):
        assert comes_before(warning, effects.locator(f".effects-{group}"))
        assert top(warning) < top(effects.locator(f".effects-{group}"))
    assert top(effects.locator(".approval-verdict")) < top(effects.locator(".effects-send"))

    expect(card.locator(".field-data")).to_be_hidden()
    assert CALLDATA[:10] not in card.inner_text()  # what is rendered, not what is in the DOM
    fits(tab, card)
    card_picture(card, f"approval-effects-{screen}", pytestconfig)

    card.locator(".approval-details > summary").click()
    other.locator("summary").click()
    expect(card.locator(".field-data")).to_have_text(CALLDATA)
    assert CALLDATA[:10] in card.inner_text()
    expect(card.locator(".field-gas")).to_have_text("187500")
    expect(card.locator(".field-nonce")).to_have_text("7")
    expect(other.locator("li")).to_have_text(f"{BOB[:6]}…{BOB[-4:]}: +1.5 TUSD")
    fits(tab, card)  # the long calldata wraps inside the card too


@desktop_only
@pytest.mark.parametrize("server_verdict", ["cannot_verify", "allowed"])
def test_what_could_not_be_checked_never_reads_allowed(someone, server_verdict):
    """Even if a verdict said "allowed" for an unchecked write, the card does not repeat it."""
    summary = NOT_CHECKED | {"policy": NOT_CHECKED["policy"] | {"verdict": server_verdict}}
    tab = someone().new_tab()
    card = card_for(tab, summary, transaction=transaction())
    verdict = card.locator(".approval-verdict")
    expect(verdict).to_have_text("Could not verify what this does")
    expect(card.locator(".policy-cannot_verify")).to_be_visible()
    expect(card.get_by_role("alert")).to_have_text(summary["policy"]["warnings"][0])
    assert top(card.get_by_role("alert")) < top(verdict)
    expect(card.locator(".approval-checked")).to_have_text(summary["checked_text"])
    card.locator(".approval-details > summary").click()
    assert not re.search(r"allowed", card.inner_text(), re.IGNORECASE)
    fits(tab, card)


def test_an_unknown_typed_data_signature_shows_its_fields(someone, screen, pytestconfig):
    tab = someone().new_tab()
    payload = json.dumps(ORDER_TYPED_DATA, separators=(",", ":"))
    sign = {"method": "eth_signTypedData_v4", "params": [ALICE, payload]}
    card = card_for(tab, UNKNOWN_SIGNATURE, signature_request=sign)
    expect(card.locator("h3")).to_have_text("Sign message?")
    expect(card.get_by_role("alert")).to_have_text(UNKNOWN_SIGNATURE["policy"]["warnings"][0])
    expect(card.locator(".approval-verdict")).to_have_text("Could not verify what this does")
    fields = card.locator(".approval-typed-fields")
    expect(fields.locator("dt")).to_have_text([f["name"] for f in UNKNOWN_SIGNATURE["fields"]])
    expect(fields.locator("dd")).to_have_text([f["value"] for f in UNKNOWN_SIGNATURE["fields"]])
    expect(card.locator(".effects-send, .effects-receive, .effects-allow")).to_have_count(0)
    expect(card.locator(".field-request")).to_be_hidden()
    assert comes_before(card.get_by_role("alert"), fields)
    fits(tab, card)
    card_picture(card, f"approval-unknown-signature-{screen}", pytestconfig)
    card.locator(".approval-details > summary").click()
    expect(card.locator(".field-request")).to_contain_text("eth_signTypedData_v4")
    expect(card.locator(".field-request")).to_contain_text("Mystery Market")
    fits(tab, card)
