"""Chat session ids: server-issued, unique, 32 URL-safe characters carrying 192 random bits."""

from __future__ import annotations

import base64
import re

import pytest

from sessions_app import manager
from sessions_app.models import PUBLIC_ID_BYTES, new_public_id
from sessions_app.owner import Owner

URLSAFE = re.compile(r"^[A-Za-z0-9_-]{32}$")


def test_id_is_32_urlsafe_characters_from_24_random_bytes():
    assert PUBLIC_ID_BYTES * 8 >= 128
    public_id = new_public_id()
    assert URLSAFE.match(public_id)
    assert len(base64.urlsafe_b64decode(public_id)) == PUBLIC_ID_BYTES == 24


def test_ids_do_not_repeat_and_use_the_whole_alphabet():
    ids = [new_public_id() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    # 160 000 characters from 64 symbols: every symbol shows up unless the source is broken.
    assert len(set("".join(ids))) == 64


@pytest.mark.django_db
def test_created_sessions_get_distinct_well_formed_ids(settings):
    settings.MAX_SESSIONS = 50
    settings.MAX_SESSIONS_PER_OWNER = 0  # one owner's 20 sessions: the cap is not tested here
    owner = Owner(session_key="alice-browser")
    ids = [manager.create_chat_session(owner).public_id for _ in range(20)]
    assert len(set(ids)) == 20
    assert all(URLSAFE.match(public_id) for public_id in ids)


@pytest.mark.django_db
def test_client_cannot_choose_the_id(client):
    response = client.post(
        "/api/sessions",
        {"id": "chosen-by-client", "public_id": "chosen-by-client"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert URLSAFE.match(response.json()["session"]["id"])
