"""MAX_SESSIONS holds under concurrent first messages on PostgreSQL (many connections at
once): the places are a unique index, so no lock is shared by every creation."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from sessions_app import manager
from sessions_app.models import ChatSession
from sessions_app.owner import Owner
from testsupport import local_http

LIMIT = 5
REQUESTS = 20


def create_over_http(base_url: str, start: threading.Barrier) -> int:
    """One browser: fetch the CSRF cookie, wait for the others, then ask for a session."""
    with local_http.client(base_url=base_url, timeout=60) as browser:
        token = browser.get("/api/csrf").json()["csrf_token"]
        start.wait(timeout=60)
        response = browser.post("/api/sessions", json={}, headers={"X-CSRFToken": token})
    if response.status_code == 503:
        assert response.json()["error"]["code"] == "server_full"
    return response.status_code


@pytest.mark.django_db(transaction=True)
def test_parallel_http_creates_stop_once_max_sessions_hold_places(live_server, settings):
    settings.MAX_SESSIONS = LIMIT
    settings.MAX_SESSIONS_PER_ADDRESS = 0  # every browser here comes from 127.0.0.1
    for index in range(LIMIT):
        manager.take_place(manager.create_chat_session(Owner(session_key=f"writer-{index}")))
    start = threading.Barrier(REQUESTS)
    with ThreadPoolExecutor(REQUESTS) as pool:
        statuses = list(
            pool.map(lambda _: create_over_http(live_server.url, start), range(REQUESTS))
        )
    assert statuses == [503] * REQUESTS
    assert ChatSession.objects.active().count() == LIMIT


def place_on_own_connection(start: threading.Barrier, chat_session: ChatSession) -> bool:
    try:
        start.wait(timeout=60)
        manager.take_place(chat_session)
        return True
    except manager.SessionLimitReached:
        return False
    finally:
        connections.close_all()  # each thread opened its own connection


@pytest.mark.django_db(transaction=True)
def test_parallel_first_messages_never_exceed_max_sessions(settings):
    settings.MAX_SESSIONS = LIMIT
    opened = [manager.create_chat_session(Owner(session_key=f"b-{i}")) for i in range(REQUESTS)]
    start = threading.Barrier(REQUESTS)
    with ThreadPoolExecutor(REQUESTS) as pool:
        placed = list(pool.map(lambda chat: place_on_own_connection(start, chat), opened))
    assert placed.count(True) == LIMIT
    assert ChatSession.objects.holding_places().count() == LIMIT
    assert sorted(ChatSession.objects.values_list("place", flat=True).exclude(place=None)) == list(
        range(LIMIT)
    )
