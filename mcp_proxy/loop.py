"""The proxy's event loop: daphne's own when this process is daphne, else one background thread
of its own for the whole process.

Every MCP connection, circuit breaker probe and health check lives on this loop, so one
initialized client per server URL serves every caller: daphne's loop, the agent's turns,
the per-request loops of async_to_sync and the per-test loops of pytest-asyncio. Objects
bound to a loop never cross loops; callers only await a future (no blocking). In daphne the
agent's turns run on the server's own loop, so there a tool call crosses no thread (0.3 ms of
daphne's CPU per turn, docs/benchmarks.md); tests and other servers get the thread.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_owner_pid = 0
_threaded = False


def proxy_loop() -> asyncio.AbstractEventLoop:
    """The proxy's loop, chosen on first use (and again after a fork)."""
    global _loop, _owner_pid, _threaded
    with _lock:
        if _loop is None or _owner_pid != os.getpid():
            _owner_pid = os.getpid()
            _loop = _daphne_loop()
            _threaded = _loop is None
            if _loop is None:
                _loop = asyncio.new_event_loop()
                thread = threading.Thread(target=_loop.run_forever, name="mcp-proxy", daemon=True)
                thread.start()
        return _loop


def _daphne_loop() -> asyncio.AbstractEventLoop | None:
    """The loop under daphne's Twisted reactor (asyncioreactor), when it runs in this process."""
    reactor = sys.modules.get("twisted.internet.reactor")
    loop = getattr(reactor, "_asyncioEventloop", None)
    return loop if isinstance(loop, asyncio.AbstractEventLoop) and loop.is_running() else None


def run_at_exit(coro: Coroutine[Any, Any, None], timeout: float = 5) -> None:
    """Run ``coro`` on the proxy loop while the process exits: on its thread, which still runs,
    or on daphne's loop, which stopped with the server."""
    with _lock:
        loop, threaded = _loop, _threaded
        if loop is None or _owner_pid != os.getpid() or loop.is_closed():
            loop = None
    if loop is not None and threaded and loop.is_running():
        asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=timeout)
    elif loop is not None and not loop.is_running():
        loop.run_until_complete(asyncio.wait_for(coro, timeout))
    else:
        coro.close()


async def run_on_proxy_loop(coro: Coroutine[Any, Any, T]) -> T:
    """Await ``coro`` on the proxy loop from any loop; cancelling the caller cancels it."""
    loop = proxy_loop()
    if asyncio.get_running_loop() is loop:
        return await coro
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))
