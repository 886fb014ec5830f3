"""Chat search reads only the searcher's chats (finding 9 of issue 27: it ran an unindexed LIKE
over every owner's messages, then kept the searcher's chats: nothing leaked, but each search
cost as much as the whole database).

PostgreSQL's own account of the query (EXPLAIN ANALYZE) shows how many message rows it read:
never more than mallory's own, however many alice has."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions_app.models import Message
from testsupport.browsers import make_browser

pytestmark = pytest.mark.django_db

ALICES_MESSAGES = 3000


def fill(chat, texts: list[str]) -> None:
    rows = [
        Message(chat_session=chat, seq=i + 1, role="user", content=text)
        for i, text in enumerate(texts)
    ]
    Message.objects.bulk_create(rows)
    chat.message_seq = len(texts)
    chat.save(update_fields=["message_seq"])


def message_rows_read(plan: dict[str, Any], table: str) -> int:
    """Rows the plan's scans of ``table`` produced or filtered out, over all their loops."""
    read = 0
    if plan.get("Relation Name") == table:
        kept = plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
        read += kept * plan.get("Actual Loops", 1)
    for child in plan.get("Plans", []):
        read += message_rows_read(child, table)
    return read


def explain(sql: str) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        (plan,) = cursor.fetchone()
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def test_mallorys_search_reads_only_mallorys_messages():
    alice, mallory = make_browser("alice"), make_browser("mallory")
    fill(alice.new_chat(), [f"alice needle {i}" for i in range(ALICES_MESSAGES)])
    fill(mallory.new_chat(), ["mallory hay", "mallory needle"])
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Message._meta.db_table}")
    with CaptureQueriesContext(connection) as queries:
        found = mallory.client().get("/api/chats?q=needle").json()["chats"]
    assert len(found) == 1  # mallory's own chat, never alice's
    table = Message._meta.db_table
    searches = [
        q["sql"] for q in queries.captured_queries if "LIKE" in q["sql"] and table in q["sql"]
    ]
    assert searches, "no search query ran"
    for sql in searches:
        assert message_rows_read(explain(sql), table) <= 2, sql


def test_alice_still_finds_her_chats_by_message_and_by_title():
    alice = make_browser("alice")
    chat = alice.new_chat()
    fill(chat, ["the quick brown fox"])
    chat.title = "Zebra notes"
    chat.save(update_fields=["title"])
    client = alice.client()
    assert [c["id"] for c in client.get("/api/chats?q=brown").json()["chats"]] == [chat.public_id]
    assert [c["id"] for c in client.get("/api/chats?q=zebra").json()["chats"]] == [chat.public_id]
    assert client.get("/api/chats?q=giraffe").json()["chats"] == []
