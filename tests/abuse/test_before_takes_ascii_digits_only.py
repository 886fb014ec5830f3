"""`GET /api/sessions/<id>?before=` takes ASCII digits only (finding 8 of issue 27:
`?before=%C2%B2` answered 500, since str.isdigit() accepts '²' and int() does not)."""

from __future__ import annotations

import pytest

from sessions_app import manager
from sessions_app.owner import Owner
from tests.abuse.helpers import assert_json_error, csrf_client, post_json

pytestmark = pytest.mark.django_db

NOT_SEQ_NUMBERS = ["%C2%B2", "%D9%A3", "%EF%BC%91", "1%C2%B2", "-1", "1.0", "9" * 11]


def test_before_answers_400_for_anything_but_ascii_digits():
    alice, token = csrf_client()
    chat_id = post_json(alice, "/api/sessions", {}, token).json()["session"]["id"]
    for before in NOT_SEQ_NUMBERS:
        response = alice.get(f"/api/sessions/{chat_id}?before={before}")
        assert response.status_code == 400, before
        assert assert_json_error(response)["code"] == "bad_request"


def test_before_still_pages_with_ascii_digits():
    alice, token = csrf_client()
    chat_id = post_json(alice, "/api/sessions", {}, token).json()["session"]["id"]
    chat = manager.get_for_owner(chat_id, Owner(alice.session.session_key))
    for text in ("one", "two", "three"):
        chat.add_message("user", text)
    page = alice.get(f"/api/sessions/{chat_id}?before=3").json()
    assert [m["content"] for m in page["messages"]] == ["one", "two"]
