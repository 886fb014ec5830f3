"""One Chromium for each run of browser test modules on a worker, and its browser contexts
handed from one test to the next.

Playwright's sync API keeps an event loop running on the main thread while it is open, which
Django's async-safety check and pytest-asyncio take for an async context. So the browser stays
open from one browser module to the next, and closes before the first module of another kind
(the root conftest.py) and before the test databases are dropped (tests/browser/conftest.py).
The browser modules are collected first, so under `--dist loadfile` each worker takes them one
after another: a launch a worker instead of one a module (each 0.5 s of CPU for Playwright's
driver and Chromium).

A new browser context costs Chromium about 0.2 s of CPU more than a tab in a kept one
(`bench/bench_browser_contexts.py`, docs/benchmarks.md), so a context a test leaves as
it found it (no init script, clock or route of its own) goes back, its pages closed and its
cookies cleared, to the next test that asks for the same options: a new person to the
server, whose session is its cookie. The chat page keeps nothing in the browser's storage but
sessionStorage, which is each tab's own.
"""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

CHROMIUM = "/usr/bin/chromium"  # Debian's (`make test-tools`)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

_open: list[tuple[Playwright, Browser]] = []
# Contexts given back, by their options: each was made with them and holds no page or cookie.
_spare: dict[str, list[BrowserContext]] = {}


def shared() -> Browser:
    """The open Chromium, launched first if none is."""
    if not _open:
        playwright = sync_playwright().start()
        _open.append(
            (playwright, playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS))
        )
    return _open[0][1]


def take_context(browser: Browser, options: dict[str, Any]) -> BrowserContext:
    """A context with these options: a spare one if one was given back, else a new one."""
    spares = _spare.get(_key(options), [])
    if spares:
        return spares.pop()
    return browser.new_context(**options)


def give_back(context: BrowserContext, options: dict[str, Any]) -> None:
    """Keeps a context for the next test that asks for these options, as a new one would be:
    no page, no cookie, no permission but those the options grant. Only for a context whose
    own settings the test left alone (an init script or a clock cannot be taken off again):
    close that one instead."""
    for page in context.pages:
        page.close()
    context.clear_cookies()
    context.clear_permissions()
    context.grant_permissions(options.get("permissions", []))  # those it was made with
    _spare.setdefault(_key(options), []).append(context)


def close() -> None:
    """Close Chromium (and with it the spare contexts) and Playwright's event loop, if open."""
    _spare.clear()
    while _open:
        playwright, browser = _open.pop()
        browser.close()
        playwright.stop()


def _key(options: dict[str, Any]) -> str:
    return json.dumps(options, sort_keys=True)
