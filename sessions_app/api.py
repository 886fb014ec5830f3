"""The chat-session HTTP API: thin views over the session manager."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import get_token
from django.views.decorators.csrf import ensure_csrf_cookie

from chatproject.errors import json_error
from chatproject.networks import UnknownNetwork, get_network
from chatproject.textcheck import UNSTORABLE_MESSAGE, has_unstorable_text
from sessions_app import limits, manager
from sessions_app.chat import history_page
from sessions_app.models import ChatSession
from sessions_app.owner import owner_from_request
from sessions_app.serializers import chat_session_dict

View = Callable[..., JsonResponse]
logger = logging.getLogger(__name__)


def allow(method: str) -> Callable[[View], View]:
    """Like require_GET/require_POST, but the refusal is the API's JSON error, not an empty 405."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            if request.method != method:
                response = json_error("method_not_allowed", f"Use {method}.", 405)
                response["Allow"] = method
                return response
            return view(request, *args, **kwargs)

        return guarded

    return decorate


class BadBody(ValueError):
    """A refused request body; its text is written for the client (other ValueErrors' texts
    never reach it: see bad_request)."""


def read_json(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object body; raises BadBody with a sentence for the client."""
    try:
        body = json.loads(request.body or b"{}")
    except RequestDataTooBig:
        raise BadBody("The body is too large.") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        # RecursionError: nesting deeper than the parser handles (found by tests/abuse fuzzing).
        raise BadBody("The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BadBody("The body must be a JSON object.")
    if has_unstorable_text(body):  # a lone surrogate was a 500 (tests/abuse)
        raise BadBody(UNSTORABLE_MESSAGE)
    return body


def bad_request(exc: ValueError) -> JsonResponse:
    """A 400 for a ValueError: its text only when it was written for the client."""
    if isinstance(exc, BadBody):
        return json_error("bad_request", str(exc), 400)
    logger.warning("request refused: %s", exc)  # the detail is for the operator
    return json_error("bad_request", "The request could not be used; check its fields.", 400)


@allow("GET")
@ensure_csrf_cookie
def csrf(request: HttpRequest) -> JsonResponse:
    """Hands non-browser clients the CSRF token that every POST must carry."""
    return JsonResponse({"csrf_token": get_token(request)})


def sessions(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        return create_session(request)
    if request.method == "GET":
        return list_sessions(request)
    response = json_error("method_not_allowed", "Use GET or POST.", 405)
    response["Allow"] = "GET, POST"
    return response


def create_session(request: HttpRequest) -> JsonResponse:
    try:
        body = read_json(request)
        network = get_network(body.get("network", "testnet")).name
    except ValueError as exc:
        return bad_request(exc)
    except UnknownNetwork as exc:
        return json_error("unknown_network", str(exc), 400, networks=exc.valid)
    owner = owner_from_request(request)
    try:
        limits.check_session_create(owner, limits.address_of_request(request))
        chat_session = manager.create_chat_session(owner, network)
    except (manager.ChatSessionError, limits.RateLimited) as exc:
        return exc.response()
    return JsonResponse({"session": chat_session_dict(chat_session)}, status=201)


def list_sessions(request: HttpRequest) -> JsonResponse:
    owned = (
        ChatSession.objects.for_owner(owner_from_request(request))
        .with_busy()
        .order_by("-last_activity_at")[:100]
    )
    return JsonResponse({"sessions": [chat_session_dict(s) for s in owned]})


@allow("GET")
def session_detail(request: HttpRequest, public_id: str) -> JsonResponse:
    try:
        chat_session = manager.get_for_owner(public_id, owner_from_request(request))
    except manager.ChatSessionError as exc:
        return exc.response()
    before = request.GET.get("before", "")
    if before and not before.isdigit():
        return json_error("bad_request", '"before" must be a message seq number.', 400)
    messages, has_more = history_page(chat_session, int(before) if before else None)
    body = {"session": chat_session_dict(chat_session), "messages": messages}
    return JsonResponse({**body, "has_more": has_more})


@allow("POST")
def session_close(request: HttpRequest, public_id: str) -> JsonResponse:
    try:
        chat_session = manager.get_for_owner(public_id, owner_from_request(request))
    except manager.ChatSessionError as exc:
        return exc.response()
    manager.close(chat_session)
    return JsonResponse({"session": chat_session_dict(chat_session)})
