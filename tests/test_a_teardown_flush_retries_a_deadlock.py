"""A transactional test's teardown flush that PostgreSQL chose as a deadlock's victim runs
again (testsupport/flush_retry.py); any other error, or a third deadlock, still fails."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.db.backends.base.operations import BaseDatabaseOperations
from psycopg.errors import DeadlockDetected, UndefinedTable


def flush_failing(monkeypatch: pytest.MonkeyPatch, errors: list[Exception]) -> list[int]:
    """Django's flush, failing with ``errors`` in turn, then succeeding; the calls made."""
    calls: list[int] = []

    def flush(self: BaseDatabaseOperations, sql_list: object) -> None:
        calls.append(1)
        if errors:
            cause = errors.pop(0)
            raise OperationalError(str(cause)) from cause

    monkeypatch.setattr(BaseDatabaseOperations, "execute_sql_flush", flush)
    return calls


def test_a_deadlocked_flush_runs_again(monkeypatch):
    calls = flush_failing(monkeypatch, [DeadlockDetected("deadlock detected")] * 2)
    connection.ops.execute_sql_flush(["TRUNCATE x"])
    assert len(calls) == 3


def test_a_third_deadlock_and_any_other_error_still_fail(monkeypatch):
    flush_failing(monkeypatch, [DeadlockDetected("deadlock detected")] * 3)
    with pytest.raises(OperationalError):
        connection.ops.execute_sql_flush(["TRUNCATE x"])
    calls = flush_failing(monkeypatch, [UndefinedTable("no such table")])
    with pytest.raises(OperationalError):
        connection.ops.execute_sql_flush(["TRUNCATE x"])
    assert len(calls) == 1
