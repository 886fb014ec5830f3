"""One Chromium for each run of browser test modules on a worker, instead of one per module.

Playwright's sync API keeps an event loop running on the main thread while it is open, which
Django's async-safety check and pytest-asyncio take for an async context. So the browser stays
open from one browser module to the next, and closes before the first module of another kind
(the root conftest.py) and before the test databases are dropped (tests/browser/conftest.py).
The browser modules are collected first, so under `--dist loadfile` each worker takes them one
after another: a launch a worker instead of one a module (each 0.5 s of CPU for Playwright's
driver and Chromium).
"""

from __future__ import annotations

from playwright.sync_api import Browser, Playwright, sync_playwright

_open: list[tuple[Playwright, Browser]] = []


def shared(executable_path: str, args: list[str]) -> Browser:
    """The open Chromium, launched first if none is."""
    if not _open:
        playwright = sync_playwright().start()
        _open.append(
            (playwright, playwright.chromium.launch(executable_path=executable_path, args=args))
        )
    return _open[0][1]


def close() -> None:
    """Close Chromium and Playwright's event loop, if open."""
    while _open:
        playwright, browser = _open.pop()
        browser.close()
        playwright.stop()
