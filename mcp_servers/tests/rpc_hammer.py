"""Run as a script: cancel many RPC calls at random moments, then make one normal call.

``python -m mcp_servers.tests.rpc_hammer <rpc url> ours|stock`` prints ``answers`` or
``wedged``. It runs in a process of its own because the stock arm, when it wedges, leaves
web3's process-wide lock held and pool threads blocked for good.
"""

from __future__ import annotations

import asyncio
import random
import sys
import threading

import aiohttp
from web3 import AsyncHTTPProvider, AsyncWeb3

from mcp_servers.chain import make_web3

THREADS = 3
CALLS_PER_THREAD = 400


def client(url: str, arm: str) -> AsyncWeb3:
    if arm == "ours":
        return make_web3(url, timeout=5)
    provider = AsyncHTTPProvider(
        url,
        request_kwargs={"timeout": aiohttp.ClientTimeout(total=5)},
        exception_retry_configuration=None,
    )
    return AsyncWeb3(provider)


async def cancel_at_random(w3: AsyncWeb3) -> None:
    for _ in range(CALLS_PER_THREAD):
        try:
            await asyncio.wait_for(w3.eth.block_number, timeout=random.uniform(0, 0.004))
        except Exception:  # a cancelled or failed call is the point here
            continue


def main(url: str, arm: str) -> str:
    threads = [
        threading.Thread(target=lambda: asyncio.run(cancel_at_random(client(url, arm))))
        for _ in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    async def one_call() -> int:
        return await asyncio.wait_for(client(url, arm).eth.block_number, timeout=5)

    try:
        asyncio.run(one_call())
    except TimeoutError:
        return "wedged"
    return "answers"


if __name__ == "__main__":
    print(main(sys.argv[1], sys.argv[2]), flush=True)
    sys.stdout.flush()
    # A wedged pool's threads never end; they must not hold the interpreter open.
    import os

    os._exit(0)
