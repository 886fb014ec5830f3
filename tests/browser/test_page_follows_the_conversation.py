"""Issue 31, point 2: the transcript follows the latest message (after sending, while the answer
and its cards render) unless the person has scrolled up; then a "Jump to latest" button shows,
the view stays put while a new answer arrives, and the button brings them back."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import FloatRect, Locator, Page, WebSocketRoute, expect

from tests.browser.helpers import open_chat, send_message, wait_for_answers, wait_until_ready
from tests.browser.screens import screen, someone

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
__all__ = ["screen", "someone"]

PROMPTS = ["latest block", "balance of alice", "gas price"]


class HeldFrames:
    """Relays the chat socket, holding what the server sends while told to (an answer that
    arrives later, at a moment the test chooses)."""

    def __init__(self) -> None:
        self.holding = False
        self.frames: list[str | bytes] = []
        self.route: WebSocketRoute | None = None

    def relay(self, route: WebSocketRoute) -> None:
        self.route = route
        route.connect_to_server().on_message(self.from_server)

    def from_server(self, frame: str | bytes) -> None:
        if self.holding:
            self.frames.append(frame)
        elif self.route:
            self.route.send(frame)

    def release(self) -> None:
        self.holding = False
        assert self.route is not None
        for frame in self.frames:
            self.route.send(frame)
        self.frames.clear()


def boxes(page: Page, message: Locator) -> tuple[FloatRect, FloatRect]:
    pane, box = page.locator("#transcript").bounding_box(), message.bounding_box()
    assert pane is not None and box is not None
    return pane, box


def inside(pane: FloatRect, box: FloatRect) -> bool:
    bottom, pane_bottom = box["y"] + box["height"], pane["y"] + pane["height"]
    # A message taller than the pane shows its end; any other shows whole.
    top_ok = box["y"] >= pane["y"] - 1 or box["height"] > pane["height"]
    return top_ok and pane["y"] < bottom <= pane_bottom + 1


def assert_in_view(page: Page, message: Locator) -> None:
    """The message's bounding box is inside the transcript's visible box (soon: it follows)."""
    deadline = time.monotonic() + 5
    pane, box = boxes(page, message)
    while not inside(pane, box):
        assert time.monotonic() < deadline, f"{box} is not inside the transcript's {pane}"
        page.wait_for_timeout(100)
        pane, box = boxes(page, message)


def latest(page: Page) -> Locator:
    return page.locator("#transcript > :not([hidden])").last


def scroll_top(page: Page) -> float:
    return float(page.locator("#transcript").evaluate("t => t.scrollTop"))


def scroll_up_by_hand(page: Page) -> float:
    """Wheels up over the transcript and returns where the view settled."""
    pane = page.locator("#transcript").bounding_box()
    assert pane is not None
    page.mouse.move(pane["x"] + pane["width"] / 2, pane["y"] + pane["height"] / 2)
    page.mouse.wheel(0, -700)
    settled, top = None, scroll_top(page)
    while settled != top:
        page.wait_for_timeout(150)
        settled, top = top, scroll_top(page)
    return top


def fill_the_transcript(page: Page) -> int:
    """Sends until the transcript overflows well past one screen; each send and each answer
    with its cards is followed. Returns the number of answers."""
    transcript = page.locator("#transcript")
    count = 0
    while count < 3 or transcript.evaluate("t => t.scrollHeight < t.clientHeight + 1200"):
        send_message(page, PROMPTS[count % len(PROMPTS)], network="testnet")
        assert_in_view(page, page.locator(".msg-user").last)
        count += 1
        wait_for_answers(page, count)
        expect(page.locator(".msg-assistant .tool-state").last).to_contain_text("ok")
        assert_in_view(page, latest(page))
    return count


def test_the_transcript_follows_each_send_and_answer_with_its_cards(someone, screenshot):
    tab = someone().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    fill_the_transcript(tab)
    expect(
        tab.locator(".tool-refs .ref").first
    ).to_be_attached()  # link rows came, and were followed
    expect(tab.get_by_role("button", name="Jump to latest")).to_be_hidden()
    screenshot(tab)


def test_scrolled_up_the_view_stays_and_jump_to_latest_brings_the_answer_back(someone, screenshot):
    held = HeldFrames()
    tab = someone().new_tab()
    tab.route_web_socket(re.compile(r"/ws/sessions/"), held.relay)
    open_chat(tab)
    wait_until_ready(tab)
    count = fill_the_transcript(tab)
    jump = tab.get_by_role("button", name="Jump to latest")

    held.holding = True  # the next answer comes only after the person has scrolled up
    send_message(tab, "latest block", network="testnet")
    assert_in_view(tab, tab.locator(".msg-user").last)
    top = scroll_up_by_hand(tab)
    expect(jump).to_be_visible()
    held.release()
    wait_for_answers(tab, count + 1)
    answer = latest(tab)
    expect(answer.locator(".tool-state")).to_contain_text("ok")
    tab.wait_for_timeout(300)  # time for any (wrong) follow to happen
    assert abs(scroll_top(tab) - top) <= 1
    pane, box = boxes(tab, answer)
    assert box["y"] >= pane["y"] + pane["height"], "the new answer stays below the view"
    expect(jump).to_be_visible()
    screenshot(tab, "scrolled-up")

    jump.click()
    assert_in_view(tab, answer)
    expect(jump).to_be_hidden()

    # From the keyboard: a real button, and Enter lands in the message box.
    scroll_up_by_hand(tab)
    jump.focus()
    tab.keyboard.press("Enter")
    assert_in_view(tab, answer)
    expect(jump).to_be_hidden()
    expect(tab.get_by_role("textbox", name="Message")).to_be_focused()

    # Scrolling back to the end by hand hides it too.
    scroll_up_by_hand(tab)
    expect(jump).to_be_visible()
    tab.mouse.wheel(0, 5000)
    expect(jump).to_be_hidden()
    assert_in_view(tab, answer)
