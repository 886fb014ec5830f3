"""Deployment figures: how fast `make run`'s stack comes up and goes down, and what it costs
when the socket and the POST of a chat message land on different backend processes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evmchat_deploy \
    REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/python bench/bench_deploy.py \
    [--runs 5] [--messages 100]

1. `manage.py runstack` (Anvil, runmcp testnet, daphne, cleanup) on free ports: seconds from
   launch until the backend's /health reports testnet up, and from SIGINT until every process
   is gone.
2. Two daphne processes over one PostgreSQL and Redis (bench/stack.py), a websocket on process
   A: for each message, the time from sending `POST /api/chat` until the socket receives the
   user's `message.created` and the turn's `turn.complete`, with the POST sent to A (same
   process) or to B (the event crosses Redis). Messages are "help" (the builtin agent answers
   without a tool call), so the figures are the platform's, not the chain's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psutil

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/evmchat_deploy")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")

from bench.client import Browser, receive_until  # noqa: E402
from bench.stack import migrate, start_stack  # noqa: E402
from testsupport.processes import free_port  # noqa: E402


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(ordered):.3f} / p95 {p95:.3f} / p99 {p99:.3f}"


def testnet_up(port: int) -> bool:
    try:
        body = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json()
    except (httpx.HTTPError, ValueError):
        return False
    return bool(body.get("networks", {}).get("testnet", {}).get("state") == "up")


def one_stack_run() -> tuple[float, float]:
    """Seconds to healthy, seconds from SIGINT until every process is gone."""
    port = free_port()
    env = {**os.environ, "BACKEND_PORT": str(port), "MCP_TESTNET_PORT": str(free_port())}
    env["TESTNET_RPC_URL"] = f"http://127.0.0.1:{free_port()}"
    started = time.perf_counter()
    stack = subprocess.Popen(
        [sys.executable, "manage.py", "runstack"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not testnet_up(port):
            time.sleep(0.05)
        up = time.perf_counter() - started
        children = psutil.Process(stack.pid).children(recursive=True)
        stopping = time.perf_counter()
        stack.send_signal(signal.SIGINT)
        stack.wait(60)
        psutil.wait_procs(children, timeout=30)
        return up, time.perf_counter() - stopping
    finally:
        if stack.poll() is None:  # interrupted: let honcho stop its children, then make sure
            stack.send_signal(signal.SIGINT)
            try:
                stack.wait(20)
            except subprocess.TimeoutExpired:
                stack.kill()


def bench_stack(runs: int) -> None:
    migrate({})
    results = [one_stack_run() for _ in range(runs)]
    print(f"runstack to healthy (s), {runs} runs: {percentiles([r[0] for r in results])}")
    print(f"SIGINT to all stopped (s), {runs} runs: {percentiles([r[1] for r in results])}")


async def timed_message(browser: Browser, socket: object, chat_id: str) -> tuple[float, float]:
    client_msg_id = uuid.uuid4().hex
    body = {"session_id": chat_id, "message": "help", "network": "testnet"}
    started = time.perf_counter()
    await browser.post("/api/chat", {**body, "client_msg_id": client_msg_id})
    created = complete = 0.0
    while not complete:
        event, _ = await receive_until(socket, {"message.created", "turn.complete"}, 60)  # type: ignore[arg-type]
        message = event.get("message", {})
        if event["type"] == "message.created" and message.get("client_msg_id") == client_msg_id:
            created = time.perf_counter() - started
        elif event["type"] == "turn.complete" and created:
            complete = time.perf_counter() - started
    return created * 1000, complete * 1000


async def bench_fan_out(messages: int) -> None:
    stack = start_stack(backends=2, networks=("testnet",))
    try:
        async with Browser(stack.urls[0]) as on_a, Browser(stack.urls[1]) as on_b:
            on_b.csrf_token = on_a.csrf_token
            for label, poster in (("same process (A)", on_a), ("other process (B)", on_b)):
                chat_id = await on_a.create_session()
                on_b.http.cookies = on_a.http.cookies  # one visitor, two processes
                socket = await on_a.websocket(chat_id)
                await receive_until(socket, {"session.state"}, 60)
                timings = [await timed_message(poster, socket, chat_id) for _ in range(messages)]
                await socket.close()
                print(
                    f"POST to {label} -> message.created on A's socket (ms), {messages} "
                    f"messages: {percentiles([t[0] for t in timings])}"
                )
                print(
                    f"POST to {label} -> turn.complete on A's socket (ms), {messages} "
                    f"messages: {percentiles([t[1] for t in timings])}"
                )
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--messages", type=int, default=100)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    bench_stack(args.runs)
    asyncio.run(bench_fan_out(args.messages))
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
