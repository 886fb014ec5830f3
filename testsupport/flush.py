"""How a transactional test's teardown empties the tables (Django's flush) in the tests.

- DELETE, not TRUNCATE: PostgreSQL's TRUNCATE of the twenty-odd tables takes 66 ms on the
  tests' own server (120 ms with fsync), a DELETE of their few rows a few: about 450 tests
  flush. Django's foreign keys on PostgreSQL are DEFERRABLE INITIALLY DEFERRED, so the
  order of the DELETEs does not matter inside the flush's one transaction. A flush that asks
  for the sequences back is Django's own.
- Content types and permissions are kept: Django's flush empties them and then re-creates
  them through post_migrate (15 ms a flush, 16 s of a run's CPU); they are the same rows
  every time, so the DELETE keeps them and the flush skips post_migrate. The rows that refer
  to them (a user's or a group's permissions) go.
- Retried when PostgreSQL picked it as a deadlock's victim: a backend the test started may
  still be writing (a socket closing, a turn ending); the deadlock rolled the flush back whole.

They replace methods of Django's PostgreSQL ``DatabaseOperations`` that it inherits or defines
today, and wrap the flush command's ``handle``; ``install`` fails loudly when that changes
(Django is pinned)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.management.commands import flush as flush_command
from django.db import OperationalError
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.backends.postgresql.operations import DatabaseOperations
from psycopg.errors import DeadlockDetected

ATTEMPTS = 3
KEPT = ("django_content_type", "auth_permission")  # what post_migrate would write back


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
        return [f"DELETE FROM {self.quote_name(table)}" for table in tables if table not in KEPT]

    def execute_sql_flush(self: BaseDatabaseOperations, sql_list: Iterable[str]) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                BaseDatabaseOperations.execute_sql_flush(self, sql_list)
                return
            except OperationalError as error:
                if not isinstance(error.__cause__, DeadlockDetected) or attempt == ATTEMPTS:
                    raise
                time.sleep(0.2 * attempt)

    handle = flush_command.Command.handle
    assert "inhibit_post_migrate" in flush_command.Command.stealth_options, "Django changed flush"

    def handle_keeping_content_types(self: flush_command.Command, **options: Any) -> None:
        if not options.get("reset_sequences", True):  # the DELETEs: as Django reads it
            options["inhibit_post_migrate"] = True  # what it would re-create was kept
        handle(self, **options)

    flush_command.Command.handle = handle_keeping_content_types  # type: ignore[method-assign]
    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign,assignment]
    DatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
