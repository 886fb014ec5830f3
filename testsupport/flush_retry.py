"""A transactional test's teardown empties every table (TRUNCATE, Django's flush) while a
backend the test started may still be writing (a socket closing, a turn ending). PostgreSQL
then breaks the deadlock by failing one side, and when that is the flush the test errors
after it passed (seen once in a four-worker run). The flush is retried: it runs in one
transaction, which the deadlock rolled back whole."""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.db import OperationalError
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.backends.postgresql.operations import DatabaseOperations
from psycopg.errors import DeadlockDetected

ATTEMPTS = 3


def install() -> None:
    assert "execute_sql_flush" not in vars(DatabaseOperations), "Django changed the flush"

    def execute_sql_flush(self: BaseDatabaseOperations, sql_list: Iterable[str]) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                BaseDatabaseOperations.execute_sql_flush(self, sql_list)
                return
            except OperationalError as error:
                if not isinstance(error.__cause__, DeadlockDetected) or attempt == ATTEMPTS:
                    raise
                time.sleep(0.2 * attempt)

    DatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
