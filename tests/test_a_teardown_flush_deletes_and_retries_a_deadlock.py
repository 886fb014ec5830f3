"""A transactional test's teardown flush empties every table with DELETE but the content types
and permissions, which Django's flush would empty and write back the same; one that PostgreSQL
chose as a deadlock's victim runs again (testsupport/flush.py); any other error, or a third
deadlock, still fails."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
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
def test_the_flush_deletes_every_row_but_the_content_types_and_permissions():
    chat = ChatSession.objects.create(owner_key="alice-browser")
    chat.add_message(Message.Role.USER, "hello")  # a row that refers to another
    bob = User.objects.create_user("bob")
    bob.user_permissions.add(Permission.objects.get(codename="view_chatsession"))
    kept = (ContentType.objects.count(), Permission.objects.count())
    with CaptureQueriesContext(connection) as captured:
        call_command("flush", verbosity=0, interactive=False, reset_sequences=False)
    emptied = [q["sql"] for q in captured if q["sql"].startswith(("DELETE", "TRUNCATE"))]
    assert emptied and all(sql.startswith("DELETE FROM") for sql in emptied)
    assert not ChatSession.objects.exists() and not Message.objects.exists()
    assert not User.objects.exists() and not User.user_permissions.through.objects.exists()
    assert (ContentType.objects.count(), Permission.objects.count()) == kept
    assert ContentType.objects.filter(app_label="chat", model="chatsession").exists()
    # No post_migrate: it would read the content types and permissions back, app by app.
    assert not [q["sql"] for q in captured if "django_content_type" in q["sql"]]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("options", [{"reset_sequences": True}, {}], ids=["asked", "by default"])
def test_a_flush_that_resets_sequences_is_djangos_own(options):
    with CaptureQueriesContext(connection) as captured:
        call_command("flush", verbosity=0, interactive=False, **options)
    assert any(q["sql"].startswith("TRUNCATE") for q in captured)
    assert Permission.objects.filter(codename="view_chatsession").exists()  # post_migrate ran
