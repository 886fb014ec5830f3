"""What simulating every write costs: prepare_token_transfer with and without eth_simulateV1.

    .venv/bin/python bench/bench_prepare.py [--simulation on|off|both] [--rounds 3]
                                            [--calls 200] [--warmup 20]

Starts its own Anvil with chain id 137, so "polygon" is a wallet network where prepare_* is the
write path, deploys a 6-decimal ERC-20 (mcp_servers/tests/contracts/TestToken.json) held by
alice, and for each arm starts a real `manage.py runmcp polygon` whose RPC URL is a counting
JSON-RPC proxy in this process (batches counted per inner call). Each arm calls
prepare_token_transfer (alice -> bob, 1.5 tokens) --calls times through the MCP SDK client
after --warmup calls, and reports the latency percentiles, the CPU that runmcp and Anvil used
per call (psutil, user + system) and the RPC calls per call by method.

The arms (--simulation):
  on   the node is Anvil as it is: the server simulates with eth_simulateV1 (traceTransfers);
  off  the proxy answers eth_simulateV1 and debug_traceCall with "method not found" (-32601),
       so the server falls back to eth_call + eth_estimateGas: the path before simulation,
       with no hook in the server. The server detects the method once, during the warm-up.
  both alternates off and on, --rounds times each (a fresh runmcp per round), and prints the
       median of the rounds and the check p50(on) <= 2 x p50(off).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil
from aiohttp import web

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from testsupport.processes import Anvil, McpServer, start_anvil, start_runmcp  # noqa: E402

NETWORK = "polygon"
CHAIN_ID = 137
TOOL = "prepare_token_transfer"
TOKEN_ARTIFACT = BASE_DIR / "mcp_servers/tests/contracts/TestToken.json"
ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # Anvil account 0, holds the supply
BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
HIDDEN_WHEN_OFF = ("eth_simulateV1", "debug_traceCall")
TARGET_RATIO = 2.0  # p50 with simulation / p50 without (issue 26)


class CountingProxy:
    """Forwards JSON-RPC to the node and counts each call by method; in the "off" arm it
    answers the simulation methods itself, as a node without them does."""

    def __init__(self, upstream: str, simulation: bool) -> None:
        self.upstream, self.simulation = upstream, simulation
        self.counts: Counter[str] = Counter()
        self.runner: web.AppRunner | None = None
        self.session: aiohttp.ClientSession | None = None
        self.url = ""

    async def start(self) -> None:
        self.session = aiohttp.ClientSession()
        app = web.Application(client_max_size=16 * 2**20)
        app.router.add_post("/", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
        if self.session is not None:
            await self.session.close()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        calls = body if isinstance(body, list) else [body]
        self.counts.update(str(call.get("method")) for call in calls)
        refused = [self.missing(call) for call in calls if self.hidden(call)]
        if refused and len(refused) == len(calls):
            return web.json_response(refused if isinstance(body, list) else refused[0])
        if refused:
            raise web.HTTPBadRequest(text="bench proxy: mixed batch with a hidden method")
        assert self.session is not None
        async with self.session.post(self.upstream, json=body) as answer:
            return web.Response(body=await answer.read(), content_type="application/json")

    def hidden(self, call: dict[str, Any]) -> bool:
        return not self.simulation and call.get("method") in HIDDEN_WHEN_OFF

    @staticmethod
    def missing(call: dict[str, Any]) -> dict[str, Any]:
        error = {"code": -32601, "message": f"the method {call.get('method')} does not exist"}
        return {"jsonrpc": "2.0", "id": call.get("id"), "error": error}


@dataclass
class ArmResult:
    arm: str
    latencies_ms: list[float]
    runmcp_cpu_ms: float  # per call
    anvil_cpu_ms: float  # per call
    rpc_per_call: dict[str, float] = field(default_factory=dict)

    def percentile(self, pct: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]

    @property
    def rpc_total(self) -> float:
        return sum(self.rpc_per_call.values())

    def line(self) -> str:
        methods = ", ".join(f"{m} {n:g}" for m, n in sorted(self.rpc_per_call.items()))
        return (
            f"{self.arm:3s} p50 {self.percentile(50):6.2f} ms  p95 {self.percentile(95):6.2f} ms"
            f"  p99 {self.percentile(99):6.2f} ms  runmcp CPU {self.runmcp_cpu_ms:5.2f} ms/call"
            f"  anvil CPU {self.anvil_cpu_ms:5.2f} ms/call  RPC/call {self.rpc_total:g} ({methods})"
        )


def deploy_token(rpc_url: str) -> str:
    from web3 import HTTPProvider, Web3

    artifact = json.loads(TOKEN_ARTIFACT.read_text())
    w3 = Web3(HTTPProvider(rpc_url))
    contract = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    tx_hash = contract.constructor("Bench USD", "BUSD", 6, 10**12).transact({"from": ALICE})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    assert receipt["status"] == 1
    return str(receipt["contractAddress"])


def cpu_seconds(pid: int) -> float:
    process = psutil.Process(pid)
    times = [process.cpu_times()] + [c.cpu_times() for c in process.children(recursive=True)]
    return sum(t.user + t.system for t in times)


async def time_calls(url: str, token: str, calls: int, warmup: int, proxy: CountingProxy,
                     pids: dict[str, int]) -> tuple[list[float], dict[str, float]]:  # fmt: skip
    """Latencies of ``calls`` prepared transfers after ``warmup``, and the CPU seconds each
    process used meanwhile; the proxy's counts cover the timed calls only."""
    from mcp import Client

    arguments = {"token": token, "from_address": ALICE, "to": BOB, "amount": "1.5"}
    async with Client(url) as client:
        for _ in range(warmup):  # connections, token metadata, the simulation method detected
            await client.call_tool(TOOL, arguments)
        proxy.counts.clear()
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        samples = []
        for _ in range(calls):
            started = time.perf_counter()
            result = await client.call_tool(TOOL, arguments)
            samples.append((time.perf_counter() - started) * 1000)
            assert not result.is_error, result
        used = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    return samples, used


async def run_arm(arm: str, anvil: Anvil, token: str, calls: int, warmup: int) -> ArmResult:
    proxy = CountingProxy(anvil.url, simulation=arm == "on")
    await proxy.start()
    server: McpServer | None = None
    try:
        server = await asyncio.to_thread(start_runmcp, NETWORK, proxy.url)
        assert server.popen is not None and anvil.popen is not None
        pids = {"runmcp": server.popen.pid, "anvil": anvil.popen.pid}
        samples, used = await time_calls(server.url, token, calls, warmup, proxy, pids)
    finally:
        if server is not None:
            await asyncio.to_thread(server.stop)
        await proxy.stop()
    per_call = {method: count / calls for method, count in proxy.counts.items()}
    return ArmResult(arm, samples, used["runmcp"] * 1000 / calls, used["anvil"] * 1000 / calls,
                     per_call)  # fmt: skip


def median_row(arm: str, results: list[ArmResult]) -> str:
    mine = [r for r in results if r.arm == arm]
    p50 = statistics.median(r.percentile(50) for r in mine)
    p95 = statistics.median(r.percentile(95) for r in mine)
    p99 = statistics.median(r.percentile(99) for r in mine)
    runmcp = statistics.median(r.runmcp_cpu_ms for r in mine)
    anvil = statistics.median(r.anvil_cpu_ms for r in mine)
    methods = ", ".join(f"{m} {n:g}" for m, n in sorted(mine[-1].rpc_per_call.items()))
    return (f"| {arm} | {p50:.2f} | {p95:.2f} | {p99:.2f} | {runmcp:.2f} | {anvil:.2f} | "
            f"{mine[-1].rpc_total:g}: {methods} |")  # fmt: skip


def report(results: list[ArmResult], calls: int) -> None:
    arms = sorted({r.arm for r in results}, reverse=True)  # on, off
    print(f"\nmedian of {len(results) // len(arms)} round(s), {calls} calls each:")
    print("| simulation | p50 ms | p95 ms | p99 ms | runmcp CPU ms/call | anvil CPU ms/call "
          "| RPC calls per call |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for arm in arms:
        print(median_row(arm, results))
    if arms == ["on", "off"]:
        p50 = {a: statistics.median(r.percentile(50) for r in results if r.arm == a) for a in arms}
        ratio = p50["on"] / p50["off"]
        verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
        print(f"p50 on / p50 off = {ratio:.2f} (target <= {TARGET_RATIO:g}: {verdict})")


async def run(arms: list[str], rounds: int, calls: int, warmup: int) -> None:
    anvil = await asyncio.to_thread(start_anvil, CHAIN_ID)
    try:
        token = await asyncio.to_thread(deploy_token, anvil.url)
        results = []
        for index in range(rounds):
            for arm in arms:
                result = await run_arm(arm, anvil, token, calls, warmup)
                print(f"round {index + 1}: {result.line()}", flush=True)
                results.append(result)
    finally:
        anvil.stop()
    report(results, calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--simulation", choices=["on", "off", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each arm (alternated)")
    parser.add_argument("--calls", type=int, default=200, help="timed calls per run")
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    arms = ["off", "on"] if args.simulation == "both" else [args.simulation]
    asyncio.run(run(arms, args.rounds, args.calls, args.warmup))


if __name__ == "__main__":
    main()
