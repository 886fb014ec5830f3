"""Issue 31, point 3: the chat page is exactly the window, so the header (Sign in, the wallet
status, Connect wallet) stays on screen on load, after focusing the message box, after sending
and with a long transcript; only the transcript scrolls."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

from tests.browser.helpers import (
    Person,
    open_chat,
    send_message,
    wait_for_answers,
    wait_until_ready,
)
from tests.browser.screens import screen, someone
from testsupport.processes import Anvil

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
__all__ = ["screen", "someone"]

PROVIDER_JS = (Path(__file__).parent / "wallet_provider.js").read_text()


def with_a_wallet(someone: Callable[..., Person], anvil: Anvil) -> Page:
    """A chat tab of someone whose browser has a wallet (so Connect wallet is offered)."""
    alice = someone(bypass_csp=True)  # the wallet's own traffic to its chain, as an extension's
    alice.context.add_init_script(PROVIDER_JS.replace("__RPC_URL__", anvil.url))
    tab = alice.new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    return tab


def assert_inside_the_window(page: Page, control: Locator) -> None:
    box = control.bounding_box()
    window = page.viewport_size
    assert box is not None and window is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= window["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= window["width"], box


def assert_header_on_screen(page: Page) -> None:
    header = page.locator("header.topbar")
    box = header.bounding_box()
    assert box is not None and box["y"] >= 0, box
    assert_inside_the_window(page, page.get_by_role("button", name="Connect wallet"))
    assert_inside_the_window(page, page.locator("#wallet-status"))
    assert_inside_the_window(page, header.get_by_role("link", name="Sign in"))
    assert_inside_the_window(page, page.get_by_role("button", name="Send", exact=True))
    assert page.evaluate("document.scrollingElement.scrollHeight <= window.innerHeight")
    assert page.evaluate("window.scrollY") == 0


def test_the_header_stays_on_screen_on_load_on_focus_and_after_sending(
    someone, anvil_polygon, screenshot
):
    tab = with_a_wallet(someone, anvil_polygon)
    assert_header_on_screen(tab)
    box = tab.get_by_label("Message")
    box.blur()
    box.click()
    box.focus()
    assert_header_on_screen(tab)
    send_message(tab, "latest block", network="testnet")
    assert_header_on_screen(tab)
    wait_for_answers(tab, 1)
    assert_header_on_screen(tab)
    screenshot(tab)


def test_a_long_transcript_scrolls_inside_and_the_header_stays(someone, anvil_polygon, screenshot):
    tab = with_a_wallet(someone, anvil_polygon)
    for number, text in enumerate(["latest block", "balance of alice", "gas price"] * 3, 1):
        send_message(tab, text, network="testnet")
        wait_for_answers(tab, number)
    transcript = tab.locator("#transcript")
    assert transcript.evaluate("t => t.scrollHeight > t.clientHeight + 400")
    assert_header_on_screen(tab)
    tab.get_by_label("Message").focus()
    tab.keyboard.press("End")
    assert_header_on_screen(tab)
    tab.reload()
    wait_until_ready(tab)
    assert_header_on_screen(tab)
    screenshot(tab)
