"""Requests that own nothing store nothing (finding 7 of issue 27: every POST without a session
cookie created a Django session row with a 14-day expiry, and nothing ran clearsessions).

Only a new chat (and a login) creates the browser session; the cleanup loop clears expired
ones. Counted in PostgreSQL's session table."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from tests.abuse.helpers import csrf_client, json_post_endpoints, post_json

pytestmark = pytest.mark.django_db

FOREIGN_CHAT = "x" * 32


def test_cookieless_posts_that_own_nothing_create_no_session_row():
    mallory, token = csrf_client()  # GET /api/csrf: a CSRF cookie, no session
    paths = [p for p in json_post_endpoints() if p != "/api/sessions"]
    paths += [f"/api/sessions/{FOREIGN_CHAT}/rename", f"/api/sessions/{FOREIGN_CHAT}/delete"]
    for _ in range(20):
        for path in paths:
            response = post_json(mallory, path, {"session_id": FOREIGN_CHAT, "title": "t"}, token)
            assert response.status_code < 500, (path, response.status_code)
    assert Session.objects.count() == 0


def test_a_new_chat_creates_the_one_session_it_needs():
    alice, token = csrf_client()
    assert post_json(alice, "/api/sessions", {}, token).status_code == 201
    assert post_json(alice, "/api/sessions", {}, token).status_code == 201
    assert Session.objects.count() == 1


def test_a_refused_new_chat_stores_no_session(settings):
    settings.MAX_SESSIONS = 0  # the deployment is full: nothing to own
    mallory, token = csrf_client()
    for _ in range(10):
        assert post_json(mallory, "/api/sessions", {}, token).status_code == 503
    assert Session.objects.count() == 0


def test_the_cleanup_pass_clears_expired_browser_sessions():
    Session.objects.create(
        session_key="old", session_data="", expire_date=timezone.now() - timedelta(days=1)
    )
    Session.objects.create(
        session_key="new", session_data="", expire_date=timezone.now() + timedelta(days=1)
    )
    call_command("cleanup_sessions", stdout=StringIO())
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]
