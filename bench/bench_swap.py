"""What quoting and preparing a Uniswap V3 swap costs: quote_swap and prepare_swap on the
local testnet's kit.

    .venv/bin/python bench/bench_swap.py [--calls 200] [--warmup 20]

Starts its own Anvil (chain id 31337) and a real `manage.py runmcp testnet` whose RPC URL is
bench_prepare's counting JSON-RPC proxy; the first warm-up call installs the testnet kit (WETH,
USDC, DAI, Uniswap V3 pools, the ETH/USD feed). Then, through the MCP SDK client, each arm runs
--calls times after --warmup calls, and the report gives the latency percentiles, the CPU that
runmcp and Anvil used per call (psutil, user + system) and the RPC calls per call by method:
  quote            quote_swap 1 ETH -> USDC (four fee tiers looked up, QuoterV2 per pool);
  prepare_eth      prepare_swap 1 ETH -> USDC for alice (one call: the swap, ETH as value);
  prepare_approve  prepare_swap 100 USDC -> DAI for alice (two calls: the exact approval,
                   then the swap, simulated in order with eth_simulateV1).
Nothing is sent, so every call sees the same chain.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench_prepare import ArmResult, CountingProxy, cpu_seconds  # noqa: E402

from testsupport.processes import Anvil, McpServer, start_anvil, start_runmcp  # noqa: E402

NETWORK = "testnet"
CHAIN_ID = 31337
ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # Anvil account 0
ARMS: dict[str, tuple[str, dict[str, Any]]] = {
    "quote": ("quote_swap", {"token_in": "ETH", "token_out": "USDC", "amount": "1"}),
    "prepare_eth": (
        "prepare_swap",
        {"token_in": "ETH", "token_out": "USDC", "amount": "1", "from_address": ALICE},
    ),
    "prepare_approve": (
        "prepare_swap",
        {"token_in": "USDC", "token_out": "DAI", "amount": "100", "from_address": ALICE},
    ),
}


async def time_arm(
    client: Any, arm: str, calls: int, warmup: int, proxy: CountingProxy, pids: dict[str, int]
) -> ArmResult:
    tool, arguments = ARMS[arm]
    for _ in range(warmup):
        result = await client.call_tool(tool, arguments)
        assert not result.is_error, result
    proxy.counts.clear()
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        result = await client.call_tool(tool, arguments)
        samples.append((time.perf_counter() - started) * 1000)
        assert not result.is_error, result
    used = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    per_call = {method: count / calls for method, count in proxy.counts.items()}
    return ArmResult(arm, samples, used["runmcp"] * 1000 / calls, used["anvil"] * 1000 / calls,
                     per_call)  # fmt: skip


async def run(calls: int, warmup: int) -> list[ArmResult]:
    from mcp import Client

    anvil: Anvil = await asyncio.to_thread(start_anvil, CHAIN_ID)
    proxy = CountingProxy(anvil.url, simulation=True)
    await proxy.start()
    server: McpServer | None = None
    results = []
    try:
        server = await asyncio.to_thread(start_runmcp, NETWORK, proxy.url)
        assert server.popen is not None and anvil.popen is not None
        pids = {"runmcp": server.popen.pid, "anvil": anvil.popen.pid}
        async with Client(server.url) as client:
            for arm in ARMS:
                result = await time_arm(client, arm, calls, warmup, proxy, pids)
                print(result.line(), flush=True)
                results.append(result)
    finally:
        if server is not None:
            await asyncio.to_thread(server.stop)
        await proxy.stop()
        anvil.stop()
    return results


def report(results: list[ArmResult], calls: int) -> None:
    print(f"\n{calls} calls per arm:")
    print("| arm | p50 ms | p95 ms | p99 ms | runmcp CPU ms/call | anvil CPU ms/call "
          "| RPC calls per call |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for r in results:
        methods = ", ".join(f"{m} {n:g}" for m, n in sorted(r.rpc_per_call.items()))
        print(f"| {r.arm} | {r.percentile(50):.2f} | {r.percentile(95):.2f} | "
              f"{r.percentile(99):.2f} | {r.runmcp_cpu_ms:.2f} | {r.anvil_cpu_ms:.2f} | "
              f"{r.rpc_total:g}: {methods} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--calls", type=int, default=200, help="timed calls per arm")
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    report(asyncio.run(run(args.calls, args.warmup)), args.calls)


if __name__ == "__main__":
    main()
