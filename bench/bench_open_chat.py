"""Opening a chat under load: N browsers (default 100) each load the chat page, create their
chat session and open its websocket, as the page's script does, against one daphne with the
builtin agent, Anvil and runmcp testnet (the stack of bench_turns.py). Needs PostgreSQL and
Redis:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evmchat_bench \\
    REDIS_URL=redis://127.0.0.1:6379/5 \\
    .venv/bin/python bench/bench_open_chat.py --browsers 100 [--rounds 3]

The steps of an opening: GET / (the page, which sets the CSRF cookie), POST /api/sessions
(X-CSRFToken from that cookie, the page's Origin) and the websocket up to its first event,
session.state. The browsers take a step --at-once at a time (default 10: a burst of 100 POSTs
at once opens 100 PostgreSQL connections, one per request thread), and the next step starts
when all are done, so the daphne process's CPU (psutil, user + system) from a step's start to 0.5 s
after its last answer is that step's:
reported per browser, with each step's latency (p50, p95). "Whole opening" is the three steps
of one browser. Sockets close after each round; a first round of --warmup browsers is not
reported (a fresh process compiles its templates and fills its caches then).

--handler django serves HTTP with Django's own ASGI handler (a thread hand-off per middleware
hook) instead of the product's one-hop handler (chatproject/lib/handler.py); --session-store
django with Django's cached_db session store instead of chatproject/lib/session_store.py (a
new browser session written twice); --autobahn-debug-lines eager leaves autobahn formatting
its settings for a debug line on every connection (chatproject/daphne.py makes that text only
when the line is written); --database-pool on|off sets DATABASE_POOL (Django's psycopg pool).
The three A arms together are the opening as the libraries serve it.

BENCH_PYSPY=FILE records daphne with py-spy over the measured rounds (raw folded stacks, GIL
samples only; BENCH_PYSPY_ALL=1: every thread on a CPU); with BENCH_PYSPY_STEP=page, session or
socket, over that step of the first round only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bench_turns import CpuMeter, builtin_stack, machine_speed, percentile, start_profiler
from client import Browser, receive

STEPS = ("page", "session", "socket")
# Every browser comes from 127.0.0.1: the per-address socket cap (20 x 5 by default) would
# refuse the 101st. The cap stays on (its Redis script is part of an opening's cost).
# What the server does after its answer (a socket's resume of queued turns, its idle watch)
# belongs to the step: the meter reads CPU this long after the last browser's answer.
SETTLE_SECONDS = 0.5
SOCKET_CAP = {"MAX_SOCKETS_PER_OWNER": "1000000"}
# The arms of the A/Bs (--handler, --session-store): the product's piece or Django's own.
SESSION_STORES = {
    "own": "chatproject.lib.session_store",
    "django": "django.contrib.sessions.backends.cached_db",
}


@dataclass
class Tab:
    browser: Browser
    session_id: str = ""
    socket: Any = None
    seconds: dict[str, float] = field(default_factory=dict)

    async def page(self) -> None:
        await self.browser.open_page("/")

    async def session(self) -> None:
        self.session_id = await self.browser.create_session("testnet")

    async def open_socket(self) -> None:
        self.socket = await self.browser.websocket(self.session_id)
        event = await receive(self.socket, 60)
        assert event["type"] == "session.state", event

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        await self.browser.aclose()


async def timed(
    tab: Tab, step: str, action: Callable[[], Awaitable[None]], gate: asyncio.Semaphore
) -> None:
    async with gate:
        started = time.perf_counter()
        await action()
        tab.seconds[step] = time.perf_counter() - started


async def one_round(
    port: int, browsers: int, at_once: int, meter: CpuMeter | None, profiled: str = ""
) -> dict[str, Any]:
    """Every browser opens its chat, step by step; CPU and latency of each step (and py-spy
    over the ``profiled`` one)."""
    tabs = [Tab(Browser(f"http://127.0.0.1:{port}")) for _ in range(browsers)]
    gate = asyncio.Semaphore(at_once)
    cpu: dict[str, float] = {}
    try:
        for step in STEPS:
            if meter is not None:
                meter.profile = step == profiled
                meter.start()
            actions = [(t, {"page": t.page, "session": t.session, "socket": t.open_socket}[step])
                       for t in tabs]  # fmt: skip
            await asyncio.gather(*(timed(tab, step, action, gate) for tab, action in actions))
            if meter is not None:
                await asyncio.sleep(SETTLE_SECONDS)
                meter.stop()
                cpu[step] = meter.spent["daphne"][0] / browsers
                cpu[f"{step} system"] = meter.spent["daphne"][1] / browsers
    finally:
        await asyncio.gather(*(tab.close() for tab in tabs))
    latency = {step: [tab.seconds[step] for tab in tabs] for step in STEPS}
    latency["whole"] = [sum(tab.seconds.values()) for tab in tabs]
    cpu["whole"] = sum(cpu.get(step, 0.0) for step in STEPS)
    cpu["whole system"] = sum(cpu.get(f"{step} system", 0.0) for step in STEPS)
    return {"cpu": cpu, "latency": latency}


def line(name: str, cpu: dict[str, float], seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"| {name} | {cpu[name] * 1000:.1f} | {cpu[name + ' system'] * 1000:.1f} "
        f"| {statistics.median(ms):.1f} | {percentile(ms, 0.95):.1f} |"
    )


def report(rounds: list[dict[str, Any]], browsers: int) -> None:
    print(machine_speed())
    print(f"{browsers} browsers, {len(rounds)} round(s); daphne CPU per browser, latency (ms)")
    for number, result in enumerate(rounds, 1):
        print(f"round {number}\n| step | daphne CPU | of which system | p50 | p95 |")
        print("|---|---|---|---|---|")
        for step in (*STEPS, "whole"):
            print(line(step, result["cpu"], result["latency"][step]))


async def run(
    port: int, browsers: int, at_once: int, rounds: int, warmup: int, meter: CpuMeter
) -> None:
    if warmup:
        await one_round(port, warmup, at_once, None)
    await asyncio.sleep(1)  # the warm-up's sockets are gone
    step = os.environ.get("BENCH_PYSPY_STEP", "")
    # One recording: over one step of the first round, or over every measured round.
    profiler = None if step else start_profiler(meter.pids["daphne"][0])
    results = []
    try:
        for number in range(rounds):
            results.append(await one_round(port, browsers, at_once, meter, step * (number == 0)))
            await asyncio.sleep(1)
    finally:
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            profiler.wait(60)
    report(results, browsers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browsers", type=int, default=100)
    parser.add_argument("--at-once", type=int, default=10, help="browsers in a step at a time")
    parser.add_argument("--rounds", type=int, default=1, help="measured rounds in one process")
    parser.add_argument("--warmup", type=int, default=10, help="browsers of the unreported round")
    parser.add_argument(
        "--handler",
        choices=("one_hop", "django"),
        default="one_hop",
        help="HTTP_HANDLER of the daphne: one_hop (the product's) or django (Django's own)",
    )
    parser.add_argument(
        "--session-store",
        choices=tuple(SESSION_STORES),
        default="own",
        help="SESSION_ENGINE: own (chatproject.lib.session_store) or django (cached_db)",
    )
    parser.add_argument(
        "--database-pool",
        choices=("on", "off"),
        default="",
        help="DATABASE_POOL: Django's psycopg pool, or a connection per HTTP request",
    )
    parser.add_argument(
        "--autobahn-debug-lines",
        choices=("lazy", "eager"),
        default="lazy",
        help="lazy: chatproject.daphne formats autobahn's per-connection debug line when written",
    )
    args = parser.parse_args()
    arms = {"HTTP_HANDLER": args.handler, "SESSION_ENGINE": SESSION_STORES[args.session_store]}
    arms["AUTOBAHN_DEBUG_LINES"] = args.autobahn_debug_lines
    if args.database_pool:
        arms["DATABASE_POOL"] = str(args.database_pool == "on")
    print(" ".join(f"{name}={value}" for name, value in arms.items()))
    with builtin_stack(1, **arms, **SOCKET_CAP) as (ports, meter):
        asyncio.run(run(ports[0], args.browsers, args.at_once, args.rounds, args.warmup, meter))


if __name__ == "__main__":
    main()
