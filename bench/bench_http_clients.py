"""The MCP proxy's HTTP client, A/B: CPU per JSON-RPC POST of httpx2 (the MCP SDK's client,
used by mcp_proxy/rpc.py until issue 12) against aiohttp (web3's, used now), ten calls in
flight on one keep-alive pool, against a minimal HTTP/1.1 server in another process that
answers every POST with a 0.4 KB tools/call result. Nothing else is needed:

    .venv/bin/python bench/bench_http_clients.py [--calls 2000] [--rounds 3]

Prints the client's CPU (time.process_time) per call for each, alternating, --rounds times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import aiohttp
import httpx2

PORT = 18765
URL = f"http://127.0.0.1:{PORT}/mcp"
RESULT = {"content": [{"type": "text", "text": "x" * 300}], "structuredContent": {"wei": "1"}}
ANSWER = json.dumps({"jsonrpc": "2.0", "id": 1, "result": RESULT}).encode()
CALL = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "tools/call",
    "params": {"name": "get_balance", "arguments": {"address": "0x" + "b" * 40}},
}
HEADERS = {
    "accept": "application/json, text/event-stream",
    "content-type": "application/json",
    "authorization": "Bearer token",
    "mcp-protocol-version": "2025-11-25",
}
IN_FLIGHT = 10


async def serve() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in request.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                writer.write(head % len(ANSWER) + ANSWER)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", PORT)
    async with server:
        await server.serve_forever()


async def cpu_per_call(call: Callable[[], Awaitable[None]], calls: int) -> float:
    for _ in range(50):  # connections open, code warm
        await call()
    started = time.process_time()
    for _ in range(calls // IN_FLIGHT):
        await asyncio.gather(*(call() for _ in range(IN_FLIGHT)))
    return (time.process_time() - started) / calls * 1e6


async def with_httpx2(calls: int) -> float:
    limits = httpx2.Limits(max_connections=16, max_keepalive_connections=16)
    async with httpx2.AsyncClient(limits=limits, trust_env=False) as client:

        async def call() -> None:
            response = await client.post(URL, json=CALL, headers=HEADERS, timeout=5)
            response.json()

        return await cpu_per_call(call, calls)


async def with_aiohttp(calls: int) -> float:
    connector = aiohttp.TCPConnector(limit=16)
    async with aiohttp.ClientSession(connector=connector, trust_env=False) as client:
        limit = aiohttp.ClientTimeout(total=5)

        async def call() -> None:
            body = json.dumps(CALL).encode()
            async with client.post(URL, data=body, headers=HEADERS, timeout=limit) as response:
                json.loads(await response.read())

        return await cpu_per_call(call, calls)


def main() -> None:
    if sys.argv[1:] == ["serve"]:
        asyncio.run(serve())
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    server = subprocess.Popen([sys.executable, __file__, "serve"])
    try:
        time.sleep(1)
        for _ in range(args.rounds):
            print(f"httpx2  {asyncio.run(with_httpx2(args.calls)):.0f} us CPU per call")
            print(f"aiohttp {asyncio.run(with_aiohttp(args.calls)):.0f} us CPU per call")
    finally:
        server.kill()


if __name__ == "__main__":
    main()
