"""GET /metrics speaks Prometheus text and names every metric operations watch."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from sessions_app.models import ChatSession

EXPECTED_FAMILIES = {
    "chat_sessions_active",
    "chat_turns",
    "chat_turn_seconds",
    "mcp_tool_calls",
    "mcp_tool_call_seconds",
    "chat_errors",
    "chat_websockets_open",
}


def _families(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def test_metrics_answers_text_plain_with_every_operations_metric(client, db):
    assert EXPECTED_FAMILIES <= set(_families(client))


def test_active_sessions_gauge_is_read_from_the_database_at_scrape_time(client, db):
    stale = timezone.now() - timedelta(hours=5)
    ChatSession.objects.create(owner_key="alice")
    ChatSession.objects.create(owner_key="bob")
    ChatSession.objects.create(owner_key="carol", last_activity_at=stale)
    ChatSession.objects.create(owner_key="dave", status=ChatSession.Status.CLOSED)
    gauge = _families(client)["chat_sessions_active"]
    assert [sample.value for sample in gauge.samples] == [2.0]


def test_metrics_refuses_writes(client, db):
    assert client.post("/metrics").status_code == 405
