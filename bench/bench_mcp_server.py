"""Benchmark: MCP tool latency through the SDK client over loopback, and idle server RSS.

Starts a real Anvil and a real `manage.py runmcp testnet` on free ports, then times
get_block_number and get_balance through one reused client session.

    .venv/bin/python bench/bench_mcp_server.py [--calls 500]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")

from mcp import Client

from testsupport.processes import start_anvil, start_runmcp

TARGETS_MS = {"get_block_number": 5.0, "get_balance": 8.0}
RSS_TARGET_MB = 80.0


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def time_tool(client: Client, tool: str, args: dict[str, str], calls: int) -> list[float]:
    for _ in range(20):  # warm-up: connections, caches, the first chain-id check
        await client.call_tool(tool, args)
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        result = await client.call_tool(tool, args)
        samples.append((time.perf_counter() - started) * 1000)
        assert not result.is_error, result
    return samples


async def measure(url: str, calls: int) -> dict[str, list[float]]:
    async with Client(url) as client:
        return {
            "get_block_number": await time_tool(client, "get_block_number", {}, calls),
            "get_balance": await time_tool(client, "get_balance", {"address": "alice"}, calls),
        }


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


def uss_mb(pid: int) -> float:
    """Memory unique to the process (shared libraries not counted): what each extra server costs."""
    return psutil.Process(pid).memory_full_info().uss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500)
    calls = parser.parse_args().calls
    anvil = start_anvil(chain_id=31337)
    server = start_runmcp("testnet", anvil.url)
    try:
        assert server.popen is not None
        time.sleep(1)  # let start-up settle before reading the idle footprint
        idle, idle_uss = rss_mb(server.popen.pid), uss_mb(server.popen.pid)
        results = asyncio.run(measure(server.url, calls))
        after = rss_mb(server.popen.pid)
    finally:
        server.stop()
        anvil.stop()
    print(f"calls per tool: {calls} (one client session, loopback, Anvil)")
    for tool, samples in results.items():
        p50, p95, p99 = (percentile(samples, p) for p in (50, 95, 99))
        verdict = "ok" if p50 <= TARGETS_MS[tool] else "MISSED"
        print(
            f"{tool:18s} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  p99 {p99:6.2f} ms  "
            f"mean {statistics.mean(samples):6.2f} ms  "
            f"(target p50 <= {TARGETS_MS[tool]} ms: {verdict})"
        )
    verdict = "ok" if idle <= RSS_TARGET_MB else "MISSED"
    print(f"server RSS idle {idle:.1f} MB (target <= {RSS_TARGET_MB} MB: {verdict}); "
          f"USS idle {idle_uss:.1f} MB; RSS after the run {after:.1f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
