"""The browser modules share one Chromium (testsupport/chromium.py): the same browser until it is
closed, and once closed, no event loop of Playwright's is left running on the main thread,
where Django and pytest-asyncio would take it for an async context.

A browser context a test gives back serves the next test that asks for the same options as a
new one would: no tab, no cookie (so a new session to the server), no permission. One whose
settings a test changed (an init script, a fake clock) is closed instead."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Error

from tests.browser.helpers import Person
from testsupport import chromium


@pytest.fixture
def browser() -> Browser:
    return chromium.shared()


@pytest.fixture
def desktop(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Options of a desktop context of this test's own (no other test's spare)."""
    return {
        "viewport": {"width": 1100, "height": 800},
        "base_url": f"http://127.0.0.1:8000/{request.node.name}/",
    }


def test_the_same_browser_until_closed_and_no_event_loop_after():
    first = chromium.shared()
    assert chromium.shared() is first
    assert asyncio._get_running_loop() is not None  # the sync API's loop, while it is open
    chromium.close()
    assert not first.is_connected()
    assert asyncio._get_running_loop() is None
    chromium.close()  # closing twice is harmless
    again = chromium.shared()
    assert again is not first and again.is_connected()


CLIPBOARD_STATE = "navigator.permissions.query({name: 'clipboard-read'}).then((s) => s.state)"


def test_a_context_given_back_comes_back_without_tabs_cookies_or_permissions(browser, desktop):
    first = chromium.take_context(browser, desktop)
    as_new = first.new_page().evaluate(CLIPBOARD_STATE)
    first.add_cookies([{"name": "sessionid", "value": "alice", "url": desktop["base_url"]}])
    first.grant_permissions(["clipboard-read"])
    assert first.new_page().evaluate(CLIPBOARD_STATE) == "granted" != as_new
    chromium.give_back(first, desktop)

    again = chromium.take_context(browser, dict(desktop))
    assert again is first
    assert again.pages == [] and again.cookies() == []
    assert again.new_page().evaluate(CLIPBOARD_STATE) == as_new


def test_a_context_made_with_permissions_comes_back_with_them_only(browser, desktop):
    options = {**desktop, "permissions": ["clipboard-read"]}
    first = chromium.take_context(browser, options)
    first.grant_permissions(["geolocation"])
    chromium.give_back(first, options)
    again = chromium.take_context(browser, options)
    assert again is first
    tab = again.new_page()
    assert tab.evaluate(CLIPBOARD_STATE) == "granted"
    geolocation = "navigator.permissions.query({name: 'geolocation'}).then((s) => s.state)"
    assert tab.evaluate(geolocation) != "granted"


def test_a_context_serves_only_the_options_it_was_made_with(browser, desktop):
    desktops = chromium.take_context(browser, desktop)
    phone = {**desktop, "viewport": {"width": 390, "height": 844}, "is_mobile": True}
    chromium.give_back(desktops, desktop)
    assert chromium.take_context(browser, phone) is not desktops
    assert chromium.take_context(browser, desktop) is desktops


def test_a_context_a_test_changed_is_closed_not_given_back(browser, desktop):
    alices = chromium.take_context(browser, desktop)
    alice = Person(alices, desktop)
    alice.new_tab()
    alice.leave()
    bobs = chromium.take_context(browser, desktop)
    assert bobs is alices  # plain tabs change nothing

    bob = Person(bobs, desktop)
    bob.context.add_init_script("window.wallet = {}")
    bob.leave()
    with pytest.raises(Error):
        bobs.new_page()  # closed
    carols = chromium.take_context(browser, desktop)
    assert carols is not bobs

    carol = Person(carols, desktop)
    carol.new_tab(fake_clock=True)  # Playwright installs the clock on the whole context
    assert carol.changed_context


def test_the_browser_tests_install_a_clock_only_through_a_person():
    """`page.clock` installs on the context, which a person's tab cannot tell: through
    `Person.new_tab(fake_clock=True)` the context is known to be changed."""
    browser_tests = Path(__file__).parent / "browser"
    installs = [
        f"{path.name}: {line.strip()}"
        for path in sorted(browser_tests.glob("*.py"))
        for line in path.read_text().splitlines()
        if re.search(r"\.clock\.install\(", line) and path.name != "helpers.py"
    ]
    assert installs == []
