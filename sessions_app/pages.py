"""The server-rendered pages: the chat (`/`) and this browser's chat sessions (`/sessions/`).

The pages only render the frame; the chat itself runs in static/js over the websocket.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from sessions_app.models import ChatSession
from sessions_app.owner import owner_from_request

SESSIONS_PAGE_LIMIT = 100


def public_networks() -> list[dict[str, object]]:
    """The network table as the page may see it (never an RPC URL)."""
    return [network.public_dict() for network in settings.NETWORKS.values()]


@require_GET
@ensure_csrf_cookie
def chat(request: HttpRequest) -> HttpResponse:
    # A GET creates no browser session (tests/abuse): the page's POST /api/sessions does,
    # before the websocket opens. An existing one is marked as this browser's here.
    owner_from_request(request)
    context = {
        "networks": public_networks(),
        "max_message_chars": settings.MAX_MESSAGE_CHARS,
    }
    return render(request, "chat.html", context)


@require_GET
@ensure_csrf_cookie
def sessions(request: HttpRequest) -> HttpResponse:
    owned = (
        ChatSession.objects.for_owner(owner_from_request(request))
        .annotate(message_count=Count("messages"))
        .order_by("-last_activity_at")[:SESSIONS_PAGE_LIMIT]
    )
    return render(request, "sessions.html", {"chat_sessions": owned})
