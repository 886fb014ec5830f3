"""The two screens a chat-page point is tried on: a desktop window and a 390x844 phone, and
what a test does with the chat list that depends on which it is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.helpers import Person

SCREENS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}


# A test whose point is behaviour the screen's size does not change runs on the desktop only,
# where the phone's run would repeat it; what depends on the layout (a page that fits, the
# chat list that collapses on a phone, scrolling, a dialog inside the viewport) runs on both.
desktop_only = pytest.mark.parametrize("screen", ["desktop"])


@pytest.fixture(params=list(SCREENS))
def screen(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def someone(person: Callable[..., Person], screen: str) -> Callable[..., Person]:
    """Makes people whose browser has this test's screen size."""

    def make(**options: Any) -> Person:
        return person(viewport=SCREENS[screen], is_mobile=screen == "phone", **options)

    return make


def chat_list(page: Page) -> Locator:
    """Opens the chat list when the screen is narrow (it collapses there) and returns it."""
    toggle = page.get_by_role("button", name="Chats")
    if toggle.is_visible():
        if toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
    sidebar = page.locator("#sidebar")
    expect(sidebar).to_be_visible()
    return sidebar


def close_chat_list(page: Page) -> None:
    """On a narrow screen the open list covers the chat: close it (no-op on a desktop)."""
    closer = page.locator("#sidebar-close")
    if closer.is_visible():
        closer.click()
        expect(page.locator("#sidebar")).to_be_hidden()


def chat_titles(page: Page) -> Locator:
    return page.locator("#chat-list .chat-title")


def fits_the_screen(page: Page) -> None:
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
