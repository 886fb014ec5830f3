"""Load generator: N concurrent users through the real stack, with cross-talk detection.

Unless --urls is given it starts the stack itself (bench/stack.py): two Anvils (31337 as
testnet, 137 as polygon), runmcp testnet + polygon, two daphne backends over PostgreSQL
(DATABASE_URL) and Redis (REDIS_URL), the builtin agent. Each user is its own browser (cookie
jar, CSRF token), creates its own chat session, opens its websocket with Origin and cookie, and
sends --messages messages, switching network between messages: reads of the balance of its
OWN random address, and on testnet 0.001 ETH transfers from alice to that address. Every event
a user receives is checked: its reply must name its address, and no event may name another
user's address (cross-talk). It records time to first event, time to the agent's first event,
whole-turn latency (p50/p95/p99), errors, MCP call latency per network (tool.result
duration_ms), backend RSS per active session; then stops by itself.

    .venv/bin/python bench/loadgen.py --users 1,10,25,50,100 --messages 4 --plot
    .venv/bin/python bench/loadgen.py --users 500 --messages 2 --max-sessions 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from client import Browser, receive
from stack import Stack, start_stack

RESULTS = Path(__file__).resolve().parent / "results"
DOCS = Path(__file__).resolve().parent.parent / "docs"
MB = 1024 * 1024
TURN_TIMEOUT = 300.0
NETWORKS = ("testnet", "polygon")


@dataclass
class TurnRecord:
    network: str
    kind: str
    first_event_s: float = 0.0
    first_agent_event_s: float = 0.0
    turn_s: float = 0.0
    error: str = ""
    cross_talk: list[str] = field(default_factory=list)
    mcp_ms: list[int] = field(default_factory=list)


@dataclass
class User:
    index: int
    base_url: str
    address: str = field(default_factory=lambda: "0x" + secrets.token_hex(20))
    session_id: str = ""
    turns: list[TurnRecord] = field(default_factory=list)
    setup_error: str = ""


def message_for(user: User, step: int) -> tuple[str, str, str]:
    """(network, kind, text): networks alternate per message; about half of the testnet
    messages are transfers (polygon is not a dev network: a transfer there is a wallet request)."""
    network = NETWORKS[(user.index + step) % len(NETWORKS)]
    if network == "testnet" and (user.index + step // 2) % 2 == 1:
        return network, "transfer", f"send 0.001 eth from alice to {user.address}"
    return network, "read", f"balance of {user.address}"


async def run_user(
    user: User, messages: int, others: set[str], start: asyncio.Event, ramp: asyncio.Semaphore
) -> None:
    browser = Browser(user.base_url)
    try:
        async with ramp:  # users arrive a few at a time; then they all chat at once
            await browser.open()
            user.session_id = await browser.create_session(NETWORKS[user.index % len(NETWORKS)])
            ws = await browser.websocket(user.session_id)
            state = await receive(ws, 60)
        assert state["type"] == "session.state", state
    except Exception as exc:  # a setup failure is a recorded error, not a crash of the run
        user.setup_error = f"{type(exc).__name__}: {exc}"[:300]
        await browser.aclose()
        return
    await start.wait()
    try:
        for step in range(messages):
            user.turns.append(await one_turn(ws, user, step, others - {user.address}))
    finally:
        await ws.close()
        await close_quietly(browser, user.session_id)


async def close_quietly(browser: Browser, session_id: str) -> None:
    """End the session (frees its MAX_SESSIONS place for the next level) and the browser."""
    try:
        await browser.close_session(session_id)
    except Exception as exc:
        print(f"closing {session_id[:8]} failed: {exc}", flush=True)
    await browser.aclose()


async def one_turn(ws: Any, user: User, step: int, others: set[str]) -> TurnRecord:
    network, kind, text = message_for(user, step)
    record = TurnRecord(network, kind)
    frame = {"type": "chat.message", "text": text, "network": network}
    frame["client_msg_id"] = uuid.uuid4().hex
    started = time.monotonic()
    said: list[str] = []
    try:
        await ws.send(json.dumps(frame))
        while True:
            event = await receive(ws, TURN_TIMEOUT - (time.monotonic() - started))
            elapsed = time.monotonic() - started
            record.first_event_s = record.first_event_s or elapsed
            check_event(event, record, others, said, elapsed)
            if event["type"] == "turn.complete":
                record.turn_s = elapsed
                break
    except (TimeoutError, OSError, Exception) as exc:
        record.error = record.error or f"{type(exc).__name__}: {exc}"[:300]
    if not record.error and user.address.lower() not in " ".join(said).lower():
        record.error = "reply does not name the user's own address"
    return record


def check_event(
    event: dict[str, Any], record: TurnRecord, others: set[str], said: list[str], elapsed: float
) -> None:
    kind = event["type"]
    if (
        kind in ("tool.call", "assistant.delta", "wallet.request")
        and not record.first_agent_event_s
    ):
        record.first_agent_event_s = elapsed
    raw = json.dumps(event).lower()
    record.cross_talk += [address for address in others if address in raw]
    if kind == "error":
        record.error = f"error event {event.get('code')}: {event.get('message')}"[:300]
    elif kind == "tool.result":
        record.mcp_ms.append(int(event.get("duration_ms", 0)))
        if not event.get("ok"):
            record.error = f"tool failed: {json.dumps(event.get('error'))}"[:300]
        said.append(json.dumps(event.get("result")) + str(event.get("text", "")))
    elif kind in ("assistant.delta",):
        said.append(str(event.get("text", "")))
    elif kind == "turn.complete":
        said.append(str(event.get("html", "")))


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 4),
        "p95": round(pick(0.95), 4),
        "p99": round(pick(0.99), 4),
        "max": round(ordered[-1], 4),
    }


async def sample_rss(stack: Stack | None, stop: asyncio.Event, peak: list[int]) -> None:
    while stack is not None and not stop.is_set():
        peak[0] = max(peak[0], stack.backend_rss())
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except TimeoutError:
            pass


async def run_level(
    stack: Stack | None, urls: list[str], users_count: int, messages: int, ramp: int = 20
) -> dict[str, Any]:
    """One run with ``users_count`` concurrent users; returns its figures."""
    users = [User(i, urls[i % len(urls)]) for i in range(users_count)]
    addresses = {u.address for u in users}
    start, stop = asyncio.Event(), asyncio.Event()
    baseline = stack.backend_rss() if stack else 0
    peak = [baseline]
    sampler = asyncio.create_task(sample_rss(stack, stop, peak))
    gate = asyncio.Semaphore(ramp)
    tasks = [asyncio.create_task(run_user(u, messages, addresses, start, gate)) for u in users]
    await wait_connected(users, tasks)
    connected_rss = stack.backend_rss() if stack else 0
    began = time.monotonic()
    start.set()
    await asyncio.gather(*tasks)
    wall = time.monotonic() - began
    stop.set()
    await sampler
    return summarize(users, messages, wall, baseline, connected_rss, peak[0])


async def wait_connected(users: list[User], tasks: list[asyncio.Task[None]]) -> None:
    """Every user has its session and socket (or failed) before the messages start."""
    while not all(u.turns or u.setup_error or u.session_id for u in users):
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)


def summarize(
    users: list[User], messages: int, wall: float, baseline: int, connected: int, peak: int
) -> dict[str, Any]:
    turns = [t for u in users for t in u.turns]
    errors = [u.setup_error for u in users if u.setup_error] + [t.error for t in turns if t.error]
    cross = sorted({a for t in turns for a in t.cross_talk})
    mcp = {
        n: percentiles([ms for t in turns if t.network == n for ms in t.mcp_ms]) for n in NETWORKS
    }
    count = len(users)
    return {
        "users": count,
        "messages_per_user": messages,
        "turns": len(turns),
        "turns_ok": sum(1 for t in turns if not t.error and t.turn_s),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:10],
        "cross_talk": len(cross),
        "first_event_s": percentiles([t.first_event_s for t in turns if t.first_event_s]),
        "first_agent_event_s": percentiles(
            [t.first_agent_event_s for t in turns if t.first_agent_event_s]
        ),
        "turn_s": percentiles([t.turn_s for t in turns if t.turn_s]),
        "turn_s_by_kind": {
            kind: percentiles([t.turn_s for t in turns if t.kind == kind and t.turn_s])
            for kind in ("read", "transfer")
        },
        "mcp_ms_by_network": mcp,
        "wall_s": round(wall, 2),
        "turns_per_s": round(len(turns) / wall, 2) if wall else 0,
        "backend_rss_baseline_mb": round(baseline / MB, 1),
        "backend_rss_connected_mb": round(connected / MB, 1),
        "backend_rss_peak_mb": round(peak / MB, 1),
        "rss_per_active_session_kb": round((peak - baseline) / count / 1024, 1) if count else 0,
    }


def plot(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    users = [r["users"] for r in results]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for key, label in (("p50", "turn p50"), ("p95", "turn p95"), ("p99", "turn p99")):
        ax.plot(users, [r["turn_s"].get(key, 0) for r in results], marker="o", label=label)
    first = [r["first_agent_event_s"].get("p50", 0) for r in results]
    ax.plot(users, first, marker="s", linestyle="--", label="first agent event p50")
    ax.set_xlabel("concurrent users")
    ax.set_ylabel("seconds")
    ax.set_title("Chat turn latency vs concurrent users (2 daphnes, builtin agent, Anvil)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def print_row(result: dict[str, Any]) -> None:
    turn, first = result["turn_s"], result["first_agent_event_s"]
    mcp = result["mcp_ms_by_network"]
    print(
        f"| {result['users']} | {result['turns']} | {result['errors']} | {result['cross_talk']} "
        f"| {result['first_event_s'].get('p50', '-')} | {first.get('p50', '-')} "
        f"| {turn.get('p50', '-')} | {turn.get('p95', '-')} | {turn.get('p99', '-')} "
        f"| {mcp['testnet'].get('p50', '-')} / {mcp['testnet'].get('p95', '-')} "
        f"| {mcp['polygon'].get('p50', '-')} / {mcp['polygon'].get('p95', '-')} "
        f"| {result['turns_per_s']} | {result['rss_per_active_session_kb']} |",
        flush=True,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="1,10,25,50", help="comma-separated user counts")
    parser.add_argument("--messages", type=int, default=4, help="messages per user")
    parser.add_argument("--urls", default="", help="backends already running (comma-separated)")
    parser.add_argument("--backends", type=int, default=2)
    parser.add_argument("--max-sessions", type=int, default=2000, help="MAX_SESSIONS env")
    parser.add_argument("--ramp", type=int, default=20, help="session set-ups at a time")
    parser.add_argument("--plot", action="store_true", help="write docs/latency_vs_users.png")
    parser.add_argument("--out", default="load.json", help="file name under bench/results/")
    args = parser.parse_args()
    stack = None
    if args.urls:
        urls = args.urls.split(",")
    else:
        stack = start_stack(args.backends, MAX_SESSIONS=str(args.max_sessions))
        urls = stack.urls
    results = []
    try:
        for count in [int(n) for n in args.users.split(",")]:
            result = await run_level(stack, urls, count, args.messages, args.ramp)
            results.append(result)
            print_row(result)
            print(json.dumps(result), flush=True)
    finally:
        if stack:
            stack.stop()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps(results, indent=1))
    if args.plot:
        plot(results, DOCS / "latency_vs_users.png")


if __name__ == "__main__":
    asyncio.run(main())
