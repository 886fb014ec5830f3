"""Point 6 of issue 17: the empty page offers example prompts that work on the chosen network;
messages carry timestamps; the input has focus on load and grows with its text; a reload
shows the latest message."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import open_chat, send_message, wait_for_answers, wait_until_ready
from tests.browser.screens import desktop_only, screen, someone

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
__all__ = ["screen", "someone"]


@desktop_only
def test_example_prompts_follow_the_network_and_one_click_gets_an_answer(someone, screenshot):
    tab = someone().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    examples = tab.locator("#examples button")
    tab.get_by_label("Network").select_option("testnet")
    expect(examples.filter(has_text="Balance of alice")).to_have_count(1)
    screenshot(tab)
    tab.get_by_label("Network").select_option("polygon")  # no named accounts there
    expect(examples.filter(has_text="alice")).to_have_count(0)
    expect(examples.first).to_be_visible()
    tab.get_by_label("Network").select_option("testnet")
    examples.filter(has_text="Balance of alice").click()
    answer = wait_for_answers(tab, 1)
    expect(answer).to_contain_text("ETH")
    expect(answer.locator(".tool-state")).to_contain_text("ok")
    expect(tab.locator("#examples")).to_have_count(0)


@desktop_only
def test_messages_have_times_and_the_input_is_focused_and_grows(someone):
    tab = someone().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    box = tab.get_by_label("Message")
    expect(box).to_be_focused()
    one_line = box.bounding_box()["height"]
    box.fill("one\ntwo\nthree\nfour")
    box.dispatch_event("input")
    assert box.bounding_box()["height"] > one_line * 1.8
    box.press("Enter")
    wait_for_answers(tab, 1)
    assert box.bounding_box()["height"] < one_line * 1.3  # back to one line after sending
    for message in (tab.locator(".msg-user").first, tab.locator(".msg-assistant").first):
        time = message.locator("time.msg-time")
        expect(time).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
        expect(time).to_have_text(re.compile(r"\d"))


def test_a_reload_shows_the_latest_message_with_the_input_ready(someone, screenshot):
    tab = someone().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    for number, text in enumerate(["gas price", "latest block", "balance of alice"] * 2, 1):
        send_message(tab, text, network="testnet")
        wait_for_answers(tab, number)
    tab.evaluate("window.scrollTo(0, 0)")
    tab.reload()
    wait_until_ready(tab)
    expect(tab.locator(".msg-assistant").last).to_be_in_viewport()
    expect(tab.get_by_label("Message")).to_be_focused()
    screenshot(tab)
