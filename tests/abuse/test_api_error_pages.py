"""Errors outside the views (unknown /api/ path, an exception, a lost database) still answer
API clients in the JSON error shape; the pages keep Django's HTML error pages."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError
from django.test import Client

from sessions_app import api


@pytest.mark.django_db
def test_unknown_api_path_is_a_json_404():
    response = Client().get("/api/no-such-endpoint")
    assert response.status_code == 404
    assert json.loads(response.content)["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_unknown_page_keeps_the_html_404():
    response = Client().get("/no-such-page")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_database_failure_in_an_api_view_is_a_json_500(monkeypatch):
    """What a burst of 500 session creations did when PostgreSQL ran out of connections."""

    def no_database(*args, **kwargs):
        raise OperationalError("sorry, too many clients already")

    monkeypatch.setattr(api, "list_sessions", no_database)
    response = Client(raise_request_exception=False).get("/api/sessions")
    assert response.status_code == 500
    body = json.loads(response.content)
    assert body["error"]["code"] == "server_error"
    assert "too many clients" not in response.content.decode()
