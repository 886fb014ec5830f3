"""Issue 30: a swap's two transactions (the exact approval, then the swap) are approved from
one card. A wallet that batches atomically (EIP-5792 `atomic` "supported") gets one
wallet_sendCalls, version 2.0.0, atomicRequired, the calls in order, the chain id in hex; a
wallet without EIP-5792 (4200) gets each call in order through eth_sendTransaction while the
card says which step it is at. Either way the server gets every hash and checks them.

The wallet is the test EIP-1193 provider over the polygon Anvil (wallet_provider.js) with an
EIP-5792 layer on top: its atomic batch is one real transaction from alice to her own account
(EIP-7702 style) carrying the calls packed as Safe's MultiSend packs them, so the hashes the
server checks are mined ones. The pending request is stored as the session's, as
prepare_swap's result becomes one, and the page draws it on load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode
from playwright.sync_api import Locator, Page, expect

from sessions_app.models import Message, WalletRequest
from tests.browser.helpers import open_chat, pending_wallet_request, wait_until_ready
from testsupport.processes import Anvil, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # Anvil account 0: the wallet's account
USDC = "0x000000000000000000000000000000000000A0B1"
ROUTER = "0x000000000000000000000000000000000000E592"
APPROVE = "0x095ea7b3" + encode(["address", "uint256"], [ROUTER, 1_000 * 10**6]).hex()
SWAP = "0x04e45aaf" + encode(["address", "address", "uint256"], [USDC, ROUTER, 7]).hex()
PROVIDER_JS = (Path(__file__).parent / "wallet_provider.js").read_text()
SERVER_DECIDES_WITHIN = 30.0  # seconds

# A wallet that runs batches atomically on polygon: it records what the page asks, sends the
# batch as one transaction (alice to alice, the calls packed as in Safe's MultiSend), and
# answers the first status poll "pending" (100), the next "confirmed" (200) with the receipt.
ATOMIC_WALLET = """
(() => {
  const forward = window.ethereum.request.bind(window.ethereum);
  const batches = new Map();
  let polls = 0;
  window.__pageCalls = [];
  const word = (value) => BigInt(value ?? "0x0").toString(16).padStart(64, "0");
  const packed = (call) =>
    "00" + call.to.slice(2).toLowerCase() + word(call.value) +
    word((call.data.length - 2) / 2) + call.data.slice(2);
  window.ethereum.request = async (args) => {
    window.__pageCalls.push(args);
    const { method, params } = args;
    if (method === "wallet_getCapabilities") return { "0x89": { atomic: { status: "supported" } } };
    if (method === "wallet_sendCalls") {
      const [batch] = params;
      const data = "0x8d80ff0a" + batch.calls.map(packed).join("");
      const tx = { from: batch.from, to: batch.from, data };
      const hash = await forward({ method: "eth_sendTransaction", params: [tx] });
      const id = "0x" + hash.slice(2) + "00".repeat(32);
      batches.set(id, hash);
      return { id };
    }
    if (method === "wallet_getCallsStatus") {
      const status = { version: "2.0.0", id: params[0], chainId: "0x89", atomic: true };
      polls += 1;
      if (polls === 1) return { ...status, status: 100 };
      const hash = batches.get(params[0]);
      const receipt = await forward({ method: "eth_getTransactionReceipt", params: [hash] });
      return { ...status, status: 200, receipts: [receipt] };
    }
    return forward(args);
  };
})();
"""

# A wallet without EIP-5792: wallet_getCapabilities is an unsupported method (4200). Its
# second eth_sendTransaction waits until the test lets it go, so the card's progress shows.
ONE_BY_ONE_WALLET = """
(() => {
  const forward = window.ethereum.request.bind(window.ethereum);
  let release;
  const secondStep = new Promise((resolve) => { release = resolve; });
  window.__releaseSecondStep = () => release();
  window.__pageCalls = [];
  let sends = 0;
  window.ethereum.request = async (args) => {
    window.__pageCalls.push(args);
    if (args.method === "wallet_getCapabilities") {
      const error = new Error("The method wallet_getCapabilities is not supported.");
      error.code = 4200;
      throw error;
    }
    if (args.method === "eth_sendTransaction" && ++sends === 2) await secondStep;
    return forward(args);
  };
})();
"""


def swap_calls(anvil: Anvil) -> list[dict[str, str]]:
    """The exact approval, then the swap, as prepare_swap hands them to the wallet."""
    nonce = int(anvil.rpc("eth_getTransactionCount", ALICE, "pending"), 16)
    steps = [(USDC, APPROVE), (ROUTER, SWAP)]
    return [
        {
            "from": ALICE,
            "to": to,
            "value": "0x0",
            "data": data,
            "gas": hex(120_000),
            "maxFeePerGas": hex(100 * 10**9),
            "maxPriorityFeePerGas": hex(10**9),
            "nonce": hex(nonce + offset),
            "chainId": "0x89",
            "type": "0x2",
        }
        for offset, (to, data) in enumerate(steps)
    ]


SUMMARY = {
    "kind": "swap",
    "action": "Swap 1,000 USDC for at least 0.31 WETH on Uniswap V3 (0.05% pool)",
    "quote": {"token_in": "USDC", "amount_in": "1,000", "token_out": "WETH"},
    "router": ROUTER,
    "checked": "simulated",
    "effects": [
        {
            "kind": "transfer",
            "standard": "erc20",
            "you": True,
            "asset": USDC,
            "symbol": "USDC",
            "decimals": 6,
            "amount": "-1,000",
            "raw": str(-1_000 * 10**6),
            "counterparty": ROUTER,
            "counterparty_label": "Uniswap V3 router",
            "unlimited": False,
        },
    ],
    "fee": {"amount": "0.01", "symbol": "POL", "raw": str(10**16)},
    "policy": {"verdict": "allowed", "warnings": [], "notes": []},
}


def swap_card(page: Page, calls: list[dict[str, str]]) -> tuple[Locator, WalletRequest]:
    """Opens a chat whose pending wallet request is the swap; its card and its row."""
    session_id = open_chat(page)
    wait_until_ready(page)
    request = pending_wallet_request(
        session_id,
        network="polygon",
        description="Prepared a swap on polygon for 0xf39F…2266's wallet.",
        transaction=calls[-1],
        calls=calls,
        summary=SUMMARY,
    )
    page.reload()
    wait_until_ready(page)
    card = page.locator(".approval-card")
    expect(card).to_have_count(1)
    return card, request


def expect_the_two_steps(card: Locator) -> None:
    expect(card.locator("h3")).to_have_text("Approve 2 transactions?")
    expect(card.locator(".approval-step")).to_have_text(
        [
            "Allow the router to take exactly 1,000 USDC",
            "Swap 1,000 USDC for at least 0.31 WETH on Uniswap V3 (0.05% pool)",
        ]
    )
    expect(card.locator(".effect-amount").first).to_have_text("1,000 USDC")  # effects as before
    expect(card.locator(".field-to")).to_have_count(0)  # one "To" would name the last step's only
    card.get_by_text("Details").click()
    expect(card.locator(".field-step-1-to")).to_have_text(USDC)
    expect(card.locator(".field-step-2-to")).to_have_text(ROUTER)
    expect(card.locator(".field-step-2-data")).to_have_text(SWAP)


def answered(request: WalletRequest) -> WalletRequest:
    """The request once the server has judged the page's answer."""

    def judged() -> bool:
        request.refresh_from_db()
        return request.status != WalletRequest.Status.PENDING

    wait_until(judged, SERVER_DECIDES_WITHIN, "the server's verdict on the answer")
    return request


def outcome_metadata(request: WalletRequest) -> dict[str, Any]:
    """The verdict's message, which the server writes after the request's new status."""
    results = Message.objects.filter(
        chat_session=request.chat_session, metadata__kind="wallet_result"
    )
    wait_until(results.exists, SERVER_DECIDES_WITHIN, "the verdict's message")
    return dict(results.get().metadata)


def page_calls(page: Page, method: str) -> list[dict[str, Any]]:
    return [call for call in page.evaluate("window.__pageCalls") if call["method"] == method]


def test_a_wallet_that_batches_gets_one_atomic_call_and_the_server_its_hash(
    person, anvil_polygon, screenshot
):
    alice = person(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    alice.context.add_init_script(PROVIDER_JS.replace("__RPC_URL__", anvil_polygon.url))
    alice.context.add_init_script(ATOMIC_WALLET)
    tab = alice.new_tab()
    calls = swap_calls(anvil_polygon)
    card, request = swap_card(tab, calls)
    expect_the_two_steps(card)
    screenshot(tab, "card")
    card.get_by_role("button", name="Approve").click()
    expect(card.locator(".approval-outcome")).to_have_text("Sent: both steps as one batch.")
    [capabilities] = page_calls(tab, "wallet_getCapabilities")
    assert capabilities["params"] == [ALICE, ["0x89"]]
    [sent] = page_calls(tab, "wallet_sendCalls")
    batch = sent["params"][0]
    assert batch["version"] == "2.0.0" and batch["atomicRequired"] is True
    assert batch["chainId"] == "0x89" and batch["from"] == ALICE
    assert batch["calls"] == [{k: call[k] for k in ("to", "data", "value")} for call in calls]
    assert len(page_calls(tab, "wallet_getCallsStatus")) == 2  # pending, then confirmed
    assert not page_calls(tab, "eth_sendTransaction")
    stored = answered(request)
    [batch_hash] = stored.tx_hashes
    assert (stored.status, stored.tx_hash) == ("sent", batch_hash)
    assert anvil_polygon.rpc("eth_getTransactionReceipt", batch_hash)["status"] == "0x1"
    metadata = outcome_metadata(stored)
    assert metadata["wallet_status"] == "sent" and metadata["tx_hashes"] == [batch_hash]
    assert metadata["batch_id"].startswith(batch_hash)
    expect(card.locator(".approval-refs .ref-tx")).to_have_count(1)
    screenshot(tab)


def test_a_wallet_without_batches_signs_each_step_in_order_and_the_card_follows(
    person, anvil_polygon, screenshot
):
    alice = person(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    alice.context.add_init_script(PROVIDER_JS.replace("__RPC_URL__", anvil_polygon.url))
    alice.context.add_init_script(ONE_BY_ONE_WALLET)
    tab = alice.new_tab()
    calls = swap_calls(anvil_polygon)
    card, request = swap_card(tab, calls)
    expect_the_two_steps(card)
    card.get_by_role("button", name="Approve").click()
    outcome = card.locator(".approval-outcome")
    expect(outcome).to_have_text("Step 1 of 2 sent. Step 2 of 2: waiting for the wallet…")
    screenshot(tab, "step-1-sent")
    tab.evaluate("window.__releaseSecondStep()")
    expect(outcome).to_have_text("Sent: both steps.")
    sends = page_calls(tab, "eth_sendTransaction")
    assert [send["params"][0]["nonce"] for send in sends] == [call["nonce"] for call in calls]
    assert [send["params"][0]["data"] for send in sends] == [APPROVE, SWAP]
    assert not page_calls(tab, "wallet_sendCalls")
    stored = answered(request)
    assert stored.status == "sent" and len(stored.tx_hashes) == 2
    assert stored.tx_hash == stored.tx_hashes[-1]
    for call, tx_hash in zip(calls, stored.tx_hashes, strict=True):
        mined = anvil_polygon.rpc("eth_getTransactionByHash", tx_hash)
        assert (mined["to"].lower(), mined["nonce"]) == (call["to"].lower(), call["nonce"])
    metadata = outcome_metadata(stored)
    assert metadata["wallet_status"] == "sent" and metadata["tx_hashes"] == stored.tx_hashes
    assert "batch_id" not in metadata
    expect(card.locator(".approval-refs .ref-tx")).to_have_count(2)
    screenshot(tab)
