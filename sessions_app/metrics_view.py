"""GET /metrics: this process's Prometheus metrics, in the text exposition format.

Each daphne process has its own counters: scrape every backend process directly (not through
the load balancer), and Prometheus's `instance` label tells them apart.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from chatproject.lib.metrics import ACTIVE_CHAT_SESSIONS, ERRORS
from sessions_app.models import ChatSession

logger = logging.getLogger(__name__)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _may_scrape(request):
        raise Http404  # the same answer as a path that does not exist
    try:
        ACTIVE_CHAT_SESSIONS.set(_active_chat_sessions())
    except DatabaseError:
        # The other metrics still help when the database is what broke; the gauge keeps its
        # last value and the failure is counted.
        logger.warning("/metrics could not count active chat sessions", exc_info=True)
        ERRORS.labels(code="metrics_database").inc()
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)


def _may_scrape(request: HttpRequest) -> bool:
    """With METRICS_TOKEN, the bearer token; without, an internal address only."""
    if settings.METRICS_TOKEN:
        given = request.headers.get("Authorization", "").encode()
        return hmac.compare_digest(given, f"Bearer {settings.METRICS_TOKEN}".encode())
    try:
        address = ipaddress.ip_address(str(request.META.get("REMOTE_ADDR", "")))
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def _active_chat_sessions() -> int:
    """Active and not yet idle past SESSION_TIMEOUT: the same rule as the session cap's."""
    cutoff = timezone.now() - timedelta(seconds=settings.SESSION_TIMEOUT)
    return ChatSession.objects.active().filter(last_activity_at__gte=cutoff).count()
