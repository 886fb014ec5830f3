"""Opening a new chat (POST /api/sessions, then its socket up to session.state) costs few SQL
statements: the caps are counted once, in one query; the browser's new session key is not
looked up; the creation reads back no turn or wallet request, and the socket of a chat never
written in reads no history, turn or wallet request (a turn, and with it a wallet request,
only comes after a message) (docs/benchmarks.md, "Opening a chat")."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chatproject.lib import dbthreads
from sessions_app.tests.agent_support import make_browser, open_socket

TRANSACTION = re.compile(r"^(BEGIN|COMMIT|SAVEPOINT|RELEASE SAVEPOINT)\b")


def statements(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured if not TRANSACTION.match(q["sql"])]


@pytest.mark.django_db
def test_a_new_browsers_chat_takes_three_statements():
    browser = Client()
    browser.get("/")
    with CaptureQueriesContext(connection) as captured:
        created = browser.post("/api/sessions", {}, content_type="application/json")
    assert created.status_code == 201
    session = created.json()["session"]
    assert session["processing"] is False and session["pending_wallet_request"] is None
    made = statements(captured)
    listing = "\n".join(made)
    # The caps; the chat; the browser session's row, with this browser's key in it, written
    # once (chatproject/lib/session_store.py).
    assert len(made) == 3, listing
    assert sum(sql.startswith('INSERT INTO "django_session"') for sql in made) == 1, listing
    assert not any(sql.startswith('UPDATE "django_session"') for sql in made), listing
    assert sum(sql.lstrip().startswith("SELECT count(*) FILTER") for sql in made) == 1, listing
    assert sum(sql.startswith('INSERT INTO "chat_chatsession"') for sql in made) == 1, listing


async def on_the_database_thread(action: Callable[[], Awaitable[object]]) -> list[str]:
    """The statements of the database thread (its connection) while ``action`` runs."""
    captured = CaptureQueriesContext(connection)
    await dbthreads.db(captured.__enter__)()
    try:
        await action()
    finally:

        def leave() -> list[str]:
            captured.__exit__(None, None, None)
            return statements(captured)

        made = await dbthreads.db(leave)()
    return made


@pytest.mark.django_db(transaction=True)
async def test_a_new_chats_socket_reads_its_row_twice_and_nothing_else(monkeypatch):
    monkeypatch.setenv("CHAT_DB_THREADS", "1")
    dbthreads.shutdown()  # the next call starts the pool with one thread
    alice = await dbthreads.db(make_browser)("alice")
    chat = await dbthreads.db(alice.new_chat)()
    opened: list[dict[str, object]] = []

    async def connect() -> None:
        socket, state = await open_socket(alice, chat.public_id)
        opened.append(state)
        await socket.disconnect()

    made = await on_the_database_thread(connect)
    listing = "\n".join(made)
    # The owner check, then the state read after the socket joined the chat's group; no
    # history, queued turn or wallet request to look for.
    assert len(made) == 2, listing
    assert all(sql.startswith('SELECT "chat_chatsession"') for sql in made), listing
    assert opened[0]["messages"] == [] and opened[0]["session"]["processing"] is False
