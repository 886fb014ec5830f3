"""The ways in (the accounts login, the admin's login) behind the one throttle of
auth_throttle, and the answer to "Keep these chats in your account?" (adoption.py).

The sign-up page is in pages.py, behind the same throttle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from chatproject.lib.errors import json_error
from sessions_app import adoption
from sessions_app.auth_throttle import AuthRefused, check_login, hash_slot
from sessions_app.models import ChatSession
from sessions_app.owner import owner_from_request


def guarded_attempt(request: HttpRequest, attempt: Callable[[], HttpResponse]) -> HttpResponse:
    """Run a sign-in POST only within the throttle and with a password-hash slot; a refusal
    answers 429 or 503 before any hash is computed."""
    try:
        check_login(request, str(request.POST.get("username", "")))
        with hash_slot():
            return attempt()
    except AuthRefused as refused:
        return refused.response(request)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return guarded_attempt(
            request, lambda: super(LoginView, self).post(request, *args, **kwargs)
        )


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's login, with the same throttle as every other way in."""
    if request.method == "POST":
        return guarded_attempt(request, lambda: admin.site.login(request))
    return admin.site.login(request)


@require_POST
def adopt_chats(request: HttpRequest) -> HttpResponse:
    """The answer to the prompt: choice=keep moves this browser's anonymous chats into the
    signed-in account (never one waiting for a wallet answer); choice=leave leaves them."""
    if not request.user.is_authenticated:
        return json_error("not_signed_in", "Sign in first to keep chats in an account.", 403)
    if request.POST.get("choice") == "leave":
        adoption.decline(request)
        result = adoption.Adoptable(chats=0, held=0)
    else:
        result = adoption.adopt(request)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"adopted": result.chats, "held": result.held})
    return redirect(_chat_page(request, str(request.POST.get("session", ""))))


def _chat_page(request: HttpRequest, tab_chat: str) -> str:
    """The chat page, reopening the tab's chat (adopt.js sends it) when it is now the user's."""
    owned = ChatSession.objects.for_owner(owner_from_request(request))
    if tab_chat and owned.filter(public_id=tab_chat[:64]).exists():
        return f"{reverse('chat')}?{urlencode({'session': tab_chat})}"
    return reverse("chat")
