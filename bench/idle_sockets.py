"""CPU of a backend holding open, idle chat sockets: daphne's CPU per second with N sockets
connected and nothing said (what every open tab costs while its user reads). Needs
PostgreSQL and Redis, like bench_turns.py:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evmchat_bench \\
    REDIS_URL=redis://127.0.0.1:6379/5 \\
    .venv/bin/python bench/idle_sockets.py --sessions 100 --seconds 20

BENCH_PYSPY=FILE records daphne meanwhile (GIL samples, raw folded stacks).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import sys
import time
from pathlib import Path

import psutil
from websockets.asyncio.client import connect

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.bench_turns import (  # noqa: E402
    START_SECONDS,
    UNREACHABLE_LIMITS,
    new_browser_session,
    start_backend,
    start_profiler,
)
from testsupport.processes import start_anvil, start_runmcp, wait_until  # noqa: E402


async def hold(port: int, sessions: int, seconds: float, pid: int) -> None:
    created = [await new_browser_session(f"http://127.0.0.1:{port}") for _ in range(sessions)]
    sockets = []
    for chat_id, cookie in created:
        url = f"ws://127.0.0.1:{port}/ws/sessions/{chat_id}/"
        origin = f"http://127.0.0.1:{port}"
        ws = await connect(url, origin=origin, additional_headers={"Cookie": cookie})
        assert json.loads(await ws.recv())["type"] == "session.state"
        sockets.append(ws)
    await asyncio.sleep(2)  # connects settled
    daphne = psutil.Process(pid)
    profiler = start_profiler(pid)
    before, started = daphne.cpu_times(), time.perf_counter()
    await asyncio.sleep(seconds)
    after, elapsed = daphne.cpu_times(), time.perf_counter() - started
    if profiler is not None:
        profiler.send_signal(signal.SIGINT)
        profiler.wait(60)
    user, system = after.user - before.user, after.system - before.system
    per_second = 1000 * (user + system) / elapsed
    print(f"{sessions} idle sockets for {elapsed:.1f} s: daphne {per_second:.1f} ms CPU per"
          f" second (system {1000 * system / elapsed:.1f})")  # fmt: skip
    for ws in sockets:
        await ws.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    anvil = start_anvil(31337)
    mcp = start_runmcp("testnet", anvil.url, wait=False)
    try:
        wait_until(mcp.ready, START_SECONDS, "runmcp testnet")
        env = {"MCP_TESTNET_URL": mcp.url, "LOG_LEVEL": "WARNING"}
        env |= {"AGENT_PROVIDER": "builtin", "MAX_SESSIONS": "1000000", **UNREACHABLE_LIMITS}
        env["SECRET_KEY"] = os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50)
        daphne = start_backend(env)
        try:
            assert daphne.popen is not None
            asyncio.run(hold(daphne.port, args.sessions, args.seconds, daphne.popen.pid))
        finally:
            daphne.stop()
    finally:
        mcp.stop()
        anvil.stop()


if __name__ == "__main__":
    main()
