"""The proxy's own event loop, in one background thread for the whole process.

Every MCP connection, circuit breaker probe and health check lives on this loop, so one
initialized client per server URL serves every caller: daphne's loop, the agent's turns,
the per-request loops of async_to_sync and the per-test loops of pytest-asyncio. Objects
bound to a loop never cross loops; callers only await a future (no blocking).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_owner_pid = 0


def proxy_loop() -> asyncio.AbstractEventLoop:
    """The running background loop, started on first use (and again after a fork)."""
    global _loop, _owner_pid
    with _lock:
        if _loop is None or _owner_pid != os.getpid():
            _loop = asyncio.new_event_loop()
            _owner_pid = os.getpid()
            thread = threading.Thread(target=_loop.run_forever, name="mcp-proxy", daemon=True)
            thread.start()
        return _loop


def running_proxy_loop() -> asyncio.AbstractEventLoop | None:
    """The proxy loop when this process started it and it still runs; None otherwise."""
    with _lock:
        if _loop is None or _owner_pid != os.getpid() or not _loop.is_running():
            return None
        return _loop


async def run_on_proxy_loop(coro: Coroutine[Any, Any, T]) -> T:
    """Await ``coro`` on the proxy loop from any loop; cancelling the caller cancels it."""
    loop = proxy_loop()
    if asyncio.get_running_loop() is loop:
        return await coro
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))
