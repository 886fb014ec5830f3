"""A transactional test's teardown flush empties every table with DELETE, content types and
permissions restored after it as Django's flush does; one that PostgreSQL chose as a
deadlock's victim runs again (testsupport/flush.py); any other error, or a third deadlock,
still fails."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import OperationalError, connection
from django.db.backends.base.operations import BaseDatabaseOperations
from django.test.utils import CaptureQueriesContext
from psycopg.errors import DeadlockDetected, UndefinedTable

from sessions_app.models import ChatSession, Message


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


@pytest.mark.django_db(transaction=True)
def test_the_flush_deletes_every_row_and_restores_the_content_types():
    chat = ChatSession.objects.create(owner_key="alice-browser")
    chat.add_message(Message.Role.USER, "hello")  # a row that refers to another
    with CaptureQueriesContext(connection) as captured:
        call_command("flush", verbosity=0, interactive=False, reset_sequences=False)
    emptied = [q["sql"] for q in captured if q["sql"].startswith(("DELETE", "TRUNCATE"))]
    assert emptied and all(sql.startswith("DELETE FROM") for sql in emptied)
    assert not ChatSession.objects.exists() and not Message.objects.exists()
    assert ContentType.objects.filter(app_label="chat", model="chatsession").exists()
    assert Permission.objects.filter(codename="view_chatsession").exists()
