"""Benchmark: MCP tool latency through the SDK client over loopback, and idle server RSS.

Starts a real Anvil and a real `manage.py runmcp testnet` on free ports, deploys a 6-decimal
ERC-20 (TestToken.sol, compiled with solc from npm), then times get_block_number, get_balance,
get_token_balance and get_portfolio (native + 3 tokens through Multicall3, one eth_call)
through one reused client session. get_token_balance's p50 should stay within 1.3x of
get_balance's.

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
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")

from mcp import Client

from testsupport.processes import start_anvil, start_runmcp
from testsupport.solidity import compile_sources

TOKEN_SOURCE = Path(__file__).resolve().parent.parent / "mcp_servers/tests/contracts/TestToken.sol"

TARGETS_MS = {
    "get_block_number": 5.0,
    "get_balance": 8.0,
    "get_token_balance": 10.4,
    "get_portfolio": 12.0,
}
TOKEN_VS_BALANCE = 1.3  # get_token_balance p50 / get_balance p50
RSS_TARGET_MB = 80.0


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def time_tools(
    client: Client, tools: dict[str, dict[str, Any]], calls: int
) -> dict[str, list[float]]:
    """Round robin over the tools (one call of each, then again), so that every tool sees the
    same moments of load on a shared machine and their ratios stay fair."""
    for tool, args in tools.items():
        for _ in range(20):  # warm-up: connections, caches, the first chain-id check
            await client.call_tool(tool, args)
    samples: dict[str, list[float]] = {tool: [] for tool in tools}
    for _ in range(calls):
        for tool, args in tools.items():
            started = time.perf_counter()
            result = await client.call_tool(tool, args)
            samples[tool].append((time.perf_counter() - started) * 1000)
            assert not result.is_error, result
    return samples


def deploy_tokens(rpc_url: str, count: int) -> list[str]:
    from web3 import HTTPProvider, Web3

    artifact = compile_sources(TOKEN_SOURCE)["TestToken"]
    w3 = Web3(HTTPProvider(rpc_url))
    contract = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    addresses = []
    for index in range(count):
        tx = contract.constructor(f"Bench {index}", f"B{index}", 6, 10**12).transact(
            {"from": w3.eth.accounts[0]}
        )
        addresses.append(str(w3.eth.wait_for_transaction_receipt(tx)["contractAddress"]))
    return addresses


async def measure(url: str, calls: int, tokens: list[str]) -> dict[str, list[float]]:
    tools: dict[str, dict[str, Any]] = {
        "get_block_number": {},
        "get_balance": {"address": "alice"},
        "get_token_balance": {"token": tokens[0], "address": "alice"},
        "get_portfolio": {"address": "alice", "tokens": tokens},
    }
    async with Client(url) as client:
        return await time_tools(client, tools, calls)


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
        tokens = deploy_tokens(anvil.url, 3)
        results = asyncio.run(measure(server.url, calls, tokens))
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
    ratio = percentile(results["get_token_balance"], 50) / percentile(results["get_balance"], 50)
    verdict = "ok" if ratio <= TOKEN_VS_BALANCE else "MISSED"
    print(f"get_token_balance p50 / get_balance p50 = {ratio:.2f} "
          f"(target <= {TOKEN_VS_BALANCE}: {verdict})")  # fmt: skip
    verdict = "ok" if idle <= RSS_TARGET_MB else "MISSED"
    print(f"server RSS idle {idle:.1f} MB (target <= {RSS_TARGET_MB} MB: {verdict}); "
          f"USS idle {idle_uss:.1f} MB; RSS after the run {after:.1f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
