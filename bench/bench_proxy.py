"""Benchmark of mcp_proxy: overhead over a direct SDK call, and throughput through daphne.

    .venv/bin/python bench/bench_proxy.py [--overhead-calls 600] [--calls 3000] [--clients 50]
                                          [--client raw|httpx]

Starts its own Anvil (chain 31337), one `runmcp testnet` and one daphne backend over
PostgreSQL (DATABASE_URL, default evmchat_bench, created and migrated if missing) and Redis
(REDIS_URL, default db 4). Measures, with the tool get_block_number:
  1. sequential latency of a direct SDK call (mcp.Client over streamable HTTP, one session),
     of the proxy's agent interface (mcp_proxy.client.call_tool, in this process), and of the
     proxy's HTTP endpoint (POST /api/mcp/testnet under daphne, a real chat session);
  2. throughput of the endpoint with --clients concurrent clients, each with its own browser
     session and chat session. The per-session rate limit is raised to 100000/s for this run
     (PROXY_RATE_LIMIT in the backend's env) and the per-owner limits of calls and new chat
     sessions are off: the bench measures the proxy, not the limiter.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from rawhttp import KeepAliveConnection, RawHttpError  # noqa: E402

from testsupport.processes import (  # noqa: E402
    Process,
    start_anvil,
    start_daphne,
    start_runmcp,
    wait_until,
)

TOOL = "get_block_number"
LOAD_CLIENT = "raw"  # --client: "raw" (bench/rawhttp.py) or "httpx"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/evmchat_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/4"


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50": statistics.median(ordered), "p95": pick(0.95), "p99": pick(0.99)}


def prepare_database(database_url: str) -> None:
    """Create the bench database if missing, then migrate it."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            db.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )


async def direct_sdk_latencies(url: str, calls: int) -> list[float]:
    from mcp import Client

    samples = []
    async with Client(url) as client:
        await client.call_tool(TOOL, {})
        for _ in range(calls):
            started = time.perf_counter()
            result = await client.call_tool(TOOL, {})
            samples.append((time.perf_counter() - started) * 1000)
            assert not result.is_error
    return samples


async def agent_interface_latencies(calls: int) -> list[float]:
    from mcp_proxy import client

    await client.call_tool("testnet", TOOL, {})
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        await client.call_tool("testnet", TOOL, {})
        samples.append((time.perf_counter() - started) * 1000)
    return samples


class ChatClient:
    """One browser: its cookie jar, CSRF token and chat session."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=30)
        self.session_id = ""
        self.headers: dict[str, str] = {}
        self.raw: KeepAliveConnection | None = None

    async def open(self) -> None:
        token = (await self.http.get("/api/csrf")).json()["csrf_token"]
        self.headers = {"X-CSRFToken": token}
        created = await self.http.post("/api/sessions", json={}, headers=self.headers)
        created.raise_for_status()
        self.session_id = created.json()["session"]["id"]
        if LOAD_CLIENT == "raw":
            self.use_raw_client()

    async def call(self) -> tuple[int, bytes]:
        body = {"session_id": self.session_id, "tool": TOOL, "params": {}}
        if self.raw is None:
            response = await self.http.post("/api/mcp/testnet", json=body, headers=self.headers)
            return response.status_code, response.content
        return await self.raw.post_json("/api/mcp/testnet", json.dumps(body).encode())

    def use_raw_client(self) -> None:
        """Later calls go through a lean keep-alive connection with this browser's cookies."""
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies.jar)
        headers = {"cookie": cookies, "x-csrftoken": self.headers["X-CSRFToken"]}
        self.raw = KeepAliveConnection(str(self.http.base_url), headers)

    async def close(self) -> None:
        await self.http.post(f"/api/sessions/{self.session_id}/close", headers=self.headers)
        await self.http.aclose()
        if self.raw is not None:
            await self.raw.close()


async def endpoint_latencies(base_url: str, calls: int) -> list[float]:
    client = ChatClient(base_url)
    await client.open()
    await client.call()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        status, content = await client.call()
        samples.append((time.perf_counter() - started) * 1000)
        assert status == 200, content
    await client.close()
    return samples


async def endpoint_throughput(base_url: str, clients: int, calls: int) -> dict[str, Any]:
    users = [ChatClient(base_url) for _ in range(clients)]
    await asyncio.gather(*(u.open() for u in users))
    await asyncio.gather(*(u.call() for u in users))  # warm-up: tool list, connections
    per_user = calls // clients
    errors: list[str] = []
    latencies: list[float] = []

    async def run(user: ChatClient) -> None:
        for _ in range(per_user):
            started = time.perf_counter()
            try:
                status, content = await user.call()
            except RawHttpError as exc:
                status, content = 0, str(exc).encode()
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 200:
                errors.append(f"{status} {content[:200]!r}")

    started = time.perf_counter()
    await asyncio.gather(*(run(u) for u in users))
    elapsed = time.perf_counter() - started
    await asyncio.gather(*(u.close() for u in users))
    total = per_user * clients
    return {"calls": total, "seconds": elapsed, "rate": total / elapsed, "errors": errors,
            **percentiles(latencies)}  # fmt: skip


async def direct_sdk_throughput(url: str, clients: int, calls: int) -> dict[str, Any]:
    """The ceiling: the same load straight at the MCP server through the SDK, no proxy."""
    from mcp import Client

    per_user = calls // clients

    async def run() -> None:
        async with Client(url) as client:
            for _ in range(per_user):
                await client.call_tool(TOOL, {})

    started = time.perf_counter()
    await asyncio.gather(*(run() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return {"calls": per_user * clients, "seconds": elapsed, "rate": per_user * clients / elapsed}


async def agent_interface_throughput(clients: int, calls: int) -> dict[str, Any]:
    """The proxy layer alone (no Django, no database): call_tool from concurrent tasks."""
    from mcp_proxy import client

    per_user = calls // clients

    async def run() -> None:
        for _ in range(per_user):
            await client.call_tool("testnet", TOOL, {})

    started = time.perf_counter()
    await asyncio.gather(*(run() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return {"calls": per_user * clients, "seconds": elapsed, "rate": per_user * clients / elapsed}


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU time (user + system) used so far by each process and its children."""
    import psutil

    used = {}
    for name, pid in pids.items():
        process = psutil.Process(pid)
        # This process started the others: count its children only for the servers.
        children = [] if pid == os.getpid() else process.children(recursive=True)
        times = [process.cpu_times()] + [c.cpu_times() for c in children]
        used[name] = sum(t.user + t.system for t in times)
    return used


def row(name: str, stats: dict[str, float]) -> str:
    return f"| {name} | {stats['p50']:.2f} | {stats['p95']:.2f} | {stats['p99']:.2f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--overhead-calls", type=int, default=600)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="HTTP client of the endpoint runs: the lean keep-alive one (bench/rawhttp.py) "
        "or httpx (~1.5 ms more CPU per call on the same 2 cores)",
    )
    args = parser.parse_args()
    global LOAD_CLIENT
    LOAD_CLIENT = args.client
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    prepare_database(database_url)
    started: list[Process] = []  # every process this bench starts is stopped, whatever fails
    try:
        run_with_stack(database_url, redis_url, args, started)
    finally:
        for process in reversed(started):
            process.stop()


def run_with_stack(
    database_url: str, redis_url: str, args: argparse.Namespace, started: list[Process]
) -> None:
    anvil = start_anvil(31337)
    started.append(anvil)
    server = start_runmcp("testnet", anvil.url, wait=False)
    started.append(server)
    wait_until(server.ready, 30, "runmcp testnet")
    backend_env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MCP_TESTNET_URL": server.url,
        "PROXY_RATE_LIMIT": "100000",
        "PROXY_RATE_BURST": "100000",
        "PROXY_CALLS_PER_MINUTE": "0",  # the per-owner limits (issue 14) off, as the above
        "SESSION_CREATES_PER_MINUTE": "0",
        "MAX_SESSIONS": "100000",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(backend_env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")
    import django

    django.setup()
    daphne = start_daphne(backend_env, wait=False)
    started.append(daphne)
    wait_until(daphne.ready, 30, "daphne")
    pids = {
        name: p.popen.pid
        for name, p in (("daphne", daphne), ("runmcp", server), ("anvil", anvil))
        if p.popen
    }
    pids["bench client"] = os.getpid()
    report(server.url, daphne.base_url, args, pids)


def report(mcp_url: str, base_url: str, args: argparse.Namespace, pids: dict[str, int]) -> None:
    n = args.overhead_calls
    direct = asyncio.run(direct_sdk_latencies(mcp_url, n))
    agent = asyncio.run(agent_interface_latencies(n))
    endpoint = asyncio.run(endpoint_latencies(base_url, n))
    direct_rate = asyncio.run(direct_sdk_throughput(mcp_url, args.clients, args.calls))
    agent_rate = asyncio.run(agent_interface_throughput(args.clients, args.calls))
    before = cpu_seconds(pids)
    rate = asyncio.run(endpoint_throughput(base_url, args.clients, args.calls))
    after = cpu_seconds(pids)
    cpu_ms = {name: (after[name] - before[name]) * 1000 / rate["calls"] for name in pids}
    d, a, e = percentiles(direct), percentiles(agent), percentiles(endpoint)
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; nproc: {os.cpu_count()}; "
          f"python {platform.python_version()}")  # fmt: skip
    print(f"endpoint client: {args.client}")
    print(f"\nSequential latency, {n} calls of {TOOL} each (ms):\n")
    print("| path | p50 | p95 | p99 |\n|---|---|---|---|")
    print(row("direct SDK call (mcp.Client, streamable HTTP)", d))
    print(row("proxy agent interface (call_tool)", a))
    print(row("proxy HTTP endpoint under daphne (session check, ToolCall row)", e))
    print(f"\nAdded p50: agent interface {a['p50'] - d['p50']:+.2f} ms; "
          f"HTTP endpoint {e['p50'] - d['p50']:+.2f} ms")  # fmt: skip
    print(f"\nThroughput, {args.clients} concurrent clients:")
    print(
        f"- direct SDK, no proxy: {direct_rate['rate']:.0f} calls/s ({direct_rate['calls']} calls)"
    )
    print(f"- proxy agent interface in this process (no Django): {agent_rate['rate']:.0f} calls/s")
    print(f"- proxy endpoint under daphne: {rate['rate']:.0f} calls/s ({rate['calls']} calls in "
          f"{rate['seconds']:.1f} s), errors: {len(rate['errors'])}, latency p50 {rate['p50']:.1f} "
          f"p95 {rate['p95']:.1f} p99 {rate['p99']:.1f} ms")  # fmt: skip
    parts = ", ".join(f"{name} {ms:.2f}" for name, ms in cpu_ms.items())
    total = sum(cpu_ms.values())
    print(f"- CPU per proxied call (ms, in the throughput run): {parts}; total {total:.2f}")
    print(f"  -> ceiling on 2 idle cores for these processes: ~{2000 / total:.0f} calls/s "
          "(PostgreSQL and Redis not counted)")  # fmt: skip
    for error in rate["errors"][:5]:
        print("  error:", error)


if __name__ == "__main__":
    main()
