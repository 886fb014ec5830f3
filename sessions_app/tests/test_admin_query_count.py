"""The changelist's counts come from one query, whatever the number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sessions_app import manager
from sessions_app.models import ChatSession, ToolCall
from sessions_app.owner import Owner

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:chat_chatsession_changelist")


def add_sessions(count: int, django_user_model, start: int) -> None:
    for index in range(start, start + count):
        user = django_user_model.objects.create_user(f"user{index}")
        chat = manager.create_chat_session(Owner(session_key=f"browser-{index}", user_id=user.pk))
        message = chat.add_message("user", f"question {index}")
        ToolCall.objects.create(chat_session=chat, message=message, network="testnet", tool="t")


def changelist_queries(admin_client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    return len(queries)


def test_changelist_query_count_does_not_grow_with_rows(admin_client, django_user_model):
    add_sessions(1, django_user_model, start=0)
    with_one = changelist_queries(admin_client)
    add_sessions(9, django_user_model, start=1)
    with_ten = changelist_queries(admin_client)
    assert with_ten == with_one
    assert ChatSession.objects.count() == 10


def test_changelist_stays_under_a_fixed_query_budget(
    admin_client, django_user_model, django_assert_max_num_queries
):
    add_sessions(10, django_user_model, start=0)
    with django_assert_max_num_queries(10):
        admin_client.get(CHANGELIST)
