"""Chatting in the page with the builtin agent: isolation, streaming, tool cards, resume."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.abuse.helpers import install_string_contract
from tests.browser.helpers import (
    open_chat,
    send_message,
    wait_for_answers,
    wait_until_ready,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

# Records, per assistant message, the text seen while it was still streaming (before
# turn.complete replaced it with the server's rendering).
RECORD_STREAMING = """
window.__streamed = [];
new MutationObserver(() => {
  for (const node of document.querySelectorAll('.msg-assistant.msg-streaming .msg-body')) {
    if (node.textContent) window.__streamed.push(node.textContent);
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def test_two_people_chat_at_once_on_different_networks_and_see_only_their_own(person, screenshot):
    alice_tab, bob_tab = person().new_tab(), person().new_tab()
    open_chat(alice_tab)
    open_chat(bob_tab)
    wait_until_ready(alice_tab)
    wait_until_ready(bob_tab)
    send_message(alice_tab, "balance of alice", network="testnet")
    send_message(bob_tab, "what is the chain id", network="polygon")
    alice_answer = wait_for_answers(alice_tab, 1)
    bob_answer = wait_for_answers(bob_tab, 1)
    expect(alice_answer).to_contain_text("ETH")
    expect(bob_answer).to_contain_text("137")
    expect(alice_tab.locator(".tool-card .badge-network")).to_have_text(["testnet"])
    expect(bob_tab.locator(".tool-card .badge-network")).to_have_text(["polygon"])
    expect(alice_tab.locator("#transcript")).not_to_contain_text("chain id")
    expect(bob_tab.locator("#transcript")).not_to_contain_text("balance of alice")
    expect(alice_tab.locator(".msg-user")).to_have_count(1)
    expect(bob_tab.locator(".msg-user")).to_have_count(1)
    screenshot(alice_tab, "alice")
    screenshot(bob_tab, "bob")


def test_streamed_text_shows_before_the_turn_completes_and_a_tool_card_expands(person, screenshot):
    alice = person()
    alice.context.add_init_script(RECORD_STREAMING)
    tab = alice.new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "block number", network="testnet")
    answer = wait_for_answers(tab, 1)
    streamed = tab.evaluate("window.__streamed")
    assert streamed, "no text was shown while the answer was streaming"
    assert streamed[-1].strip() in answer.inner_text()
    card = tab.locator(".tool-card").first
    expect(card.locator(".tool-name")).to_have_text("get_block_number")
    expect(card.locator(".tool-args")).not_to_be_visible()
    card.locator("summary").click()
    expect(card.locator(".tool-args")).to_be_visible()
    expect(card.locator(".tool-result")).to_be_visible()
    expect(card.locator(".tool-state")).to_contain_text("ok")
    expect(card.locator(".tool-duration")).to_contain_text("ms")
    screenshot(tab)


def test_reload_resumes_the_chat_with_its_history_without_duplicates(person, screenshot):
    tab = person().new_tab()
    session_id = open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "gas price", network="testnet")
    wait_for_answers(tab, 1)
    send_message(tab, "latest block", network="testnet")
    wait_for_answers(tab, 2)
    tab.reload()
    wait_until_ready(tab)
    assert tab.evaluate("document.body.dataset.sessionId") == session_id
    expect(tab.locator(".msg-user .msg-body")).to_have_text(["gas price", "latest block"])
    expect(tab.locator(".msg-assistant.msg-rendered")).to_have_count(2)
    expect(tab.locator(".tool-card")).to_have_count(2)
    screenshot(tab)


def test_stop_interrupts_a_running_turn_and_a_queued_message_runs_after(person, screenshot):
    tab = person().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    # arbitrum's server never answers: this turn runs until it is stopped.
    send_message(tab, "block number", network="arbitrum")
    expect(tab.locator(".tool-card.tool-running")).to_have_count(1)
    expect(tab.locator("#processing")).to_be_visible()
    send_message(tab, "gas price", network="testnet")
    queued = tab.locator(".msg-user").nth(1)
    expect(queued.locator(".badge-status")).to_have_text("queued")
    screenshot(tab, "running")
    tab.get_by_role("button", name="Stop").click()
    stopped = wait_for_answers(tab, 1)
    expect(stopped).to_contain_text("Interrupted")
    expect(tab.locator(".tool-card").first.locator(".tool-state")).to_contain_text("stopped")
    expect(wait_for_answers(tab, 2)).to_contain_text("Gas on testnet")
    expect(queued.locator(".badge-status")).to_be_hidden()
    expect(tab.locator("#processing")).to_be_hidden()
    expect(tab.get_by_role("button", name="Stop")).to_be_hidden()
    screenshot(tab)


def test_markup_in_a_message_and_in_a_tool_result_shows_as_text(person, screenshot, anvil_testnet):
    payload = "<svg/onload=alert`1`>"
    # A contract whose every answer is the payload: tool errors never quote their input, so
    # the markup reaches the tool result from the chain.
    contract = install_string_contract(anvil_testnet, "0x" + "5c" * 20, payload)
    alice = person()
    tab = alice.new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    text = f"call name() returns (string) on {contract}"
    send_message(tab, text, network="testnet")
    answer = wait_for_answers(tab, 1)
    card = tab.locator(".tool-card").first
    card.locator("summary").click()
    expect(card.locator(".tool-result")).to_contain_text(payload)
    # The answer is markdown rendered on the server: the backticks become a code span.
    expect(answer).to_contain_text("<svg/onload=alert")
    send_message(tab, payload, network="testnet")
    wait_for_answers(tab, 2)
    # User messages are markdown like answers (the backticks become a code span): the markup
    # itself shows as text.
    expect(tab.locator(".msg-user .msg-body").last).to_contain_text("<svg/onload=alert")
    assert tab.locator("#transcript svg").count() == 0
    assert alice.dialogs == []
    screenshot(tab)
