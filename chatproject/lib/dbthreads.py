"""Database work of the chat (turns, consumer, SSE) on a small pool of threads that keep their
connections open.

Channels' database_sync_to_async runs every call on one shared thread and, with CONN_MAX_AGE=0,
opens a new connection per call: with many concurrent turns that serializes everything. Here a
few threads run calls in parallel, each with its own persistent connection; a connection that
failed is dropped so that the next call reconnects, and so are the other threads' connections:
after a database outage they are as dead as the one that failed, and each would otherwise fail
one more user's call before reconnecting (tests/faults/test_postgres_outage.py).

Django's psycopg pool behind ``sync_to_async`` does the same only with CONN_HEALTH_CHECKS (a
check before every checkout): 0.42-0.49 ms of CPU a query against 0.31-0.34 ms here, and
channels' ``database_sync_to_async`` runs every call on one thread (bench/bench_infra.py
--piece dbthreads).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

# Threads (each with its connection) per process, unless CHAT_DB_THREADS says otherwise.
DEFAULT_WORKERS = 8
_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_owner_pid = 0
# Bumped when a call finds its connection unusable; a thread whose connections are older
# reconnects before its next call. One integer compared per call; no health-check query.
_generation = 0
_local = threading.local()
# Each database thread's connection objects (Django's, one per alias), for shutdown().
_opened: list[BaseDatabaseWrapper] = []


def _pool() -> ThreadPoolExecutor:
    global _executor, _owner_pid
    with _lock:
        if _executor is None or _owner_pid != os.getpid():
            workers = int(os.environ.get("CHAT_DB_THREADS", "0")) or DEFAULT_WORKERS
            _executor = ThreadPoolExecutor(
                max_workers=workers,
                thread_name_prefix="chat-db",
                initializer=_remember_this_threads_connections,
            )
            if _owner_pid != os.getpid():
                _opened.clear()  # a forked child's: the parent's threads are not here
            _owner_pid = os.getpid()
        return _executor


def _run(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    if getattr(_local, "generation", 0) != _generation:
        connections.close_all()  # opened before another thread found the database gone
        _local.generation = _generation
    try:
        result = function(*args, **kwargs)
    except DatabaseError:
        _check_connections()
        raise
    if any(c.errors_occurred for c in connections.all(initialized_only=True)):
        _check_connections()  # an error the function handled itself (turns.finish_and_claim_next)
    return result


def _remember_this_threads_connections() -> None:
    """Run once by each new thread: ``shutdown`` closes them after the thread has exited.
    (Asking each thread to close its own missed one when the executor started a new thread
    for a close request.)"""
    with _lock:
        _opened.extend(connections[alias] for alias in connections)


def _check_connections() -> None:
    global _generation
    if _close_unusable():
        _generation += 1
        _local.generation = _generation
        log.warning("a database connection was lost; every database thread reconnects")


def _close_unusable() -> bool:
    """Close this thread's connections that no longer answer; whether one was lost (closed
    here, or left closed by a reconnect that failed while the error was handled)."""
    lost = False
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            lost = True
        elif not connection.is_usable():
            connection.close()
            lost = True
        else:
            connection.errors_occurred = False
    return lost


def db(function: Callable[P, T]) -> Callable[P, Awaitable[T]]:
    """``await db(f)(...)`` runs ``f`` on the pool without blocking the event loop."""

    @functools.wraps(function)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        call = functools.partial(_run, function, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(_pool(), call)

    return wrapper


def shutdown() -> None:
    """Close every pool thread's connections and stop the threads (tests, process exit)."""
    global _executor
    with _lock:
        executor, _executor = _executor, None
        opened, _opened[:] = list(_opened), []
    if executor is not None:
        executor.shutdown(wait=True)  # the threads finish their calls and exit
    # On a thread of its own: a caller may be a coroutine, where Django refuses to close.
    closer = threading.Thread(target=_close, args=(opened,), name="chat-db-close")
    closer.start()
    closer.join()


def _close(opened: list[BaseDatabaseWrapper]) -> None:
    for connection in opened:
        # Its thread is gone: Django lets another close it once sharing is allowed.
        connection.inc_thread_sharing()
        try:
            connection.close()
        finally:
            connection.dec_thread_sharing()
    # With the connection pool (DATABASE_POOL), a closed connection goes back to the pool, open:
    # closing the pool closes them on PostgreSQL (the next query opens a new pool).
    for connection in connections.all():
        if getattr(connection, "pool", None) is not None:  # PostgreSQL's wrapper, pool on
            connection.close_pool()  # type: ignore[attr-defined]
