"""How a transactional test's teardown empties the tables (Django's flush) in the tests.

- DELETE, not TRUNCATE: PostgreSQL's TRUNCATE of the twenty-odd tables takes 66 ms on the
  tests' own server (120 ms with fsync), a DELETE of their few rows a few: about 450 tests
  flush. Django's foreign keys on PostgreSQL are DEFERRABLE INITIALLY DEFERRED, so the
  order of the DELETEs does not matter inside the flush's one transaction. A flush that asks
  for the sequences back is Django's own.
- Retried when PostgreSQL picked it as a deadlock's victim: a backend the test started may
  still be writing (a socket closing, a turn ending); the deadlock rolled the flush back whole.

Both replace methods of Django's PostgreSQL ``DatabaseOperations`` that it inherits or
defines today; ``install`` fails loudly when that changes (Django is pinned).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import OperationalError
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.backends.postgresql.operations import DatabaseOperations
from psycopg.errors import DeadlockDetected

ATTEMPTS = 3


def install() -> None:
    assert "execute_sql_flush" not in vars(DatabaseOperations), "Django changed the flush"
    assert "sql_flush" in vars(DatabaseOperations), "Django changed the flush's SQL"
    truncate = DatabaseOperations.sql_flush

    def sql_flush(
        self: DatabaseOperations,
        style: Any,
        tables: Sequence[str],
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if reset_sequences:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [f"DELETE FROM {self.quote_name(table)}" for table in tables]

    def execute_sql_flush(self: BaseDatabaseOperations, sql_list: Iterable[str]) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                BaseDatabaseOperations.execute_sql_flush(self, sql_list)
                return
            except OperationalError as error:
                if not isinstance(error.__cause__, DeadlockDetected) or attempt == ATTEMPTS:
                    raise
                time.sleep(0.2 * attempt)

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign,assignment]
    DatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
