"""Items 6 and 8 of issue 31. A regenerate the server refuses (here: one chat message a minute)
never blanks the chat: the question and its answer stay on screen while it is asked, and
after the refusal and a reload. User messages render their markdown; a paste over the limit
is kept whole, with a counter and a sentence saying why it does not send; a code fence quoted
back by the agent does not swallow the rest of its reply."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from sessions_app.models import Message
from tests.browser.helpers import (
    open_chat,
    send_message,
    start_backend,
    wait_for_answers,
    wait_until_ready,
)
from tests.browser.screens import desktop_only, screen, someone
from testsupport.processes import Daphne

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db"), desktop_only]
__all__ = ["screen", "someone"]

SHOWN = ":not([hidden])"
LIMIT = 4000
# Records whether any message was hidden (or removed) while the page ran: "never blanked".
WATCH_HIDING = """() => {
  window.hidden = [];
  const note = (node) => window.hidden.push(node.className);
  new MutationObserver((changes) => {
    for (const change of changes) {
      const message = change.target.classList?.contains("msg");
      if (change.type === "attributes" && message && change.target.hidden) note(change.target);
      for (const node of change.removedNodes) {
        if (node.classList?.contains("msg") && node.dataset.messageId) note(node);
      }
    }
  }).observe(document.getElementById("transcript"), {
    subtree: true, childList: true, attributes: true, attributeFilter: ["hidden"],
  });
}"""


@pytest.fixture(scope="module")
def one_message_a_minute(backend_settings: dict[str, str]) -> Iterator[Daphne]:
    """Each person (browser) may send one chat message a minute; the second is refused."""
    env = {
        **backend_settings,
        "CHAT_MESSAGES_PER_MINUTE": "1",
        "AGENT_TURNS_PER_MINUTE": "0",
        "LIMIT_ADDRESS_FACTOR": "1000",  # every test person comes from 127.0.0.1
    }
    daphne = start_backend(env, log_name="daphne-one-message-a-minute")
    yield daphne
    daphne.stop()


@pytest.fixture
def app_url(one_message_a_minute: Daphne) -> str:
    return one_message_a_minute.base_url


def in_view(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"] if page.viewport_size else 0
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_a_refused_regenerate_keeps_the_question_and_answer_and_after_a_reload(someone, screenshot):
    tab = someone().new_tab()
    session_id = open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "help", network="testnet")
    answer = wait_for_answers(tab, 1)
    expect(tab.locator("#processing")).to_be_hidden()
    tab.evaluate(WATCH_HIDING)
    answer.get_by_role("button", name="Regenerate").click()
    refusal = tab.get_by_role("alert").filter(has_text="Too many chat messages")
    expect(refusal).to_be_visible()
    expect(tab.locator(f".msg-user{SHOWN} .msg-body")).to_have_text(["help"])
    expect(tab.locator(f".msg-assistant{SHOWN}")).to_have_count(1)
    expect(answer).to_contain_text("I understand")
    assert tab.evaluate("window.hidden") == []  # not hidden for a moment either
    expect(answer.get_by_role("button", name="Regenerate")).to_be_visible()  # can try again
    assert in_view(tab, f".msg-assistant{SHOWN}") or in_view(tab, ".note-error")
    screenshot(tab)
    tab.reload()
    wait_until_ready(tab)
    expect(tab.locator(f".msg-user{SHOWN} .msg-body")).to_have_text(["help"])
    expect(tab.locator(f".msg-assistant{SHOWN}")).to_contain_text("I understand")
    stored = Message.objects.filter(chat_session__public_id=session_id)
    assert stored.count() == 2 and not stored.filter(superseded_at__isnull=False).exists()


def test_a_user_message_renders_its_markdown(someone):
    tab = someone().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "what is **gas** and `wei`?", network="testnet")
    wait_for_answers(tab, 1)
    question = tab.locator(f".msg-user{SHOWN}").filter(has_text="what is")
    expect(question.locator(".msg-body strong")).to_have_text("gas")
    expect(question.locator(".msg-body code")).to_have_text("wei")
    expect(question.locator(".msg-body")).not_to_contain_text("**")
    tab.reload()  # the stored message renders the same
    wait_until_ready(tab)
    expect(tab.locator(f".msg-user{SHOWN} .msg-body strong")).to_have_text("gas")


def test_a_paste_over_the_limit_is_kept_whole_with_a_counter_and_a_reason(someone, screenshot):
    tab = someone(permissions=["clipboard-read", "clipboard-write"]).new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    tab.get_by_label("Network").select_option("testnet")
    box = tab.get_by_label("Message")
    counter = tab.locator("#message-count")
    expect(counter).to_be_hidden()  # nowhere near the limit
    tab.evaluate("(text) => navigator.clipboard.writeText(text)", "x" * 5000)
    box.focus()
    box.press("ControlOrMeta+V")
    assert len(box.input_value()) == 5000  # not cut
    expect(counter).to_contain_text("5,000 / 4,000 characters: too long to send")
    expect(box).to_have_attribute("aria-invalid", "true")
    assert in_view(tab, "#message-count")
    screenshot(tab, "over")
    box.press("Enter")  # refused here, with the counter's words; nothing is lost
    expect(tab.locator(".msg-user")).to_have_count(0)
    assert len(box.input_value()) == 5000
    box.evaluate("(box) => box.setSelectionRange(4000, 5000)")
    box.press("Backspace")  # shortened by hand, as the counter asked
    expect(counter).to_have_text("4,000 / 4,000 characters")
    expect(box).to_have_attribute("aria-invalid", "false")
    box.press("Enter")
    wait_for_answers(tab, 1)
    stored = Message.objects.get(
        role="user", chat_session__public_id=tab.evaluate("document.body.dataset.sessionId")
    )
    assert len(stored.content) == LIMIT
    expect(counter).to_be_hidden()  # the box is empty again


def test_a_pasted_code_fence_leaves_the_not_understood_reply_intact(someone, screenshot):
    tab = someone().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "what does this do\n```python\nprint(1)\n```", network="testnet")
    answer = wait_for_answers(tab, 1)
    expect(answer).to_contain_text("did not understand")
    expect(answer.locator("pre")).to_have_count(0)
    expect(answer.locator("strong")).to_have_text("help")
    expect(answer).to_contain_text("```python print(1) ```")
    expect(answer).to_contain_text("to see them.")
    # The person's own message shows the fence as the code block it is.
    expect(tab.locator(f".msg-user{SHOWN} pre")).to_have_text("print(1)")
    screenshot(tab)
