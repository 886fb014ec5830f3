"""`manage.py cleanup_sessions`: one pass, and a loop that stops cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from sessions_app import manager
from sessions_app.models import ChatSession
from sessions_app.owner import Owner

BASE_DIR = Path(__file__).resolve().parents[2]
OWNER = Owner(session_key="alice-browser")


def written_chat() -> ChatSession:
    """A chat with a message (one never written in is deleted once it expires)."""
    chat = manager.create_chat_session(OWNER)
    chat.add_message("user", "hello")
    return chat


def make_sessions(stale: int, fresh: int) -> tuple[list[int], list[int]]:
    sessions = [written_chat().pk for _ in range(stale + fresh)]
    idle_since = timezone.now() - timedelta(seconds=django_settings.SESSION_TIMEOUT + 60)
    ChatSession.objects.filter(pk__in=sessions[:stale]).update(last_activity_at=idle_since)
    return sessions[:stale], sessions[stale:]


def statuses(pks: list[int]) -> set[str]:
    return set(ChatSession.objects.filter(pk__in=pks).values_list("status", flat=True))


@pytest.mark.django_db
def test_one_pass_expires_stale_sessions_and_says_how_many():
    stale, fresh = make_sessions(stale=2, fresh=1)
    out = StringIO()
    call_command("cleanup_sessions", stdout=out)
    assert "Expired 2 stale chat session(s)." in out.getvalue()
    assert statuses(stale) == {"expired"}
    assert statuses(fresh) == {"active"}


@pytest.mark.django_db
def test_one_pass_with_nothing_to_do_reports_zero():
    out = StringIO()
    call_command("cleanup_sessions", stdout=out)
    assert "Expired 0 stale chat session(s)." in out.getvalue()


@pytest.mark.django_db
def test_non_positive_interval_is_refused():
    with pytest.raises(CommandError, match="interval"):
        call_command("cleanup_sessions", "--loop", "--interval", "0")


def database_url_of_test_database() -> str:
    # PostgreSQL: testsupport/services.py starts one when DATABASE_URL is unset.
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    user = quote(db.get("USER") or "", safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def start_loop(interval: float) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": database_url_of_test_database(), "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable,
        "manage.py",
        "cleanup_sessions",
        "--loop",
        "--interval",
        str(interval),
    ]
    return subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for(check, timeout: float, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)
    raise AssertionError(f"not done within {timeout} s")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.django_db(transaction=True)
def test_loop_expires_sessions_and_exits_cleanly_on_signal(stop_signal):
    stale, fresh = make_sessions(stale=2, fresh=1)
    process = start_loop(interval=0.2)
    try:
        wait_for(lambda: statuses(stale) == {"expired"}, timeout=60, process=process)
        # A later pass picks up a session that goes stale while the loop runs.
        late, _ = make_sessions(stale=1, fresh=0)
        wait_for(lambda: statuses(late) == {"expired"}, timeout=30, process=process)
        process.send_signal(stop_signal)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "stopped" in out
    assert statuses(fresh) == {"active"}
    # Passes that expire nothing stay silent: the log shows only the passes that did something.
    assert "Expired 0" not in out
    assert "Expired 2 stale chat session(s)." in out


@pytest.mark.django_db(transaction=True)
def test_loop_with_long_interval_still_stops_promptly():
    # The wait is an Event, not a sleep: SIGTERM must not wait out an hour-long interval.
    process = start_loop(interval=3600)
    try:
        assert process.stdout is not None
        # The first line is written once the signal handlers are in place.
        assert "a pass every" in process.stdout.readline()
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        process.communicate(timeout=10)
        stopped_after = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert stopped_after < 10
