"""The chat list refreshes on its own (an answer ends, the tab comes back); a refresh that lands
while a rename box or a delete question is open must leave it open, with what was typed.

It did not: the list was redrawn under the user, and a title half typed vanished (seen as a
flaky test_rename_and_delete_after_a_confirmation, whose Rename click raced the refresh that
follows an answer). Here the refresh is held at the network until the box is open.

Nor may a refresh eat a click: one that landed between the press on Rename and its release
redrew the list, the press and the release fell on different buttons, and no click happened
(test_rename_and_delete_after_a_confirmation, again). A chat whose title is unchanged keeps
its row; only its time is brought up to date."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.helpers import open_chat, send_message, wait_for_answers, wait_until_ready
from tests.browser.screens import (
    chat_list,
    chat_titles,
    close_chat_list,
    desktop_only,
    screen,
    someone,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db"), desktop_only]
__all__ = ["screen", "someone"]

CHAT_LIST = re.compile(r"/api/chats(\?|$)")
SETTLE_MS = 300  # a released answer is read and drawn well within this


def chat_about_gas(tab: Page) -> None:
    wait_until_ready(tab)
    close_chat_list(tab)
    send_message(tab, "gas price", network="testnet")
    wait_for_answers(tab, 1)
    expect(chat_titles(tab)).to_have_text(["gas price"])  # the answer's own refresh is in


def hold_a_refresh(tab: Page) -> list[Route]:
    """The tab comes back to the front, which refreshes the list; its request is held."""
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    tab.route(CHAT_LIST, hold)
    tab.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    while not held:
        tab.wait_for_timeout(20)
    return held


def release(tab: Page, held: list[Route]) -> None:
    with tab.expect_response(CHAT_LIST):
        for route in held:
            route.continue_()
    tab.unroute(CHAT_LIST)
    tab.wait_for_timeout(SETTLE_MS)


def test_a_refresh_keeps_a_half_typed_title(someone):
    tab = someone().new_tab()
    open_chat(tab)
    chat_about_gas(tab)
    held = hold_a_refresh(tab)
    sidebar = chat_list(tab)
    sidebar.get_by_role("button", name="Rename “gas price”").click()
    box = sidebar.get_by_label("Chat title")
    box.fill("Fees on")
    release(tab, held)
    expect(box).to_be_visible()
    expect(box).to_have_value("Fees on")
    box.fill("Fees on testnet")
    box.press("Enter")
    expect(chat_titles(tab)).to_have_text(["Fees on testnet"])


def test_a_refresh_keeps_the_delete_question(someone):
    tab = someone().new_tab()
    open_chat(tab)
    chat_about_gas(tab)
    held = hold_a_refresh(tab)
    sidebar = chat_list(tab)
    sidebar.get_by_role("button", name="Delete “gas price”").click()
    question = sidebar.get_by_role("alertdialog")
    expect(question).to_contain_text("cannot be undone")
    release(tab, held)
    expect(question).to_be_visible()
    question.get_by_role("button", name="Cancel").click()
    expect(chat_titles(tab)).to_have_text(["gas price"])


def test_a_refresh_between_press_and_release_does_not_eat_the_click(someone):
    tab = someone().new_tab()
    open_chat(tab)
    chat_about_gas(tab)
    sidebar = chat_list(tab)
    rename = sidebar.get_by_role("button", name="Rename “gas price”")
    rename.hover()
    held = hold_a_refresh(tab)
    tab.mouse.down()
    release(tab, held)  # the list's answer is drawn while the button is held down
    tab.mouse.up()
    expect(sidebar.get_by_label("Chat title")).to_be_visible()
    expect(sidebar.get_by_label("Chat title")).to_have_value("gas price")
