"""The embedded setup (SQLite file) also holds MAX_SESSIONS under concurrent first messages.

SQLite has no advisory locks; the settings open every transaction with BEGIN IMMEDIATE, which
serializes count-then-take (the unique index on places holds anyway). Run in a subprocess
with its own SQLite file, since the test
database of this run is PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

SCRIPT = """
import threading
from concurrent.futures import ThreadPoolExecutor

import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.db import connections

call_command("migrate", verbosity=0)
from sessions_app import manager
from sessions_app.models import ChatSession
from sessions_app.owner import Owner

settings.MAX_SESSIONS = 5
start = threading.Barrier(20)

opened = [manager.create_chat_session(Owner(session_key=f"browser-{i}")) for i in range(20)]

def first_message(chat):
    try:
        start.wait(timeout=60)
        manager.take_place(chat)
        return "created"
    except manager.SessionLimitReached:
        return "refused"
    finally:
        connections.close_all()

with ThreadPoolExecutor(20) as pool:
    outcomes = list(pool.map(first_message, opened))
placed = ChatSession.objects.holding_places().count()
print(outcomes.count("created"), outcomes.count("refused"), placed)
"""


def test_parallel_creates_on_sqlite_never_exceed_max_sessions(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "chatproject.settings",
        "PYTHONPATH": str(BASE_DIR),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["5", "15", "5"]
