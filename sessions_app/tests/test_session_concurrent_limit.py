"""MAX_SESSIONS holds under concurrent creation on PostgreSQL (many connections at once)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.db import connections

from sessions_app import manager
from sessions_app.models import ChatSession
from sessions_app.owner import Owner

LIMIT = 5
REQUESTS = 20


def create_over_http(base_url: str, start: threading.Barrier) -> int:
    """One browser: fetch the CSRF cookie, wait for the others, then ask for a session."""
    with httpx.Client(base_url=base_url, timeout=60) as browser:
        token = browser.get("/api/csrf").json()["csrf_token"]
        start.wait(timeout=60)
        response = browser.post("/api/sessions", json={}, headers={"X-CSRFToken": token})
    if response.status_code == 503:
        assert response.json()["error"]["code"] == "server_full"
    return response.status_code


@pytest.mark.django_db(transaction=True)
def test_parallel_http_creates_never_exceed_max_sessions(live_server, settings):
    settings.MAX_SESSIONS = LIMIT
    start = threading.Barrier(REQUESTS)
    with ThreadPoolExecutor(REQUESTS) as pool:
        statuses = list(
            pool.map(lambda _: create_over_http(live_server.url, start), range(REQUESTS))
        )
    assert sorted(statuses) == [201] * LIMIT + [503] * (REQUESTS - LIMIT)
    assert ChatSession.objects.active().count() == LIMIT


def create_on_own_connection(start: threading.Barrier, index: int) -> bool:
    try:
        start.wait(timeout=60)
        manager.create_chat_session(Owner(session_key=f"browser-{index}"))
        return True
    except manager.SessionLimitReached:
        return False
    finally:
        connections.close_all()  # each thread opened its own connection


@pytest.mark.django_db(transaction=True)
def test_parallel_manager_creates_never_exceed_max_sessions(settings):
    settings.MAX_SESSIONS = LIMIT
    start = threading.Barrier(REQUESTS)
    with ThreadPoolExecutor(REQUESTS) as pool:
        created = list(pool.map(lambda i: create_on_own_connection(start, i), range(REQUESTS)))
    assert created.count(True) == LIMIT
    assert ChatSession.objects.active().count() == LIMIT
