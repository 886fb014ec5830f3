"""A tool call that times out never wedges the RPC calls that come after it.

web3 8.0.0's session manager takes one process-wide lock on every request, and a request
cancelled while waiting for it can leave the lock held by nobody (web3.py issue #3867): two
CI runs lost every later in-process call to it. mcp_servers/rpc_sessions.py replaces that
manager through web3's private ``_request_session_manager``; these tests fail loudly if the
replacement stops being used.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading

from web3._utils.http_session_manager import HTTPSessionManager

from mcp_servers.chain import Chain
from mcp_servers.rpc_sessions import OneSessionPerLoop
from testsupport.processes import Anvil


async def test_every_rpc_call_of_a_loop_shares_one_keepalive_session(chain: Chain) -> None:
    for _ in range(3):
        await chain.w3.eth.block_number
    manager = chain.w3.provider._request_session_manager  # type: ignore[attr-defined]
    assert isinstance(manager, OneSessionPerLoop)
    session = manager.session_cache[asyncio.get_running_loop()]
    assert list(manager.session_cache) == [asyncio.get_running_loop()]
    assert session.connector is not None and not session.connector.force_close


async def test_calls_answer_while_web3s_own_lock_is_held(chain: Chain) -> None:
    """If web3 stopped going through the replaced manager, this call would wait on the lock."""
    held = threading.Event()
    release = threading.Event()

    def hold_web3s_lock() -> None:
        with HTTPSessionManager._lock:
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_web3s_lock)
    holder.start()
    held.wait(5)
    try:
        assert await asyncio.wait_for(chain.w3.eth.chain_id, timeout=5) == 31337
    finally:
        release.set()
        holder.join()


def test_calls_cancelled_at_any_moment_never_wedge_the_next(anvil_testnet: Anvil) -> None:
    """In a process of its own: 1,200 calls cancelled after 0-4 ms, then one normal call.
    `python -m mcp_servers.tests.rpc_hammer <rpc url> stock` runs the same against web3's own
    manager, which usually wedges (timing decides, so it is no test): when it never does any
    more, web3 fixed #3867 and rpc_sessions.py needs to stay only for its keep-alive."""
    run = subprocess.run(
        [sys.executable, "-m", "mcp_servers.tests.rpc_hammer", anvil_testnet.url, "ours"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.stdout.strip() == "answers", run.stderr[-2000:]
