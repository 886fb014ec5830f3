"""Every POST endpoint refuses a missing, forged or foreign CSRF token, and writes nothing."""

from __future__ import annotations

import json
import secrets

import pytest
from django.test import Client

from tests.abuse.helpers import (
    assert_json_error,
    create_session,
    csrf_client,
    json_post_endpoints,
    row_counts,
)


def post_endpoints_for(session_id: str) -> list[tuple[str, dict]]:
    """(path, a body that would be accepted with a valid token) for every POST endpoint."""
    bodies = {
        "/api/sessions": {"network": "testnet"},
        "/api/chat": {
            "session_id": session_id,
            "message": "balance of alice",
            "network": "testnet",
        },
        "/api/interrupt": {"session_id": session_id},
        "/api/mcp/testnet": {"session_id": session_id, "tool": "get_chain_info", "params": {}},
    }
    paths = [p for p in json_post_endpoints() if "nonexistent" not in p and "polygon" not in p]
    paths = [p.replace("x" * 32, session_id) for p in paths]
    return [(path, bodies.get(path, {})) for path in paths]


def refused(client: Client, path: str, body: dict, **headers: str) -> None:
    before = row_counts()
    response = client.post(path, json.dumps(body), content_type="application/json", headers=headers)
    assert response.status_code == 403, (path, response.status_code, response.content[:200])
    assert assert_json_error(response)["code"] == "csrf_failed"
    assert row_counts() == before


@pytest.mark.django_db
def test_post_without_any_csrf_cookie_or_token_is_refused():
    alice, token = csrf_client()
    session_id = create_session(alice, token)
    for path, body in post_endpoints_for(session_id):
        refused(Client(enforce_csrf_checks=True), path, body)


@pytest.mark.django_db
def test_post_with_cookie_but_no_token_is_refused():
    alice, token = csrf_client()
    session_id = create_session(alice, token)
    for path, body in post_endpoints_for(session_id):
        refused(alice, path, body)


@pytest.mark.django_db
def test_post_with_forged_token_is_refused():
    alice, token = csrf_client()
    session_id = create_session(alice, token)
    for path, body in post_endpoints_for(session_id):
        refused(alice, path, body, X_CSRFToken=secrets.token_urlsafe(48)[:64])
        refused(alice, path, body, X_CSRFToken="")


@pytest.mark.django_db
def test_post_with_another_browsers_token_is_refused():
    alice, alice_token = csrf_client()
    _, mallory_token = csrf_client()
    session_id = create_session(alice, alice_token)
    for path, body in post_endpoints_for(session_id):
        refused(alice, path, body, X_CSRFToken=mallory_token)


@pytest.mark.django_db
def test_post_from_a_foreign_origin_is_refused_even_with_a_valid_token():
    alice, token = csrf_client()
    session_id = create_session(alice, token)
    for path, body in post_endpoints_for(session_id):
        refused(alice, path, body, X_CSRFToken=token, Origin="https://evil.example")


@pytest.mark.django_db
def test_the_valid_token_is_accepted_so_the_refusals_above_are_about_csrf():
    alice, token = csrf_client()
    session_id = create_session(alice, token)
    response = alice.post(
        f"/api/sessions/{session_id}/close",
        "{}",
        "application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
