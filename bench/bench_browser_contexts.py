"""What a browser test's person costs Chromium: a new browser context for each, or one given
back by the test before (testsupport/chromium.py, what tests/browser/conftest.py does). Both
arms run the same code path: take a context, open a tab, load a page with a stylesheet and a
script from a local server, leave.

    .venv/bin/python bench/bench_browser_contexts.py --contexts new|reused [--people 40]
        [--screenshot]

Reports the CPU (psutil, user + system) of Chromium's processes and Playwright's driver per
person, and the wall time of a person (p50, p95). A first few people are not reported (a
fresh browser fills its caches then). --screenshot: each person also takes a full-page
screenshot, as a browser test did each time before screenshots were asked for (--screenshots).
"""

from __future__ import annotations

import argparse
import http.server
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from playwright.sync_api import Browser

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_turns import machine_speed, percentile
from testsupport import chromium

# About a chat page's weight: a header, a conversation a little taller than the window, a box.
MESSAGE = "<p class='msg'>Balance of alice on testnet: 10000 ETH, at block 1234567.</p>"
PAGE = f"""<!doctype html><html><head><link rel="stylesheet" href="/app.css"></head>
<body><header><h1>Chat</h1></header><main>{MESSAGE * 40}
<textarea aria-label="Message"></textarea></main><script src="/app.js"></script></body></html>"""
WARMUP = 5


def serve(folder: Path) -> str:
    (folder / "index.html").write_text(PAGE)
    (folder / "app.css").write_text("main { display: grid; gap: 8px; }\n" * 200)
    (folder / "app.js").write_text("document.body.dataset.ready = 'yes';\n")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def browser_cpu() -> float:
    """CPU seconds of this process's children: Playwright's driver, Chromium and its helpers."""
    spent = 0.0
    for process in psutil.Process().children(recursive=True):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        spent += times.user + times.system + times.children_user + times.children_system
    return spent


def one_person(
    browser: Browser, options: dict[str, object], reuse: bool, screenshot: Path | None
) -> None:
    context = chromium.take_context(browser, options)
    page = context.new_page()
    page.goto("/")
    page.wait_for_function("() => document.body.dataset.ready === 'yes'")
    if screenshot:
        page.screenshot(path=str(screenshot), full_page=True)
    if reuse:
        chromium.give_back(context, options)
    else:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contexts", choices=["new", "reused"], default="reused")
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--screenshot", action="store_true")
    args = parser.parse_args()
    print(machine_speed())
    with tempfile.TemporaryDirectory() as folder:
        options: dict[str, object] = {
            "base_url": serve(Path(folder)),
            "viewport": {"width": 1100, "height": 800},
        }
        screenshot = Path(folder) / "screenshot.png" if args.screenshot else None
        browser = chromium.shared()
        try:
            for _ in range(WARMUP):
                one_person(browser, options, args.contexts == "reused", screenshot)
            time.sleep(0.5)
            walls = []
            spent_before = browser_cpu()
            for _ in range(args.people):
                started = time.monotonic()
                one_person(browser, options, args.contexts == "reused", screenshot)
                walls.append(time.monotonic() - started)
            time.sleep(0.5)  # the last closing's work
            spent = browser_cpu() - spent_before
        finally:
            chromium.close()
    print(
        f"contexts {args.contexts}{', a screenshot each' if args.screenshot else ''}: "
        f"{args.people} people, browser CPU "
        f"{spent / args.people * 1000:.0f} ms a person, wall p50 "
        f"{percentile(walls, 0.5) * 1000:.0f} ms p95 {percentile(walls, 0.95) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
