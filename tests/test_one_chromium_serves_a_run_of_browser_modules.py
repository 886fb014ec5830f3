"""The browser modules share one Chromium (testsupport/chromium.py): the same browser until it is
closed, and once closed, no event loop of Playwright's is left running on the main thread,
where Django and pytest-asyncio would take it for an async context."""

from __future__ import annotations

import asyncio

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from testsupport import chromium


def test_the_same_browser_until_closed_and_no_event_loop_after():
    first = chromium.shared(CHROMIUM, CHROMIUM_ARGS)
    assert chromium.shared(CHROMIUM, CHROMIUM_ARGS) is first
    assert asyncio._get_running_loop() is not None  # the sync API's loop, while it is open
    chromium.close()
    assert not first.is_connected()
    assert asyncio._get_running_loop() is None
    again = chromium.shared(CHROMIUM, CHROMIUM_ARGS)
    assert again is not first and again.is_connected()
    chromium.close()
    chromium.close()  # closing twice is harmless
