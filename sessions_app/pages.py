"""The server-rendered pages: the chat (`/` a new one, `/c/<id>` one of the owner's) and this
browser's chat sessions (`/sessions/`).

The pages only render the frame; the chat itself runs in static/js over the websocket.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods

from mcp_proxy import availability
from sessions_app import adoption, manager
from sessions_app.agent import intents
from sessions_app.auth_throttle import AuthRefused, check_login, check_signup, hash_slot
from sessions_app.models import ChatSession
from sessions_app.owner import owner_from_request

SESSIONS_PAGE_LIMIT = 100


def public_networks() -> list[dict[str, object]]:
    """The network table as the page may see it (never an RPC URL), each network with
    whether it can be used now and, if not, why (its MCP servers' health), and the example
    prompts the builtin agent answers there (its intents say which)."""
    networks = settings.NETWORKS.values()
    judged = availability.first_checked(networks)
    return [
        {
            **network.public_dict(),
            "available": judged[network.name].usable,
            "unavailable_reason": judged[network.name].reason,
            "examples": intents.examples(network),
        }
        for network in networks
    ]


@require_GET
@ensure_csrf_cookie
def chat(request: HttpRequest) -> HttpResponse:
    owner_from_request(request)  # marks an existing browser session as this browser's
    return _chat_page(request)


@require_GET
@ensure_csrf_cookie
def chat_at(request: HttpRequest, public_id: str) -> HttpResponse:
    """``/c/<id>``: the chat page on that chat (the page's script opens the id in its URL).
    Owner-checked by the API's own lookup: a foreign id and an unknown one get the same 404."""
    try:
        manager.get_for_owner(public_id, owner_from_request(request))
    except manager.ChatSessionNotFound:
        return render(request, "chat_missing.html", status=404)
    return _chat_page(request)


def _chat_page(request: HttpRequest) -> HttpResponse:
    # A GET creates no browser session (tests/abuse): the page's POST /api/sessions does,
    # before the websocket opens.
    context = {
        "networks": public_networks(),
        "max_message_chars": settings.MAX_MESSAGE_CHARS,
        "adoptable": adoption.adoptable(request),  # "Keep these chats in your account?"
    }
    return render(request, "chat.html", context)


@require_GET
@ensure_csrf_cookie
def sessions(request: HttpRequest) -> HttpResponse:
    owned = (
        ChatSession.objects.for_owner(owner_from_request(request))
        .filter(message_seq__gt=0)  # a tab that never sent a message is not a chat yet
        .annotate(message_count=Count("messages"))
        .order_by("-last_activity_at")[:SESSIONS_PAGE_LIMIT]
    )
    return render(request, "sessions.html", {"chat_sessions": owned})


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Optional account: the chats of this browser join it only if the page's prompt is
    answered so (adoption.py); from then on they follow the user to any browser.

    Behind the sign-in throttle (the username and address), and the account count per address
    and hour: both are checked before the password is hashed (auth_throttle.py)."""
    form: UserCreationForm[User] = UserCreationForm(request.POST or None)
    if request.method == "POST":
        try:
            check_login(request, str(request.POST.get("username", "")))
            if form.is_valid():
                check_signup(request)
                with hash_slot():
                    user = form.save()
                login(request, user)
                return redirect(settings.LOGIN_REDIRECT_URL)
        except AuthRefused as refused:
            return refused.response(request)
    return render(request, "accounts/signup.html", {"form": form})
