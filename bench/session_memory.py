"""Backend memory per chat session, measured on the daphne process (psutil), not the client.

Two phases, each on its own fresh daphne over PostgreSQL + Redis:

* idle: N browsers each create a chat session and hold its websocket open, idle; the RSS
  delta over a warmed-up baseline divided by N is the memory per idle chat session.
* churn: 10,000 chat sessions are created (each opens its websocket, reads session.state,
  disconnects) and left to expire (SESSION_TIMEOUT=1 s; every creation expires the stale
  ones); RSS is sampled every 1,000 sessions and must end near its baseline (no leak).

    .venv/bin/python bench/session_memory.py [--idle 600] [--churn 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from client import Browser, receive_until
from stack import DEFAULT_DATABASE_URL, Stack, rss_of, start_stack

RESULTS = Path(__file__).resolve().parent / "results"
MB = 1024 * 1024


async def gather_limited(jobs: list[Callable[[], Awaitable[Any]]], limit: int) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def run(job: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await job()

    return await asyncio.gather(*(run(job) for job in jobs))


async def open_idle_session(base_url: str) -> tuple[Browser, Any]:
    browser = Browser(base_url)
    await browser.open()
    session_id = await browser.create_session()
    ws = await browser.websocket(session_id)
    await receive_until(ws, {"session.state"}, 60)
    return browser, ws


async def settled_rss(stack: Stack, seconds: float = 3.0) -> int:
    await asyncio.sleep(seconds)
    return rss_of(stack.daphnes[0])


async def idle_phase(count: int) -> dict[str, Any]:
    stack = start_stack(backends=1, networks=(), MAX_SESSIONS="100000", SESSION_TIMEOUT="3600")
    try:
        base = stack.urls[0]
        warm = await gather_limited([lambda: open_idle_session(base) for _ in range(50)], 20)
        await close_all(warm)
        baseline = await settled_rss(stack)
        held = await gather_limited([lambda: open_idle_session(base) for _ in range(count)], 25)
        loaded = await settled_rss(stack)
        await close_all(held)
        after = await settled_rss(stack)
    finally:
        stack.stop()
    per_session = (loaded - baseline) / count
    return {
        "idle_sessions": count,
        "baseline_rss_mb": baseline / MB,
        "loaded_rss_mb": loaded / MB,
        "after_close_rss_mb": after / MB,
        "per_idle_session_kb": per_session / 1024,
    }


async def close_all(held: list[tuple[Browser, Any]]) -> None:
    for browser, ws in held:
        await ws.close()
        await browser.aclose()


async def churn_one(browser: Browser) -> None:
    session_id = await browser.create_session()
    ws = await browser.websocket(session_id)
    await receive_until(ws, {"session.state"}, 60)
    await ws.close()


async def churn_phase(total: int, browsers_count: int = 100) -> dict[str, Any]:
    stack = start_stack(backends=1, networks=(), MAX_SESSIONS="100000", SESSION_TIMEOUT="1")
    started = datetime.now(UTC)
    samples: list[tuple[int, float]] = []
    try:
        base = stack.urls[0]
        browsers = [Browser(base) for _ in range(browsers_count)]
        await asyncio.gather(*(b.open() for b in browsers))
        for done in range(0, total, 1000):
            jobs = [lambda b=browsers[i % browsers_count]: churn_one(b) for i in range(1000)]
            await gather_limited(jobs, 50)
            samples.append((done + 1000, rss_of(stack.daphnes[0]) / MB))
            print(f"  churn {done + 1000}: rss {samples[-1][1]:.1f} MB", flush=True)
        await asyncio.sleep(2.5)
        sweeper = await browsers[0].create_session()  # its creation expires every stale one
        await browsers[0].close_session(sweeper)
        final = await settled_rss(stack)
        for browser in browsers:
            await browser.aclose()
    finally:
        stack.stop()
    return {
        "created": total,
        "statuses": session_statuses(started),
        "rss_samples_mb": samples,
        "baseline_rss_mb": samples[0][1],
        "peak_rss_mb": max(s[1] for s in samples),
        "final_rss_mb": final / MB,
    }


def session_statuses(since: datetime) -> dict[str, int]:
    url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT status, count(*) FROM chat_chatsession WHERE created_at >= %s GROUP BY status",
            [since],
        ).fetchall()
    return {status: count for status, count in rows}


def machine() -> dict[str, Any]:
    import psutil

    return {
        "cpus": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_avg": os.getloadavg(),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=int, default=600, help="idle sessions held open")
    parser.add_argument("--churn", type=int, default=10000, help="sessions created and expired")
    args = parser.parse_args()
    result: dict[str, Any] = {"machine": machine()}
    if args.idle:
        result["idle"] = await idle_phase(args.idle)
        print(json.dumps(result["idle"], indent=1), flush=True)
    if args.churn:
        result["churn"] = await churn_phase(args.churn)
        print(json.dumps(result["churn"], indent=1), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "session_memory.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    started = time.monotonic()
    asyncio.run(main())
    print(f"done in {time.monotonic() - started:.0f} s")
