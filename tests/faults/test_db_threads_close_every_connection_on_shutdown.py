"""Shutting the database threads down closes the connection of every thread, not just one.

``dbthreads.shutdown`` once asked each thread to close its own connections, counted through
the stdlib's private ``ThreadPoolExecutor._threads``: when the executor started a new thread
for one of those requests, an old thread's connection stayed open (seen in two full runs).
Each thread's connections are now remembered and closed once the threads have exited.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from django.db import connection

from chatproject.lib import dbthreads

pytestmark = pytest.mark.django_db(transaction=True)


def backend_pid_after_a_pause() -> int:
    time.sleep(0.2)  # long enough that the calls land on threads of their own
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def still_connected(pids: set[int], within: float = 10.0) -> set[int]:
    """The backends of ``pids`` still listed after ``within`` seconds: a closed connection's
    backend leaves pg_stat_activity when its process exits, a moment after the close (more
    than 3 s once, with the other test worker's servers busy on both cores); an open one
    stays."""
    deadline = time.monotonic() + within
    try:
        while True:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pid FROM pg_stat_activity WHERE pid = ANY(%s)", [list(pids)])
                listed = {row[0] for row in cursor.fetchall()}
            if not listed or time.monotonic() > deadline:
                return listed
            time.sleep(0.05)
    finally:
        connection.close()  # this helper thread's own connection


async def test_every_threads_connection_is_closed() -> None:
    dbthreads.shutdown()  # a fresh pool for this test
    run = dbthreads.db(backend_pid_after_a_pause)
    pids = set(await asyncio.gather(*(run() for _ in range(4))))
    assert len(pids) == 4, "the calls did not run on four threads"
    dbthreads.shutdown()
    assert await asyncio.to_thread(still_connected, pids) == set()
